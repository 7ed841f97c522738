"""Ids out of range and text that is not text (security review, issue 11, item 7).

An id of 2^63 or more anywhere (path, query, body) was a 500 on SQLite, which cannot bind
it (and past 2^31 on PostgreSQL, whose integer columns are 32 bits); a lone UTF-16
surrogate (JSON "\\ud800") in the bodies the API took as raw JSON was a 500 on both
databases. Now an id is `app.models.types.Id` (1..2^31-1, in the schema), so 422; a body
holding a lone surrogate is 422 as it is decoded, wherever it is (a value or a key); and
a multipart form may not name a charset that decodes to surrogates. Pages answer with a
Japanese message."""

import json

import pytest
from sqlmodel import Session

from app.models.enums import Role, Status
from app.models.types import ID_MAX
from tests.helpers import proposal_in

API = "/api/v1"
HUGE = 2**63  # SQLite cannot bind it
WIDE = 2**31  # past PostgreSQL's integer columns
NOT_UNICODE = "文字として読み取れない値（不正なサロゲート）が含まれています"


@pytest.fixture
def everyone(make_user):
    """A user holding every role, and the proposal it wrote."""
    return make_user(*Role)


@pytest.fixture
def draft(session: Session, everyone):
    return proposal_in(session, Status.draft, author=everyone)


def assert_422(answer, loc: list | None = None) -> dict:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    if loc is not None:
        assert loc in [e["loc"] for e in body["errors"]], body
    return body


# -- ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("big", [HUGE, WIDE, 10**30])
def test_ids_in_paths_are_422(api_as, everyone, draft, big: int) -> None:
    api = api_as(everyone)
    for method, path, name in [
        ("GET", f"/proposals/{big}", "proposal_id"),
        ("PATCH", f"/proposals/{big}", "proposal_id"),
        ("GET", f"/proposals/{big}/events", "proposal_id"),
        ("POST", f"/proposals/{big}/withdraw", "proposal_id"),
        ("GET", f"/proposals/{big}/milestones", "proposal_id"),
        ("GET", f"/proposals/{big}/budget", "proposal_id"),
        ("GET", f"/proposals/{big}/attachments", "proposal_id"),
        ("GET", f"/proposals/{draft.id}/attachments/{big}", "attachment_id"),
        ("DELETE", f"/proposals/{draft.id}/milestones/{big}", "milestone_id"),
        ("GET", f"/departments/{big}", "department_id"),
        ("GET", f"/users/{big}", "user_id"),
        ("GET", f"/initiatives/{big}", "initiative_id"),
    ]:
        answer = api.request(method, f"{API}{path}", json={} if method != "GET" else None)
        assert_422(answer, ["path", name])


@pytest.mark.parametrize("big", [HUGE, WIDE])
def test_ids_in_queries_are_422(api_as, everyone, big: int) -> None:
    api = api_as(everyone)
    for path, name in [
        ("/proposals", "department_id"),
        ("/proposals", "round_id"),
        ("/proposals", "initiative_id"),
        ("/exports/proposals.csv", "department_id"),
        ("/users", "department_id"),
        ("/execution/board", "department_id"),
        ("/stats", "initiative_id"),
        ("/proposals", "offset"),
        ("/initiatives", "offset"),
    ]:
        assert_422(api.get(f"{API}{path}", params={name: big}), ["query", name])
    assert_422(
        api.get(f"{API}/proposals/similar", params={"title": "窓口", "exclude_id": big}),
        ["query", "exclude_id"],
    )


@pytest.mark.parametrize("big", [HUGE, WIDE])
def test_ids_in_bodies_are_422(api_as, everyone, draft, session, big: int) -> None:
    api = api_as(everyone)
    for field, value, loc in [
        ("initiative_id", big, ["body", "initiative_id"]),
        ("round_id", big, ["body", "round_id"]),
        ("co_author_ids", [big], ["body", "co_author_ids", 0]),
    ]:
        body = {"title": "窓口予約", field: value}
        assert_422(api.post(f"{API}/proposals", json=body), loc)
        assert_422(api.patch(f"{API}/proposals/{draft.id}", json={field: value}), loc)
    in_review = proposal_in(session, Status.in_review, author=everyone, title="審査中の提案")
    decide = {"outcome": "adopted", "reason": "効果が大きい", "implementing_department_id": big}
    assert_422(
        api.post(f"{API}/proposals/{in_review.id}/decide", json=decide),
        ["body", "implementing_department_id"],
    )
    assert_422(
        api.put(f"{API}/proposals/{in_review.id}/reviewers", json={"reviewer_ids": [big]}),
        ["body", "reviewer_ids", 0],
    )


@pytest.mark.parametrize("big", [HUGE, WIDE])
def test_session_review_and_notification_ids_are_typed_too(api_as, everyone, big) -> None:
    """The sign-in, review and notification routes take the same Id: past the range is
    422 at the path parameter, never a database error."""
    api = api_as(everyone)
    for method, path, name in [
        ("DELETE", f"/auth/sessions/{big}", "session_id"),
        ("GET", f"/proposals/{big}/reviews", "proposal_id"),
        ("POST", f"/proposals/{big}/recuse", "proposal_id"),
        ("POST", f"/notifications/{big}/read", "notification_id"),
    ]:
        answer = api.request(method, f"{API}{path}", json={"reason": "x"})
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["errors"][0]["loc"] == ["path", name]


def test_the_largest_id_is_an_ordinary_404(api_as, everyone) -> None:
    answer = api_as(everyone).get(f"{API}/proposals/{ID_MAX}")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_the_schema_gives_the_range(client) -> None:
    document = client.get("/openapi.json").json()
    get = document["paths"]["/api/v1/proposals/{proposal_id}"]["get"]
    (proposal_id,) = [p for p in get["parameters"] if p["name"] == "proposal_id"]
    assert proposal_id["schema"]["minimum"] == 1
    assert proposal_id["schema"]["maximum"] == 2**31 - 1
    body = document["components"]["schemas"]["ProposalCreate"]["properties"]
    assert body["co_author_ids"]["items"]["maximum"] == 2**31 - 1


def test_pages_answer_out_of_range_ids_in_japanese(page_as, everyone) -> None:
    page = page_as(everyone)
    for path in (f"/proposals/{HUGE}", f"/execution?department_id={HUGE}", f"/proposals/{WIDE}"):
        answer = page.get(path)
        assert answer.status_code == 422, (path, answer.status_code)
        assert "入力内容に誤りがあります。" in answer.text
    answer = page.post_form(f"/account/sessions/{HUGE}/revoke")
    assert answer.status_code == 422
    assert "入力内容に誤りがあります。" in answer.text


# -- lone surrogates ------------------------------------------------------------------------------

# Every operation that used to take its body as raw JSON, with the field the test spoils.
RAW_BODIES = [
    ("PATCH", "/proposals/{draft}", "title"),
    ("PUT", "/proposals/{draft}/supervisor-opinion", "opinion"),
    ("POST", "/proposals/{draft}/submit", "x"),
    ("POST", "/proposals/{draft}/return", "reason"),
    ("POST", "/proposals/{draft}/not-accept", "reason"),
    ("POST", "/proposals/{draft}/accept", "x"),
    ("POST", "/proposals/{draft}/withdraw", "reason"),
    ("POST", "/proposals/{draft}/decide", "reason"),
    ("POST", "/proposals/{draft}/reopen-review", "x"),
    ("POST", "/proposals/{draft}/start", "planned_end_date"),
    ("POST", "/proposals/{draft}/complete", "report"),
    ("POST", "/proposals/{draft}/milestones", "title"),
    ("PATCH", "/proposals/{draft}/milestones/1", "title"),
    ("POST", "/proposals/{draft}/progress", "note"),
    ("PUT", "/proposals/{draft}/budget", "note"),
    ("POST", "/proposals/{draft}/budget/approve", "x"),
    ("POST", "/proposals/{draft}/budget/deny", "reason"),
    ("PUT", "/proposals/{draft}/reviewers", "x"),
    ("POST", "/rounds/1/reviewers", "x"),
    ("POST", "/proposals/{draft}/recuse", "reason"),
    ("PUT", "/proposals/{draft}/reviews/mine", "comment"),
    ("PUT", "/rubric", "x"),
    ("POST", "/proposals", "title"),
    ("POST", "/departments", "name"),
    ("POST", "/rounds", "title"),
]


@pytest.mark.parametrize(("method", "path", "field"), RAW_BODIES)
def test_a_lone_surrogate_in_a_json_body_is_422(
    api_as, everyone, draft, method: str, path: str, field: str
) -> None:
    api = api_as(everyone)
    url = API + path.format(draft=draft.id)
    headers = {"Content-Type": "application/json"}
    as_value = json.dumps({field: "窓口@予約"}).replace("@", "\\ud800")
    body = assert_422(api.request(method, url, content=as_value, headers=headers), ["body", field])
    assert body["errors"][0]["msg"] == NOT_UNICODE

    as_key = '{"ok": 1, "\\udfff": "x"}'
    body = assert_422(api.request(method, url, content=as_key, headers=headers))
    assert body["errors"][0]["loc"] == ["body", "\\udfff"]  # shown escaped
    nested = '{"a": [1, {"b": "\\ud83d"}]}'
    assert_422(api.request(method, url, content=nested, headers=headers), ["body", "a", 1, "b"])


def test_a_surrogate_pair_is_a_character(api_as, everyone) -> None:
    """ "\\ud83d\\ude00" is 😀: decoded by JSON into one character, and welcome."""
    content = json.dumps({"title": "窓口予約😀"}, ensure_ascii=True)
    assert "\\ud83d\\ude00" in content
    answer = api_as(everyone).post(
        f"{API}/proposals", content=content, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["title"] == "窓口予約😀"


def test_a_form_in_a_charset_that_decodes_to_surrogates_is_refused(
    api_as, page_as, everyone, client
) -> None:
    """UTF-7's "+2AA-" is a lone surrogate, and multipart forms may name their charset."""
    boundary = "b0undary"
    content = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="username"\r\n\r\n+2AA-\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="password"\r\n\r\nx\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    headers = {"Content-Type": f"multipart/form-data; charset=utf-7; boundary={boundary}"}
    answer = client.post(f"{API}/auth/token", content=content, headers=headers)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "フォームは UTF-8 で送信してください。"

    page = page_as(everyone)
    form = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{page.csrf}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n+2AA-\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    answer = page.post("/proposals/new", content=form, headers=headers)
    assert answer.status_code == 400
    assert "リクエストの形式が正しくありません。" in answer.text


def test_url_encoded_forms_cannot_carry_surrogates(page_as, everyone) -> None:
    """%ED%A0%80 (a surrogate's UTF-8 form, which is not UTF-8) decodes to U+FFFD."""
    page = page_as(everyone)
    answer = page.post(
        "/proposals/new",
        content=f"csrf_token={page.csrf}&title=%E7%AA%93%ED%A0%80",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert answer.status_code in (303, 422), answer.text
    assert answer.status_code != 500


def test_text_fields_refuse_surrogates_whatever_the_source() -> None:
    from pydantic import ValidationError

    from app.models.proposal import ProposalCreate

    with pytest.raises(ValidationError) as refused:
        ProposalCreate(title="窓口\ud800")
    assert refused.value.errors()[0]["ctx"]["error"].args[0] == NOT_UNICODE
