"""The confirmation step of 提出 and 受理 (issue 17, item 7): the button leads to a page
saying what will happen, with the real form post there; nothing happens on the way; it
works without JavaScript; and only those who may take the action get it, role by role."""

from sqlmodel import Session

from app.models import Department, Proposal
from app.models.enums import Role, Status
from tests.conftest import PageClient
from tests.helpers import form_fields, proposal_in


def current(session: Session, proposal: Proposal) -> Proposal:
    session.expire_all()
    stored = session.get(Proposal, proposal.id)
    assert stored is not None
    return stored


def test_submit_asks_first_then_submits(page_as, make_user, session: Session) -> None:
    author = make_user(name="提案 花子")
    proposal = proposal_in(session, Status.draft, author=author, title="公用車の予約を電子化")
    page: PageClient = page_as(author)
    detail = page.get(f"/proposals/{proposal.id}").text
    confirm_url = f"/proposals/{proposal.id}/actions/submit/confirm"
    assert f'id="action-submit" href="{confirm_url}"' in detail
    assert f'action="/proposals/{proposal.id}/actions/submit"' not in detail

    asked = page.get(confirm_url)
    assert asked.status_code == 200
    html = asked.text
    assert "提出の確認" in html and "公用車の予約を電子化" in html
    assert "下書き → 提出済み（受付待ち）" in html and "提案 花子" in html
    assert "差し戻されない限り内容を編集できません" in html
    assert f'href="/proposals/{proposal.id}"' in html  # やめる
    assert current(session, proposal).status == Status.draft.value  # nothing happened yet

    # htmx asks for the step alone (the page opens it in its dialog).
    fragment = page.get(confirm_url, headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<form id="confirm-submit"') and "<html" not in fragment
    assert 'id="confirm-dialog"' in detail

    action, fields = form_fields(html, "confirm-submit")
    assert action == f"/proposals/{proposal.id}/actions/submit"
    assert fields["version"] == str(proposal.version) and fields["csrf_token"] == page.csrf
    forged = page.post(action, data={**fields, "csrf_token": "x"}, follow_redirects=False)
    assert forged.status_code == 403
    assert current(session, proposal).status == Status.draft.value

    done = page.post_form(action, fields)
    assert done.status_code == 303 and done.headers["location"] == f"/proposals/{proposal.id}"
    assert current(session, proposal).status == Status.submitted.value
    assert "提出しました" in page.get(f"/proposals/{proposal.id}").text
    # Asked again once submitted: refused with the reason, not a second confirmation.
    again = page.get(confirm_url, follow_redirects=False)
    assert again.status_code == 303


def test_submit_confirmation_is_refused_when_the_draft_is_incomplete(
    page_as, make_user, session: Session
) -> None:
    author = make_user()
    proposal = proposal_in(session, Status.draft, author=author)
    proposal.summary = ""
    session.add(proposal)
    session.commit()
    page: PageClient = page_as(author)
    answer = page.get(f"/proposals/{proposal.id}/actions/submit/confirm", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/proposals/{proposal.id}"
    assert "提出するには入力してください。" in page.get(f"/proposals/{proposal.id}").text
    assert current(session, proposal).status == Status.draft.value


def test_submit_confirmation_role_by_role(page_as, make_user, session: Session) -> None:
    author = make_user()
    co_author = make_user()
    proposal = proposal_in(session, Status.draft, author=author, co_authors=[co_author])
    url = f"/proposals/{proposal.id}/actions/submit/confirm"
    assert page_as(co_author).get(url).status_code == 200  # co-authors submit too
    assert page_as(make_user()).get(url).status_code == 404  # a draft is private
    assert page_as(make_user(Role.secretariat)).get(url).status_code == 404
    assert (
        page_as(author).get(f"/proposals/{proposal.id}/actions/return/confirm").status_code == 404
    )
    assert (
        page_as(author).get(f"/proposals/{proposal.id}/actions/nothing/confirm").status_code == 404
    )


def test_accept_asks_first_from_the_queue(page_as, make_user, session: Session) -> None:
    author = make_user(name="提案 花子")
    clerk = make_user(Role.secretariat)
    proposal = proposal_in(session, Status.submitted, author=author, title="公用車の予約を電子化")
    desk: PageClient = page_as(clerk)
    queue = desk.get("/intake").text
    confirm_url = f"/proposals/{proposal.id}/actions/accept/confirm?next=/intake"
    assert f'href="{confirm_url}"' in queue

    asked = desk.get(confirm_url)
    assert asked.status_code == 200
    html = asked.text
    assert "受理の確認" in html and "提出済み（受付待ち） → 審査中" in html
    assert "提案番号が付き" in html and "番号未付与" in html
    assert 'href="/intake"' in html  # やめる goes back to the queue
    assert current(session, proposal).status == Status.submitted.value

    action, fields = form_fields(html, "confirm-accept")
    assert fields["next"] == "/intake"
    done = desk.post_form(str(action), fields)
    assert done.status_code == 303 and done.headers["location"] == "/intake"
    accepted = current(session, proposal)
    assert accepted.status == Status.in_review.value and accepted.number
    assert f"提案番号: {accepted.number}" in desk.get("/intake").text


def test_accept_confirmation_role_by_role(page_as, make_user, session: Session) -> None:
    author = make_user()
    proposal = proposal_in(session, Status.submitted, author=author)
    url = f"/proposals/{proposal.id}/actions/accept/confirm"
    assert page_as(make_user(Role.secretariat)).get(url).status_code == 200
    assert page_as(author).get(url).status_code == 403  # sees it, may not accept it
    assert page_as(make_user()).get(url).status_code == 404
    supervisor = make_user(
        Role.supervisor, department=session.get(Department, author.department_id)
    )
    assert page_as(supervisor).get(url).status_code == 403
    assert current(session, proposal).status == Status.submitted.value
