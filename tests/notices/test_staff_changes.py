"""人事異動 keeps the work moving (issue 14, item 4), driven through the API and a 1 April
roster import: past proposals keep their department, the open opinion request follows the
department to its new 所属長, a reviewer who moved into the author's department is flagged
for reassignment on the secretariat's review panel, and a deactivated person's open work is
listed for the secretariat."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session

from app.models import Proposal
from app.models.enums import Role
from app.services.execution import today
from app.wareki import fiscal_year_of
from tests.api.review_support import API, CODES
from tests.helpers import COMPLETE

HEADER = "職員番号,氏名,フリガナ,所属コード,所属名,役職,雇用形態,メールアドレス,在職"
LEVELS = dict.fromkeys(CODES, 3)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def town(make_user, make_department, api_as) -> SimpleNamespace:
    t = SimpleNamespace()
    t.home = make_department(name="住民課", code="010")
    t.tax = make_department(name="税務課", code="020")
    t.works = make_department(name="情報政策課", code="030")

    def person(number: str, name: str, department, *roles: Role):
        email = f"e{number}@nagi.example"
        return make_user(
            *roles, name=name, email=email, department=department, employee_number=number
        )

    t.author = person("E001", "山田花子", t.home)
    t.old_head = person("E002", "住民課長", t.home, Role.supervisor)
    t.new_head = person("E003", "税務課長", t.tax, Role.supervisor)
    t.mover = person("E004", "審査委員甲", t.tax, Role.reviewer)
    t.leaving_reviewer = person("E005", "審査委員乙", t.tax, Role.reviewer)
    t.doer = person("E006", "情報政策課員", t.works)
    t.other_author = person("E007", "鈴木一郎", t.works)
    t.secretariat = make_user(Role.secretariat, name="事務局")
    t.finance = make_user(Role.finance, name="財政係")
    t.admin = make_user(Role.admin, name="管理者")
    clients: dict[int, object] = {}

    def api(user):
        if user.id not in clients:
            clients[user.id] = api_as(user)
        return clients[user.id]

    t.api = api
    return t


def proposal(t, author, title: str, *, submit: bool = True) -> int:
    pid = ok(t.api(author).post(f"{API}/proposals", json={"title": title, **COMPLETE}), 201)["id"]
    if submit:
        ok(t.api(author).post(f"{API}/proposals/{pid}/submit", json={}))
    return pid


def roster(t, *rows: str) -> dict:
    data = ("\r\n".join((HEADER, *rows)) + "\r\n").encode("cp932")
    files = {"file": ("jinji.csv", data, "text/csv")}
    return ok(t.api(t.admin).post(f"{API}/users/import", files=files))


def test_a_first_of_april_import_keeps_the_work_moving(town, session: Session, page_as) -> None:
    t = town
    sec = t.api(t.secretariat)
    waiting = proposal(t, t.author, "窓口予約システムの導入")  # awaits the 所属長's opinion
    past = proposal(t, t.other_author, "押印の廃止")
    ok(sec.post(f"{API}/proposals/{waiting}/accept", json={}))
    ok(
        sec.put(
            f"{API}/proposals/{waiting}/reviewers",
            json={"reviewer_ids": [t.mover.id, t.leaving_reviewer.id]},
        )
    )
    # Work the leaver is in charge of, with an open milestone, and a draft of theirs.
    running = proposal(t, t.other_author, "公用車の予約")
    ok(sec.post(f"{API}/proposals/{running}/accept", json={}))
    ok(sec.put(f"{API}/proposals/{running}/reviewers", json={"reviewer_ids": [t.mover.id]}))
    ok(
        t.api(t.mover).put(
            f"{API}/proposals/{running}/reviews/mine", json={"scores": LEVELS, "comment": "可"}
        )
    )
    decision = {"outcome": "adopted", "reason": "採用", "implementing_department_id": t.works.id}
    ok(sec.post(f"{API}/proposals/{running}/decide", json=decision))
    budget = {"required": False, "fiscal_year": fiscal_year_of(today())}
    ok(t.api(t.finance).put(f"{API}/proposals/{running}/budget", json=budget))
    ok(t.api(t.doer).post(f"{API}/proposals/{running}/start", json={}))
    due = (today() + timedelta(days=30)).isoformat()
    ok(
        t.api(t.doer).post(
            f"{API}/proposals/{running}/milestones", json={"title": "業者選定", "due_date": due}
        ),
        201,
    )
    draft = proposal(t, t.doer, "書類の電子化", submit=False)

    # 1 April: the heads of 住民課 and 税務課 swap, reviewer 甲 moves into 住民課, 鈴木 moves
    # to 税務課, the implementer and reviewer 乙 leave.
    result = roster(
        t,
        "E001,山田花子,,010,住民課,主事,正規,eE001@nagi.example,1",
        "E002,住民課長,,020,税務課,課長,正規,eE002@nagi.example,1",
        "E003,税務課長,,010,住民課,課長,正規,eE003@nagi.example,1",
        "E004,審査委員甲,,010,住民課,主査,正規,eE004@nagi.example,1",
        "E005,審査委員乙,,020,税務課,主査,正規,eE005@nagi.example,0",
        "E006,情報政策課員,,030,情報政策課,主事,正規,eE006@nagi.example,0",
        "E007,鈴木一郎,,020,税務課,主事,正規,eE007@nagi.example,1",
    )
    assert (result["updated"], result["deactivated"], result["errors"]) == (5, 2, [])

    # Past proposals keep the department they were submitted from.
    session.expire_all()
    assert session.get(Proposal, past).department_id == t.works.id
    assert session.get(Proposal, waiting).department_id == t.home.id

    # The opinion request follows the department: the new head sees it and may answer.
    new_head, old_head = t.api(t.new_head), t.api(t.old_head)
    listed = [p["id"] for p in ok(new_head.get(f"{API}/proposals"))["items"]]
    assert waiting in listed
    assert old_head.get(f"{API}/proposals/{waiting}").status_code == 404
    opinion = {"opinion": "窓口の混雑解消に有効です。"}
    assert (
        old_head.put(f"{API}/proposals/{waiting}/supervisor-opinion", json=opinion).status_code
        == 404
    )
    ok(new_head.put(f"{API}/proposals/{waiting}/supervisor-opinion", json=opinion))

    # The secretariat's review panel flags both reviewers for reassignment.
    page = page_as(t.secretariat)
    html = page.get(f"/proposals/{waiting}").text
    assert html.count("要再割当て") == 2
    assert "審査委員甲さんは提案者と同じ所属のため" in html
    assert "審査委員乙さんは無効な利用者のため" in html
    assert "要再割当て" not in page.get(f"/proposals/{running}").text  # decided: nothing to do

    # The page of what 人事異動 left behind.
    html = page.get("/staff-changes").text
    reassign = html.split('id="reassignments"')[1].split('id="left-work"')[0]
    assert reassign.count("<tr>") == 3  # the header and two reviewers
    left = html.split('id="left-work"')[1]
    doer = left.split(f'id="leaver-{t.doer.id}"')[1].split("</article>")[0]
    assert (
        "書類の電子化" in doer and "公用車の予約" in doer and "未完了のマイルストーン 1件" in doer
    )
    reviewer = left.split(f'id="leaver-{t.leaving_reviewer.id}"')[1].split("</article>")[0]
    assert "窓口予約システムの導入" in reviewer and f"/proposals/{waiting}" in reviewer
    assert f'id="leaver-{t.author.id}"' not in left
    assert session.get(Proposal, draft).author_id == t.doer.id  # the draft stays theirs


@pytest.mark.parametrize("role", [None, Role.supervisor, Role.reviewer, Role.finance, Role.admin])
def test_only_the_secretariat_sees_the_staff_changes_page(make_user, page_as, role) -> None:
    user = make_user(*([role] if role else []))
    assert page_as(user).get("/staff-changes").status_code == 403
