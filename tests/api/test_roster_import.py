"""POST /api/v1/users/import (API.md "Staff roster import", 人事異動): the personnel system's
CSV in UTF-8, UTF-8 with BOM or CP932, matched by 職員番号; counts and changes exactly;
dry runs and wrong files write nothing; sign-in by 職員番号; who may import."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import AuthSession, Department, Proposal, User
from app.models.enums import Role
from app.services import roster, roster_csv
from tests.helpers import COMPLETE

API = "/api/v1"
HEADER = "職員番号,氏名,フリガナ,所属コード,所属名,役職,雇用形態,メールアドレス,在職"
PASSWORD = "a-long-and-new-password"

FIRST = (
    "1001,髙橋 一郎,ﾀｶﾊｼ ｲﾁﾛｳ,010,総務課,主事,正規,Ichiro.Takahashi@nagi.example,1",
    "1002,佐藤 美咲,サトウ ミサキ,020,保健相談課,,会計年度任用,misaki@nagi.example,1",
    "1003,山本 三郎,,020,保健相談課,課長,再任用,saburo@nagi.example,1",
)


def roster_file(*rows: str, encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join((HEADER, *rows)) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def upload(api: TestClient, data: bytes, **params) -> "object":
    files = {"file": ("jinji.csv", data, "text/csv")}
    return api.post(f"{API}/users/import", files=files, params=params)


def snapshot(session: Session) -> tuple[list, list]:
    """Every user's and department's row as plain values."""
    session.expire_all()
    users = [u.model_dump() for u in session.exec(select(User).order_by(col(User.id))).all()]
    departments = [
        d.model_dump() for d in session.exec(select(Department).order_by(col(Department.id))).all()
    ]
    return users, departments


def by_number(session: Session, number: str) -> User:
    session.expire_all()
    return session.exec(select(User).where(User.employee_number == number)).one()


@pytest.fixture
def admin(make_user) -> User:
    return make_user(Role.admin, email="admin@nagi.example")


@pytest.fixture
def admin_api(api_as, admin: User) -> TestClient:
    return api_as(admin)


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("cp932", False)])
def test_first_import_creates_people_and_departments(
    admin_api: TestClient, make_department, session: Session, encoding: str, bom: bool
) -> None:
    general = make_department("総務課", code="010")
    response = upload(admin_api, roster_file(*FIRST, encoding=encoding, bom=bom))
    assert response.status_code == 200, response.text
    health = session.exec(select(Department).where(Department.code == "020")).one()
    assert response.json() == {
        "created": 3,
        "updated": 0,
        "deactivated": 0,
        "unchanged": 0,
        "departments_created": 1,
        "changes": [
            {
                "employee_number": "1001",
                "change": "created",
                "fields": {
                    "employee_number": [None, "1001"],
                    "name": [None, "髙橋 一郎"],
                    "name_kana": [None, "タカハシ イチロウ"],
                    "email": [None, "ichiro.takahashi@nagi.example"],
                    "department_id": [None, general.id],
                    "position": [None, "主事"],
                    "employment_type": [None, "regular"],
                    "is_active": [None, True],
                },
            },
            {
                "employee_number": "1002",
                "change": "created",
                "fields": {
                    "employee_number": [None, "1002"],
                    "name": [None, "佐藤 美咲"],
                    "name_kana": [None, "サトウ ミサキ"],
                    "email": [None, "misaki@nagi.example"],
                    "department_id": [None, health.id],
                    "employment_type": [None, "fiscal_year_appointed"],
                    "is_active": [None, True],
                },
            },
            {
                "employee_number": "1003",
                "change": "created",
                "fields": {
                    "employee_number": [None, "1003"],
                    "name": [None, "山本 三郎"],
                    "email": [None, "saburo@nagi.example"],
                    "department_id": [None, health.id],
                    "position": [None, "課長"],
                    "employment_type": [None, "reappointed"],
                    "is_active": [None, True],
                },
            },
        ],
        "errors": [],
    }
    assert health.name == "保健相談課" and health.is_active
    takahashi = by_number(session, "1001")
    assert takahashi.name == "髙橋 一郎" and takahashi.roles == ["staff"]
    assert takahashi.password_hash == "" and not takahashi.has_password
    listed = admin_api.get(f"{API}/users", params={"q": "1002"}).json()["items"]
    assert [(u["employee_number"], u["has_password"]) for u in listed] == [("1002", False)]


def test_importing_the_same_file_twice_changes_nothing(
    admin_api: TestClient, session: Session
) -> None:
    data = roster_file(*FIRST)
    assert upload(admin_api, data).status_code == 200
    before = snapshot(session)
    again = upload(admin_api, data, deactivate_missing="true")
    assert again.status_code == 200
    assert again.json() == {
        "created": 0,
        "updated": 0,
        "deactivated": 0,
        "unchanged": 3,
        "departments_created": 0,
        "changes": [],
        "errors": [],
    }
    assert snapshot(session) == before


def test_transfers_renames_and_leavers(
    admin_api: TestClient, session: Session, make_department
) -> None:
    assert upload(admin_api, roster_file(*FIRST)).status_code == 200
    general = session.exec(select(Department).where(Department.code == "010")).one()
    health = session.exec(select(Department).where(Department.code == "020")).one()
    leaver_version = by_number(session, "1003").version
    moved = (
        "1001,髙橋 一郎,タカハシ イチロウ,020,健康福祉課,主査,正規,ichiro.takahashi@nagi.example,1",
        "1002,佐藤 美咲,サトウ ミサキ,030,企画財政課,,正規,misaki@nagi.example,1",
        "1003,山本 三郎,,020,健康福祉課,課長,再任用,saburo@nagi.example,0",
    )
    response = upload(admin_api, roster_file(*moved))
    assert response.status_code == 200, response.text
    planning = session.exec(select(Department).where(Department.code == "030")).one()
    body = response.json()
    assert (body["created"], body["updated"], body["deactivated"], body["unchanged"]) == (
        0,
        2,
        1,
        0,
    )
    assert body["departments_created"] == 1
    assert body["changes"] == [
        {
            "employee_number": "1001",
            "change": "updated",
            "fields": {"department_id": [general.id, health.id], "position": ["主事", "主査"]},
        },
        {
            "employee_number": "1002",
            "change": "updated",
            "fields": {
                "department_id": [health.id, planning.id],
                "employment_type": ["fiscal_year_appointed", "regular"],
            },
        },
        {
            "employee_number": "1003",
            "change": "deactivated",
            "fields": {"is_active": [True, False]},
        },
    ]
    session.expire_all()
    assert session.get(Department, health.id).name == "健康福祉課"  # renamed, same id
    assert session.get(Department, general.id).name == "総務課"
    leaver = by_number(session, "1003")
    assert not leaver.is_active and leaver.department_id == health.id
    assert leaver.version == leaver_version + 1
    assert by_number(session, "1001").version == 2


def test_a_dry_run_reports_the_real_changes_and_writes_nothing(
    admin_api: TestClient, session: Session
) -> None:
    assert upload(admin_api, roster_file(*FIRST[:2])).status_code == 200
    before = snapshot(session)
    changed = (
        "1001,髙橋 一郎,,010,総務課,主査,正規,ichiro.takahashi@nagi.example,1",
        "1003,山本 三郎,,040,税務課,,その他,saburo@nagi.example,1",
    )
    dry = upload(admin_api, roster_file(*changed), dry_run="true", deactivate_missing="true")
    assert dry.status_code == 200, dry.text
    assert snapshot(session) == before
    body = dry.json()
    assert [(c["employee_number"], c["change"]) for c in body["changes"]] == [
        ("1001", "updated"),
        ("1003", "created"),
        ("1002", "deactivated"),
    ]
    assert body["changes"][0]["fields"] == {
        "name_kana": ["タカハシ イチロウ", None],
        "position": ["主事", "主査"],
    }
    real = upload(admin_api, roster_file(*changed), deactivate_missing="true")
    assert real.status_code == 200
    expected = {key: value for key, value in body.items() if key != "changes"}
    assert {key: value for key, value in real.json().items() if key != "changes"} == expected
    assert real.json()["changes"][0] == body["changes"][0]


def test_error_lines_write_nothing_and_answer_422_with_every_line(
    admin_api: TestClient, session: Session, make_user
) -> None:
    make_user(name="前任 者", email="taken@nagi.example", employee_number="9000")
    before = snapshot(session)
    rows = (
        "1001,髙橋 一郎,,010,総務課,主事,正規,ichiro@nagi.example,1",  # 2: fine
        "1002,佐藤 美咲,,020,保健相談課,,嘱託,misaki@nagi.example,1",  # 3: 雇用形態
        "1003,山本 三郎,,020,保健相談課,,正規,saburo@nagi.example,はい",  # 4: 在職
        "",  # 5: blank, skipped
        "1004,,,020,保健相談課,,正規,no-at-sign,1",  # 6: 氏名 and e-mail
        "1001,別人,,010,総務課,,正規,other@nagi.example,1",  # 7: number again
        "1005,田中 五郎,,010,総務課,,正規,Ichiro@nagi.example,1",  # 8: e-mail again
        "1006,中村 六子,,010,総務課,,正規,taken@nagi.example,1",  # 9: someone else's
        "1007,小林 七海,,010,総務課,,正規,nanami@nagi.example",  # 10: a column short
    )
    response = upload(admin_api, roster_file(*rows))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "about:blank" and body["status"] == 422
    assert body["title"] == "Unprocessable Content" and "8件" in body["detail"]
    assert {key: body[key] for key in ("created", "updated", "deactivated", "unchanged")} == {
        "created": 0,
        "updated": 0,
        "deactivated": 0,
        "unchanged": 0,
    }
    assert body["departments_created"] == 0 and body["changes"] == []
    assert [(e["line"], e["loc"], e["msg"]) for e in body["errors"]] == [
        (
            3,
            ["file", 3],
            "「雇用形態」は 正規・会計年度任用・再任用・その他 のいずれかにしてください（「嘱託」）。",
        ),
        (4, ["file", 4], "「在職」は 1（在職）または 0（退職など）にしてください（「はい」）。"),
        (6, ["file", 6], "「氏名」を入力してください。"),
        (6, ["file", 6], "「メールアドレス」の形式が正しくありません。"),
        (7, ["file", 7], "職員番号 1001 は 2 行目にもあります。"),
        (8, ["file", 8], "メールアドレス ichiro@nagi.example は 2 行目にもあります。"),
        (9, ["file", 9], "メールアドレス taken@nagi.example は別の職員（前任 者）が使っています。"),
        (10, ["file", 10], "列の数が9列ではありません（8列あります）。"),
    ]
    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"", 1, "ファイルが空です。1行目に見出し行が必要です。"),
        ((HEADER + "\r\n").encode(), 1, "職員の行がありません。"),
        (
            "職員番号,氏名,メール\r\n1,a,b\r\n".encode(),
            1,
            f"1行目（見出し）は「{HEADER}」としてください。",
        ),
        (
            roster_file(*FIRST) + b"1004,\xff\xfe,,,,,\x82,x@y.jp,1\r\n",
            5,
            "文字コードを UTF-8 または Shift_JIS（CP932）として読み取れません。",
        ),
        (
            b"\xef\xbb\xbf" + roster_file(*FIRST, encoding="cp932"),
            1,
            "文字コードを UTF-8 または Shift_JIS（CP932）として読み取れません。",
        ),
    ],
    ids=["empty", "header-only", "wrong-header", "neither-encoding", "bom-but-cp932"],
)
def test_unreadable_files_are_one_error(
    admin_api: TestClient, session: Session, data: bytes, line: int, message: str
) -> None:
    before = snapshot(session)
    response = upload(admin_api, data, deactivate_missing="true")
    assert response.status_code == 422, response.text
    assert [(e["line"], e["msg"]) for e in response.json()["errors"]] == [(line, message)]
    assert snapshot(session) == before


def test_error_messages_follow_accept_language(admin_api: TestClient) -> None:
    bad = roster_file("1001,髙橋 一郎,,010,総務課,,正規,ichiro@nagi.example,2")
    files = {"file": ("jinji.csv", bad, "text/csv")}
    response = admin_api.post(f"{API}/users/import", files=files, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"].isascii()
    message = response.json()["errors"][0]["msg"]
    assert message != "「在職」は 1（在職）または 0（退職など）にしてください（「2」）。"
    assert "(2)" in message or '"2"' in message


def test_deactivate_missing_spares_the_caller_and_users_without_a_number(
    api_as, admin_api: TestClient, admin: User, make_user, session: Session, settings
) -> None:
    # The admin has a 職員番号 that the file does not list: still never deactivated.
    admin_api.patch(f"{API}/users/{admin.id}", json={"employee_number": "0001"})
    gone = make_user(employee_number="2001", name="転出 する人")
    handmade = make_user(name="番号 なし")
    already = make_user(employee_number="2002", is_active=False)
    gone_api = api_as(gone)
    assert gone_api.get(f"{API}/users/me").status_code == 200
    without = upload(admin_api, roster_file(*FIRST))
    assert without.json()["deactivated"] == 0 and by_number(session, "2001").is_active
    response = upload(admin_api, roster_file(*FIRST), deactivate_missing="true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["unchanged"], body["deactivated"]) == (0, 3, 1)
    assert body["changes"] == [
        {"employee_number": "2001", "change": "deactivated", "fields": {"is_active": [True, False]}}
    ]
    session.expire_all()
    assert not session.get(User, gone.id).is_active
    assert session.get(User, handmade.id).is_active
    assert session.get(User, admin.id).is_active
    assert not session.get(User, already.id).is_active
    # Deactivation ends the leaver's sign-ins at once.
    assert gone_api.get(f"{API}/users/me").status_code == 401
    assert session.exec(select(AuthSession).where(AuthSession.user_id == gone.id)).all() == []


def test_the_caller_cannot_mark_themselves_as_leaving(
    admin_api: TestClient, admin: User, session: Session
) -> None:
    admin_api.patch(f"{API}/users/{admin.id}", json={"employee_number": "0001"})
    response = upload(
        admin_api, roster_file("0001,奈義 太郎,,010,総務課,,正規,admin@nagi.example,0")
    )
    assert response.status_code == 422
    assert [e["line"] for e in response.json()["errors"]] == [2]
    assert by_number(session, "0001").is_active


def test_an_account_made_by_hand_is_given_its_number(
    admin_api: TestClient, make_user, make_department, session: Session
) -> None:
    general = make_department("総務課", code="010")
    handmade = make_user(
        name="髙橋 一郎", email="ichiro.takahashi@nagi.example", department=general
    )
    response = upload(admin_api, roster_file(FIRST[0]))
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 0 and response.json()["updated"] == 1
    assert response.json()["changes"] == [
        {
            "employee_number": "1001",
            "change": "updated",
            "fields": {
                "employee_number": [None, "1001"],
                "name_kana": [None, "タカハシ イチロウ"],
                "position": [None, "主事"],
            },
        }
    ]
    linked = by_number(session, "1001")
    assert linked.id == handmade.id and linked.has_password  # the password is kept


def test_two_people_may_swap_e_mail_addresses(admin_api: TestClient, session: Session) -> None:
    assert upload(admin_api, roster_file(*FIRST[1:])).status_code == 200
    swapped = (
        "1002,佐藤 美咲,サトウ ミサキ,020,保健相談課,,会計年度任用,saburo@nagi.example,1",
        "1003,山本 三郎,,020,保健相談課,課長,再任用,misaki@nagi.example,1",
        "1004,新人 四郎,,020,保健相談課,,正規,shiro@nagi.example,1",
    )
    response = upload(admin_api, roster_file(*swapped))
    assert response.status_code == 200, response.text
    assert [c["fields"].get("email") for c in response.json()["changes"]] == [
        ["misaki@nagi.example", "saburo@nagi.example"],
        ["saburo@nagi.example", "misaki@nagi.example"],
        [None, "shiro@nagi.example"],
    ]
    assert by_number(session, "1002").email == "saburo@nagi.example"
    assert by_number(session, "1003").email == "misaki@nagi.example"


def test_a_moved_user_keeps_the_department_of_past_proposals(
    api_as, admin_api: TestClient, session: Session
) -> None:
    assert upload(admin_api, roster_file(*FIRST)).status_code == 200
    takahashi = by_number(session, "1001")
    home = takahashi.department_id
    author = api_as(takahashi)
    pid = author.post(f"{API}/proposals", json={"title": "押印の見直し", **COMPLETE}).json()["id"]
    assert author.post(f"{API}/proposals/{pid}/submit", json={}).status_code == 200
    later = author.post(f"{API}/proposals", json={"title": "窓口の予約", **COMPLETE}).json()["id"]
    moved = "1001,髙橋 一郎,タカハシ イチロウ,050,建設課,主事,正規,ichiro.takahashi@nagi.example,1"
    assert upload(admin_api, roster_file(moved)).json()["updated"] == 1
    session.expire_all()
    assert by_number(session, "1001").department_id != home
    assert session.get(Proposal, pid).department_id == home  # snapshotted at submission
    assert author.get(f"{API}/proposals/{pid}").json()["department_id"] == home
    # A draft takes the department it is submitted from: the new one.
    submitted = author.post(f"{API}/proposals/{later}/submit", json={})
    assert submitted.json()["department_id"] == by_number(session, "1001").department_id


def test_sign_in_by_employee_number_once_a_password_is_set(
    client: TestClient, admin_api: TestClient, session: Session
) -> None:
    assert upload(admin_api, roster_file(*FIRST)).status_code == 200
    user = by_number(session, "1001")

    def token(username: str, password: str = PASSWORD) -> int:
        form = {"username": username, "password": password}
        return client.post(f"{API}/auth/token", data=form).status_code

    # No password yet: refused, whatever is tried (the empty one included).
    assert token("1001") == 401 and token("1001", "") in (401, 422)
    assert token("ichiro.takahashi@nagi.example") == 401
    response = admin_api.patch(f"{API}/users/{user.id}", json={"password": PASSWORD})
    assert response.status_code == 200 and response.json()["has_password"] is True
    assert token("1001") == 200
    assert token(" １００１ ") == 200  # full-width, spaces around
    assert token("ichiro.takahashi@nagi.example") == 200
    assert token("1001", "a-wrong-password-here") == 401
    assert token("1002") == 401  # imported, still without a password


def test_employee_number_in_the_users_api(
    admin_api: TestClient, make_user, make_department
) -> None:
    department = make_department()
    body = {
        "email": "shinki@nagi.example",
        "name": "新規 職員",
        "password": PASSWORD,
        "department_id": department.id,
        "employee_number": "ab-12",
    }
    created = admin_api.post(f"{API}/users", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["employee_number"] == "AB-12"
    other = make_user(employee_number="3000")
    taken = admin_api.patch(f"{API}/users/{other.id}", json={"employee_number": "AB-12"})
    assert taken.status_code == 422
    assert taken.json()["errors"][0]["loc"] == ["body", "employee_number"]
    for bad in ("", "12 34", "番号", "-12", "x" * 21):
        response = admin_api.patch(f"{API}/users/{other.id}", json={"employee_number": bad})
        assert response.status_code == 422, bad
    cleared = admin_api.patch(f"{API}/users/{other.id}", json={"employee_number": None})
    assert cleared.status_code == 200 and cleared.json()["employee_number"] is None


def test_who_may_import(
    client: TestClient, api_as, admin_api: TestClient, make_user, session: Session
) -> None:
    data = roster_file(*FIRST)

    def key(*scopes: str) -> dict[str, str]:
        body = {"name": "人事給与システム", "scopes": list(scopes)}
        created = admin_api.post(f"{API}/api-keys", json=body).json()
        return {"Authorization": f"Bearer {created['key']}"}

    files = {"file": ("jinji.csv", data, "text/csv")}
    assert client.post(f"{API}/users/import", files=files).status_code == 401
    for role in (Role.staff, Role.secretariat, Role.supervisor):
        response = upload(api_as(make_user(role)), data)
        assert response.status_code == 403, role
    read_only = client.post(f"{API}/users/import", files=files, headers=key("users:read"))
    assert read_only.status_code == 403
    assert session.exec(select(User).where(col(User.employee_number).is_not(None))).all() == []
    writer = key("users:write")
    response = client.post(
        f"{API}/users/import", files=files, headers=writer, params={"deactivate_missing": "true"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 3


def test_too_large_files_are_413(admin_api: TestClient, monkeypatch) -> None:
    monkeypatch.setattr(roster, "MAX_BYTES", 200)
    response = upload(admin_api, roster_file(*FIRST, *FIRST))
    assert response.status_code == 413
    monkeypatch.setattr(roster, "MAX_BYTES", 5_000_000)
    monkeypatch.setattr(roster_csv, "MAX_ROWS", 2)
    response = upload(admin_api, roster_file(*FIRST))
    assert response.status_code == 413
    assert upload(admin_api, roster_file(*FIRST[:2])).status_code == 200
