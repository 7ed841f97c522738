"""名簿の取込 (/admin/users/import): upload, a preview that writes nothing, apply; errors
shown by line; 職員番号 on the user pages; sign-in by 職員番号 on the login page."""

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import Department, User
from app.models.enums import Role
from tests.conftest import PageClient, csrf_from

HEADER = "職員番号,氏名,フリガナ,所属コード,所属名,役職,雇用形態,メールアドレス,在職"
ROWS = (
    "1001,髙橋 一郎,ﾀｶﾊｼ ｲﾁﾛｳ,010,総務課,主事,正規,ichiro@nagi.example,1",
    "1002,佐藤 美咲,サトウ ミサキ,020,保健相談課,,会計年度任用,misaki@nagi.example,1",
)
PASSWORD = "a-long-and-new-password"
CONTENT = re.compile(r'name="content" value="([^"]+)"')


def roster_file(*rows: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join((HEADER, *rows)) + "\r\n").encode(encoding)


def preview(page: PageClient, data: bytes, **fields):
    return page.post(
        "/admin/users/import",
        data={"csrf_token": page.csrf, **fields},
        files={"file": ("jinji.csv", data, "text/csv")},
        follow_redirects=False,
    )


def apply(page: PageClient, previewed: str):
    chunks = CONTENT.findall(previewed)
    assert chunks, "no apply form in the preview"
    fields: dict = {"csrf_token": page.csrf, "content": chunks}
    if 'name="deactivate_missing" value="1">' in previewed.split('id="roster-apply"')[1]:
        fields["deactivate_missing"] = "1"
    return page.post(
        "/admin/users/import/apply",
        data=fields,
        files={"unused": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )


def numbered(session: Session) -> list[tuple[str, str, bool]]:
    session.expire_all()
    rows = session.exec(
        select(User).where(col(User.employee_number).is_not(None)).order_by(User.employee_number)
    ).all()
    return [(u.employee_number, u.name, u.is_active) for u in rows]


@pytest.fixture
def admin_page(page_as, make_user) -> PageClient:
    return page_as(make_user(Role.admin, email="admin@nagi.example"))


def test_the_users_page_links_to_the_import_form(admin_page: PageClient) -> None:
    listing = admin_page.get("/admin/users")
    assert 'href="/admin/users/import"' in listing.text
    form = admin_page.get("/admin/users/import")
    assert form.status_code == 200
    assert "名簿の取込（人事異動）" in form.text and 'type="file"' in form.text
    assert HEADER in form.text and 'enctype="multipart/form-data"' in form.text


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_preview_writes_nothing_then_apply_imports(
    admin_page: PageClient, session: Session, make_department, encoding: str
) -> None:
    make_department("総務課", code="010")
    shown = preview(admin_page, roster_file(*ROWS, encoding=encoding))
    assert shown.status_code == 200, shown.text
    text = html.unescape(shown.text)
    assert "確認結果（まだ取り込んでいません）" in text
    assert "髙橋 一郎" in text and "佐藤 美咲" in text and "新規登録" in text
    assert "所属: 総務課" in text and "所属: 保健相談課" in text  # names, not ids
    assert "雇用形態: 会計年度任用職員" in text and "フリガナ: タカハシ イチロウ" in text
    assert 'id="roster-departments"' in text and "020" in text
    assert numbered(session) == []
    assert session.exec(select(Department).where(Department.code == "020")).first() is None

    done = apply(admin_page, shown.text)
    assert done.status_code == 200, done.text
    assert "名簿を取り込みました" in done.text and 'id="roster-apply"' not in done.text
    assert numbered(session) == [("1001", "髙橋 一郎", True), ("1002", "佐藤 美咲", True)]
    listing = admin_page.get("/admin/users", params={"q": "1001"}).text
    assert "1001" in listing and "髙橋 一郎" in listing and "パスワード未設定" in listing
    # The same file again: nothing to change, nothing to apply.
    again = preview(admin_page, roster_file(*ROWS, encoding=encoding))
    assert "この名簿による変更はありません。" in again.text
    assert 'id="roster-apply"' not in again.text


def test_errors_are_listed_by_line_and_nothing_can_be_applied(
    admin_page: PageClient, session: Session
) -> None:
    bad = roster_file(ROWS[0], "1002,佐藤 美咲,,020,保健相談課,,パート,misaki@nagi.example,1")
    shown = preview(admin_page, bad, deactivate_missing="1")
    assert shown.status_code == 422
    text = html.unescape(shown.text)
    assert "名簿に誤りがあります（1件）" in text and "3行目" in text
    assert (
        "「雇用形態」は 正規・会計年度任用・再任用・その他 のいずれかにしてください（「パート」）。"
        in text
    )
    assert 'id="roster-apply"' not in text
    assert numbered(session) == []


def test_deactivating_absent_staff_is_previewed_and_applied(
    admin_page: PageClient, session: Session, make_user
) -> None:
    make_user(employee_number="2001", name="転出 する人")
    shown = preview(admin_page, roster_file(*ROWS), deactivate_missing="1")
    text = html.unescape(shown.text)
    assert (
        "転出 する人" in text and "無効化（退職等）" in text and "在職: 在職 → 退職・無効" in text
    )
    assert numbered(session)[0] == ("2001", "転出 する人", True)
    assert apply(admin_page, shown.text).status_code == 200
    assert numbered(session) == [
        ("1001", "髙橋 一郎", True),
        ("1002", "佐藤 美咲", True),
        ("2001", "転出 する人", False),
    ]


def test_no_file_and_a_tampered_apply_are_refused(admin_page: PageClient, session: Session) -> None:
    empty = admin_page.post(
        "/admin/users/import",
        data={"csrf_token": admin_page.csrf},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert empty.status_code == 422 and "CSV ファイルを選んでください。" in empty.text
    broken = admin_page.post(
        "/admin/users/import/apply",
        data={"csrf_token": admin_page.csrf, "content": "not base64!"},
        files={"unused": ("", b"", "application/octet-stream")},
    )
    assert broken.status_code == 422 and "もう一度ファイルを選んでください" in broken.text
    assert numbered(session) == []


@pytest.mark.parametrize("role", [Role.staff, Role.secretariat])
def test_only_admins_may_import(page_as, make_user, role: Role) -> None:
    page = page_as(make_user(role))
    assert page.get("/admin/users/import").status_code == 403
    assert preview(page, roster_file(*ROWS)).status_code == 403


def test_employee_number_on_the_user_form(
    admin_page: PageClient, make_user, session: Session
) -> None:
    user = make_user(name="山田 一郎")
    form = admin_page.get(f"/admin/users/{user.id}")
    assert 'name="employee_number"' in form.text
    fields = {
        "name": "山田 一郎",
        "email": user.email,
        "employee_number": "ｓ-０１２",
        "employment_type": "regular",
        "is_active": "1",
        "version": str(user.version),
    }
    saved = admin_page.post_form(f"/admin/users/{user.id}", fields)
    assert saved.status_code == 303, saved.text
    session.expire_all()
    assert session.get(User, user.id).employee_number == "S-012"
    other = make_user()
    fields = {**fields, "email": other.email, "version": str(other.version)}
    taken = admin_page.post_form(f"/admin/users/{other.id}", {**fields, "name": "別人"})
    assert taken.status_code == 422 and "この職員番号は既に登録されています。" in taken.text


def login(client: TestClient, username: str, password: str):
    token = csrf_from(client.get("/login").text)
    data = {"email": username, "password": password, "csrf_token": token, "next": "/"}
    return client.post("/login", data=data, follow_redirects=False)


def test_imported_staff_sign_in_by_number_once_a_password_is_set(
    admin_page: PageClient, app, session: Session
) -> None:
    apply(admin_page, preview(admin_page, roster_file(*ROWS)).text)
    user = session.exec(select(User).where(User.employee_number == "1001")).one()
    with TestClient(app) as browser:
        form = browser.get("/login").text
        assert "メールアドレスまたは職員番号" in form
        assert 'name="email" type="text"' in form and 'autocomplete="username"' in form
        refused = login(browser, "1001", PASSWORD)
        assert refused.status_code == 401  # no password yet
        assert "正しくありません" in refused.text
    edit = admin_page.get(f"/admin/users/{user.id}")
    assert "パスワードが未設定" in edit.text
    fields = {
        "name": user.name,
        "email": user.email,
        "employee_number": "1001",
        "employment_type": user.employment_type,
        "department_id": str(user.department_id),
        "is_active": "1",
        "password": PASSWORD,
        "version": str(user.version),
    }
    assert admin_page.post_form(f"/admin/users/{user.id}", fields).status_code == 303
    with TestClient(app) as browser:
        signed_in = login(browser, "1001", PASSWORD)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
        assert "髙橋 一郎" in browser.get("/").text
