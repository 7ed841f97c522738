"""A returned proposal says why at the top of its page and of its edit form (issue 17,
item 3), to its authors; the notice goes once it is submitted again."""

from sqlmodel import Session

from app.models.enums import Role, Status
from tests.conftest import PageClient
from tests.helpers import proposal_in

REASON = "効果の見込み額の根拠（件数と単価）を書き足してください。"


def test_the_return_reason_is_at_the_top_of_the_page_and_the_form(
    page_as, make_user, session: Session
) -> None:
    author = make_user()
    co_author = make_user()
    clerk = make_user(Role.secretariat, name="総務 花子")
    proposal = proposal_in(session, Status.submitted, author=author, co_authors=[co_author])
    desk: PageClient = page_as(clerk)
    # Not returned yet: no notice for anyone.
    assert 'id="return-reason"' not in desk.get(f"/proposals/{proposal.id}").text
    returned = desk.post_form(
        f"/proposals/{proposal.id}/actions/return",
        {"reason": REASON, "version": str(proposal.version)},
    )
    assert returned.status_code == 303

    for person in (author, co_author):
        page: PageClient = page_as(person)
        html = page.get(f"/proposals/{proposal.id}").text
        notice = html.index('id="return-reason"')
        assert html.index(REASON) > notice
        # Above the actions, the facts and the timeline (where it was buried before).
        assert notice < html.index('class="actions card"') < html.index('id="timeline"')
        assert notice < html.index('<dl class="facts">')
        assert "差し戻されました。次の点を直してください" in html and "総務 花子" in html

        form = page.get(f"/proposals/{proposal.id}/edit").text
        assert form.index('id="return-reason"') < form.index('<form id="proposal-form"')
        assert REASON in form

    # Errors in the edit form keep the notice (the htmx swap replaces only the form).
    page = page_as(author)
    again = page.post_form(
        f"/proposals/{proposal.id}/edit",
        {"title": "", "kind": "improvement", "category": "other", "version": "3"},
    )
    assert again.status_code == 422 and REASON in again.text

    # The secretariat does not see a returned proposal at all (it is the authors' again).
    assert desk.get(f"/proposals/{proposal.id}").status_code == 404

    # Submitted again: the notice is gone (the reason stays in the timeline).
    session.expire_all()
    version = session.get(type(proposal), proposal.id).version
    assert (
        page.post_form(
            f"/proposals/{proposal.id}/actions/submit", {"version": str(version)}
        ).status_code
        == 303
    )
    html = page.get(f"/proposals/{proposal.id}").text
    assert 'id="return-reason"' not in html and REASON in html[html.index('id="timeline"') :]


def test_a_draft_never_returned_has_no_notice(page_as, make_user, session: Session) -> None:
    author = make_user()
    proposal = proposal_in(session, Status.draft, author=author)
    page: PageClient = page_as(author)
    assert 'id="return-reason"' not in page.get(f"/proposals/{proposal.id}").text
    assert 'id="return-reason"' not in page.get(f"/proposals/{proposal.id}/edit").text
    assert 'id="return-reason"' not in page.get("/proposals/new").text
