"""Open data (issue 7): adopted, budgeted, in-progress and completed proposals as JSON and
CSV for anyone, with the licence and the data dictionary — and never anything personal."""

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.main import create_app
from app.models import (
    Attachment,
    BudgetRecord,
    Notification,
    ProgressUpdate,
    ProposalEvent,
    Review,
    ReviewAssignment,
    RubricVersion,
    User,
    UserRole,
)
from app.models.enums import Role, Status
from app.services.open_data import FIELDS
from tests.helpers import proposal_in

JSON_URL = "/api/v1/open-data/proposals.json"
CSV_URL = "/api/v1/open-data/proposals.csv"
OPEN = {Status.adopted, Status.budgeted, Status.in_progress, Status.completed}
NAMES = [f.name for f in FIELDS]
LABELS = [f.label for f in FIELDS]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def save(session: Session, *rows):
    for row in rows:
        session.add(row)
    session.commit()
    for row in rows:
        session.refresh(row)
    return rows[0] if len(rows) == 1 else rows


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


# -- which proposals --------------------------------------------------------------------------


@pytest.fixture
def every_status(session, make_user, make_department):
    author = make_user(department=make_department("住民課"))
    return {
        status: proposal_in(session, status, author=author, title=f"状態{status.value}の提案")
        for status in Status
    }


def test_only_the_four_statuses(client, every_status) -> None:
    body = client.get(JSON_URL).json()
    assert {item["status"] for item in body["items"]} == {s.value for s in OPEN}
    assert sorted(item["id"] for item in body["items"]) == sorted(every_status[s].id for s in OPEN)
    assert body["total"] == len(body["items"]) == 4
    assert body["statuses"] == ["adopted", "budgeted", "in_progress", "completed"]
    rows = csv_rows(client.get(CSV_URL))
    assert len(rows) == 5
    status_column = LABELS.index("状態コード")
    assert {row[status_column] for row in rows[1:]} == {s.value for s in OPEN}
    for status in set(Status) - OPEN:
        title = every_status[status].title
        assert title not in json.dumps(body, ensure_ascii=False)
        assert title not in client.get(CSV_URL).content.decode("utf-8")


def test_anonymous_access_without_session_or_csrf(client, every_status) -> None:
    for url in (JSON_URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 200, response.text
        assert "set-cookie" not in response.headers  # no session is started
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["cache-control"] == "public, max-age=300"
        # A stale or foreign token does not make the public data private.
        assert client.get(url, headers={"Authorization": "Bearer nonsense"}).status_code == 200
    assert client.get(JSON_URL).headers["content-type"] == "application/json"
    assert client.get(CSV_URL).headers["content-type"] == "text/csv; charset=utf-8"
    disposition = client.get(CSV_URL).headers["content-disposition"]
    assert 'filename="336238_staff_proposals.csv"' in disposition


def test_a_signed_in_user_gets_the_same(page_as, make_user, client, every_status) -> None:
    page = page_as(make_user())
    anonymous = client.get(JSON_URL).json()
    signed_in = page.get(JSON_URL).json()
    for body in (anonymous, signed_in):
        body.pop("generated_at")
    assert signed_in == anonymous
    assert page.get(CSV_URL).content == client.get(CSV_URL).content


def test_an_empty_dataset(client) -> None:
    body = client.get(JSON_URL).json()
    assert body["items"] == [] and body["total"] == 0
    assert csv_rows(client.get(CSV_URL)) == [LABELS]


# -- the values ---------------------------------------------------------------------------------


@pytest.fixture
def published(session, make_user, make_department):
    home = make_department("住民課")
    implementing = make_department("情報政策課")
    author = make_user(department=home)
    # Three active staff in each, so that both are named (small departments are published
    # as 「その他」: tests/security/test_small_groups.py).
    for department in (home, home, implementing, implementing, implementing):
        make_user(department=department)
    p = proposal_in(session, Status.in_progress, author=author, title='窓口予約, "試行"')
    p.number = "R7-0003"
    p.fiscal_year = 2025
    p.initiative_id = 1
    p.kind = "policy"
    p.category = "efficiency"
    p.outcome = "partially_adopted"
    p.implementing_department_id = implementing.id
    p.decided_at = utc(2025, 7, 14, 15, 30)  # 15 July in Japan
    p.started_at = utc(2025, 10, 1, 0, 0)
    p.estimated_cost_yen = 1500000
    p.estimated_hours_saved_per_year_hours = 240.0
    p.estimated_savings_yen_per_year = 960000
    p.target_hours_saved_per_year_hours = 200.5
    p.target_savings_yen_per_year = 800000
    p.progress_percent = 60
    save(session, p)
    save(
        session,
        BudgetRecord(
            proposal_id=p.id,
            fiscal_year=2025,
            requested_yen=1500000,
            approved_yen=1200000,
            status="reduced",
        ),
    )
    # Adopted, but its budget request was denied: no approved amount is published.
    denied = proposal_in(session, Status.adopted, author=author, title="見送りの提案")
    denied.number, denied.fiscal_year = "R7-0004", 2025
    save(session, denied)
    save(
        session,
        BudgetRecord(
            proposal_id=denied.id,
            fiscal_year=2025,
            requested_yen=300000,
            approved_yen=0,
            status="denied",
        ),
    )
    return p, denied


def test_the_json_document(client, published) -> None:
    p, _denied = published
    response = client.get(JSON_URL)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == [
        "title",
        "publisher",
        "municipality_code",
        "licence",
        "licence_url",
        "generated_at",
        "statuses",
        "fields",
        "items",
        "total",
        "limit",
        "offset",
    ]
    assert body["licence"] == "CC BY 4.0"
    assert body["licence_url"] == "https://creativecommons.org/licenses/by/4.0/deed.ja"
    assert body["publisher"] == "奈義町" and body["municipality_code"] == "336238"
    generated = datetime.fromisoformat(body["generated_at"])
    assert body["generated_at"].endswith("+09:00")
    assert abs((generated - datetime.now(UTC)).total_seconds()) < 60
    assert [f["name"] for f in body["fields"]] == NAMES
    assert [f["label"] for f in body["fields"]] == LABELS
    assert all(
        set(f) == {"name", "label", "type", "description", "example"} for f in body["fields"]
    )
    assert all(f["description"] and f["example"] for f in body["fields"])
    assert (body["total"], body["limit"], body["offset"]) == (2, 2, 0)

    first, second = body["items"]
    assert all(list(item) == NAMES for item in body["items"])
    assert first == {
        "municipality_code": "336238",
        "municipality_name": "奈義町",
        "id": p.id,
        "number": "R7-0003",
        "title": '窓口予約, "試行"',
        "summary": "窓口の受付を予約制にする",
        "status": "in_progress",
        "status_label": "実施中",
        "fiscal_year": 2025,
        "fiscal_year_label": "令和7年度",
        "kind": "policy",
        "kind_label": "行政施策提案",
        "category": "efficiency",
        "category_label": "事務事業の改善及び能率向上",
        "outcome": "partially_adopted",
        "outcome_label": "一部採用",
        "initiative_id": 1,
        "initiative_number": 1,
        "initiative_title": "自治体の情報システムの標準化・共通化",
        "department_name": "住民課",
        "implementing_department_name": "情報政策課",
        "decided_date": "2025-07-15",
        "started_date": "2025-10-01",
        "completed_date": None,
        "approved_budget_yen": 1200000,
        "estimated_cost_yen": 1500000,
        "estimated_hours_saved_per_year_hours": 240,
        "estimated_savings_yen_per_year": 960000,
        "target_hours_saved_per_year_hours": 200.5,
        "target_savings_yen_per_year": 800000,
        "actual_hours_saved_per_year_hours": None,
        "actual_savings_yen_per_year": None,
        "actual_cost_yen": None,
        "progress_percent": 60,
    }
    assert second["number"] == "R7-0004" and second["approved_budget_yen"] is None
    assert second["initiative_id"] is None and second["initiative_title"] is None


def test_the_csv(client, published) -> None:
    p, _denied = published
    rows = csv_rows(client.get(CSV_URL))
    assert rows[0] == LABELS
    assert rows[0][:2] == ["全国地方公共団体コード", "地方公共団体名"]
    assert all(len(row) == len(FIELDS) for row in rows)
    assert dict(zip(NAMES, rows[1], strict=True)) == {
        "municipality_code": "336238",
        "municipality_name": "奈義町",
        "id": str(p.id),
        "number": "R7-0003",
        "title": '窓口予約, "試行"',
        "summary": "窓口の受付を予約制にする",
        "status": "in_progress",
        "status_label": "実施中",
        "fiscal_year": "2025",
        "fiscal_year_label": "令和7年度",
        "kind": "policy",
        "kind_label": "行政施策提案",
        "category": "efficiency",
        "category_label": "事務事業の改善及び能率向上",
        "outcome": "partially_adopted",
        "outcome_label": "一部採用",
        "initiative_id": "1",
        "initiative_number": "1",
        "initiative_title": "自治体の情報システムの標準化・共通化",
        "department_name": "住民課",
        "implementing_department_name": "情報政策課",
        "decided_date": "2025-07-15",
        "started_date": "2025-10-01",
        "completed_date": "",
        "approved_budget_yen": "1200000",
        "estimated_cost_yen": "1500000",
        "estimated_hours_saved_per_year_hours": "240",
        "estimated_savings_yen_per_year": "960000",
        "target_hours_saved_per_year_hours": "200.5",
        "target_savings_yen_per_year": "800000",
        "actual_hours_saved_per_year_hours": "",
        "actual_savings_yen_per_year": "",
        "actual_cost_yen": "",
        "progress_percent": "60",
    }
    # The quoted title survives the round trip, as in the JSON.
    assert '"窓口予約, ""試行"""' in client.get(CSV_URL).content.decode("utf-8")


def test_the_dataset_does_not_follow_the_callers_language(client, published) -> None:
    japanese = client.get(JSON_URL).json()
    english = client.get(JSON_URL, headers={"Accept-Language": "en"}).json()
    for body in (japanese, english):
        body.pop("generated_at")
    assert english == japanese
    assert english["items"][0]["status_label"] == "実施中"
    in_english = client.get(CSV_URL, headers={"Accept-Language": "en"}).content
    assert in_english == client.get(CSV_URL).content


def test_formulas_are_defused_in_the_csv_only(client, published, session) -> None:
    p, _denied = published
    p.title = "=1+1"
    save(session, p)
    assert client.get(JSON_URL).json()["items"][0]["title"] == "=1+1"
    rows = csv_rows(client.get(CSV_URL))
    assert rows[1][NAMES.index("title")] == "'=1+1"


def test_the_licence_comes_from_the_settings(settings, db_engine, published) -> None:
    custom = settings.model_copy(
        update={
            "open_data_licence": "公共データ利用規約（第1.0版）",
            "open_data_licence_url": "https://www.digital.go.jp/resources/open_data/",
            "open_data_municipality_name": "テスト村",
            "open_data_municipality_code": "999999",
        }
    )
    with TestClient(create_app(custom, engine=db_engine)) as client:
        body = client.get(JSON_URL).json()
        rows = csv_rows(client.get(CSV_URL))
    assert body["licence"] == "公共データ利用規約（第1.0版）"
    assert body["licence_url"] == "https://www.digital.go.jp/resources/open_data/"
    assert {item["municipality_code"] for item in body["items"]} == {"999999"}
    assert [row[:2] for row in rows[1:]] == [["999999", "テスト村"]] * 2


def test_the_api_document_lists_the_endpoints(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {JSON_URL, CSV_URL} <= set(paths)


# -- nothing personal ---------------------------------------------------------------------------

SECRETS = [
    "神埼唯一無二",
    "カンザキユイイツムニ",
    "zz-author-7731@example.jp",
    "共同秘密子",
    "zz-coauthor-7732@example.jp",
    "審査匿名丸",
    "zz-reviewer-7733@example.jp",
    "決定権兵衛",
    "zz-decider-7734@example.jp",
    "担当責任者",
    "zz-owner-7735@example.jp",
    "所属長内緒",
    "zz-supervisor-7736@example.jp",
    "主査ZZ職",
    "審査コメント極秘QX9",
    "辞退理由QX9",
    "決定理由部外秘QX9",
    "完了報告氏名入りQX9",
    "所属長意見内密QX9",
    "差戻し理由QX9",
    "進捗メモQX9",
    "お知らせ本文QX9",
    "名簿QX9.xlsx",
    "最優秀賞",
]
USER_IDS = range(987001, 987007)


def _person(session: Session, uid: int, name: str, email: str, department_id: int) -> User:
    user = User(
        id=uid,
        email=email,
        name=name,
        name_kana="カンザキユイイツムニ" if uid == 987001 else None,
        position="主査ZZ職",
        password_hash="x",
        department_id=department_id,
    )
    user.role_rows = [UserRole(role=Role.staff.value)]
    return save(session, user)


@pytest.fixture
def personal_data(session, make_department, every_status):
    """A completed proposal touched by six people with distinctive names, e-mails and ids,
    with reviews, reasons, a report, an opinion, an attachment and an award."""
    home = make_department("住民課")
    people = [
        ("神埼唯一無二", "zz-author-7731@example.jp"),
        ("共同秘密子", "zz-coauthor-7732@example.jp"),
        ("審査匿名丸", "zz-reviewer-7733@example.jp"),
        ("決定権兵衛", "zz-decider-7734@example.jp"),
        ("担当責任者", "zz-owner-7735@example.jp"),
        ("所属長内緒", "zz-supervisor-7736@example.jp"),
    ]
    author, co_author, reviewer, decider, owner, supervisor = (
        _person(session, uid, name, email, home.id)
        for uid, (name, email) in zip(USER_IDS, people, strict=True)
    )
    p = proposal_in(session, Status.completed, author=author, co_authors=[co_author])
    p.number = "R7-0100"
    p.outcome = "adopted"
    p.decision_reason = "決定理由部外秘QX9"
    p.award = "grand"
    p.decided_by_id = decider.id
    p.owner_id = owner.id
    p.completion_report = "完了報告氏名入りQX9"
    p.supervisor_opinion = "所属長意見内密QX9"
    p.supervisor_opinion_by_id = supervisor.id
    p.score = 87.5
    p.reviews_in = p.reviewers_assigned = 1
    p.decided_at = utc(2025, 7, 1, 0, 0)
    p.completed_at = utc(2026, 3, 1, 0, 0)
    p.planned_end_date = date(2026, 3, 31)
    p.actual_cost_yen = 10
    save(session, p)
    rubric = save(session, RubricVersion(version=900, is_current=False))
    save(
        session,
        ReviewAssignment(
            proposal_id=p.id,
            reviewer_id=reviewer.id,
            assigned_by_id=decider.id,
            recusal_reason="辞退理由QX9",
        ),
        Review(
            proposal_id=p.id,
            reviewer_id=reviewer.id,
            rubric_version_id=rubric.id,
            scores={"effect": 5},
            comment="審査コメント極秘QX9",
            total=87.5,
        ),
        ProposalEvent(
            proposal_id=p.id,
            actor_id=decider.id,
            action="return",
            reason="差戻し理由QX9",
            changes={"by": "決定権兵衛"},
        ),
        ProgressUpdate(proposal_id=p.id, percent=50, note="進捗メモQX9", author_id=owner.id),
        Notification(
            user_id=author.id, proposal_id=p.id, kind="decided", title="t", body="お知らせ本文QX9"
        ),
        Attachment(
            proposal_id=p.id,
            filename="名簿QX9.xlsx",
            content_type="application/vnd.ms-excel",
            size=1,
            sha256="0" * 64,
            storage_name="zz-storage-qx9",
            uploaded_by_id=author.id,
        ),
    )
    return p


def test_no_personal_data_reaches_open_data(client, personal_data) -> None:
    body = client.get(JSON_URL).json()
    assert personal_data.id in {item["id"] for item in body["items"]}
    outputs = {
        "json": json.dumps(body, ensure_ascii=False),
        "json (escaped)": client.get(JSON_URL).text,
        "csv": client.get(CSV_URL).content.decode("utf-8-sig"),
    }
    for kind, text in outputs.items():
        for secret in SECRETS:
            assert secret not in text, (kind, secret)
        for uid in USER_IDS:
            assert str(uid) not in text, (kind, uid)
        assert "@" not in text, kind
        assert "87.5" not in text, kind  # the score
        assert "zz-storage" not in text, kind
    # No field carries a person, a review or a free-text reason.
    personal = {
        "author_id",
        "co_author_ids",
        "owner_id",
        "decided_by_id",
        "supervisor_opinion",
        "decision_reason",
        "completion_report",
        "score",
        "award",
        "reviews_in",
        "reviewers_assigned",
        "needs_discussion",
        "department_id",
    }
    assert personal.isdisjoint(NAMES)
    for item in body["items"]:
        assert list(item) == NAMES
