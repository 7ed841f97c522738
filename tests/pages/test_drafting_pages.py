"""Writing a proposal on the page (issue 17, item 9): 分野 is chosen, files are attached
while writing, co-authors are picked by name, and a draft is discarded (破棄) after a
confirmation that works without JavaScript."""

import io

from sqlmodel import Session, select

from app.models import Attachment, Proposal
from app.models.enums import Status
from tests.conftest import PageClient
from tests.helpers import COMPLETE, proposal_in


def test_the_field_is_chosen_not_assumed(page_as, make_user, session: Session) -> None:
    page: PageClient = page_as(make_user())
    new = page.get("/proposals/new").text
    assert '<option value="" selected>選んでください</option>' in new
    page.refresh_csrf("/proposals/new")
    response = page.post_form("/proposals/new", {"title": "押印の廃止", "category": "", **COMPLETE})
    assert response.status_code == 422
    assert "分野を選んでください。" in response.text and 'id="e-category"' in response.text
    assert session.exec(select(Proposal)).first() is None


def test_files_are_attached_with_the_new_draft(page_as, make_user, session: Session) -> None:
    page: PageClient = page_as(make_user())
    page.refresh_csrf("/proposals/new")
    response = page.post(
        "/proposals/new",
        data={"csrf_token": page.csrf, "title": "押印の廃止", "category": "efficiency"},
        files=[
            ("files", ("押印欄の一覧.txt", io.BytesIO("申請書A\n申請書B".encode()), "text/plain")),
            ("files", ("program.exe", io.BytesIO(b"MZ\x90\x00"), "application/octet-stream")),
        ],
        follow_redirects=False,
    )
    proposal = session.exec(select(Proposal)).one()
    names = [a.filename for a in session.exec(select(Attachment)).all()]
    assert names == ["押印欄の一覧.txt"]
    # One file refused: the draft is kept, and its edit form says which file and why.
    assert response.status_code == 303
    assert response.headers["location"] == f"/proposals/{proposal.id}/edit"
    edit = page.get(f"/proposals/{proposal.id}/edit").text
    assert "「program.exe」は添付できませんでした" in edit
    # The edit form has the attachments section, coming back to the form.
    assert "押印欄の一覧.txt" in edit
    assert f'name="next" value="/proposals/{proposal.id}/edit"' in edit


def test_co_authors_are_picked_by_name(page_as, make_user, session: Session) -> None:
    author = make_user()
    colleague = make_user(name="共同 次郎", name_kana="キョウドウ ジロウ")
    page: PageClient = page_as(author)
    new = page.get("/proposals/new").text
    assert 'id="f-co-author-q"' in new and 'hx-get="/proposals/co-author-options"' in new
    assert "<noscript>" in new  # the plain list, for a browser without JavaScript
    page.refresh_csrf("/proposals/new")
    created = page.post_form(
        "/proposals/new",
        {"title": "押印の廃止", "category": "other", "co_author_ids": str(colleague.id)},
    )
    assert created.status_code == 303
    proposal = session.exec(select(Proposal)).one()
    assert proposal.co_author_ids == [colleague.id]
    edit = page.get(f"/proposals/{proposal.id}/edit").text
    assert f'name="co_author_ids" value="{colleague.id}" checked' in edit


def test_a_draft_is_discarded_after_confirming(page_as, make_user, session: Session) -> None:
    author, co_author = make_user(), make_user()
    draft = proposal_in(session, Status.draft, author=author, co_authors=[co_author])
    page: PageClient = page_as(author)
    confirm = page.get(f"/proposals/{draft.id}/discard")
    assert confirm.status_code == 200
    assert "破棄した下書きは元に戻せません" in confirm.text
    assert f'action="/proposals/{draft.id}/discard"' in confirm.text
    page.refresh_csrf(f"/proposals/{draft.id}/discard")
    done = page.post_form(f"/proposals/{draft.id}/discard", {"version": str(draft.version)})
    assert done.status_code == 303 and done.headers["location"] == "/proposals?mine=true"
    assert "を破棄しました" in page.get("/proposals?mine=true").text
    session.expunge_all()
    assert session.exec(select(Proposal).where(Proposal.id == draft.id)).first() is None


def test_only_the_author_discards_and_only_a_draft(page_as, make_user, session: Session) -> None:
    author, co_author = make_user(), make_user()
    draft = proposal_in(session, Status.draft, author=author, co_authors=[co_author])
    assert page_as(co_author).get(f"/proposals/{draft.id}/discard").status_code == 403
    assert 'id="action-discard"' not in page_as(co_author).get(f"/proposals/{draft.id}").text
    submitted = proposal_in(session, Status.submitted, author=author)
    page: PageClient = page_as(author)
    assert page.get(f"/proposals/{submitted.id}/discard").status_code == 409
    page.refresh_csrf(f"/proposals/{draft.id}")
    refused = page.post_form(f"/proposals/{submitted.id}/discard", {})
    assert refused.status_code == 303
    assert refused.headers["location"] == f"/proposals/{submitted.id}"
    assert session.get(Proposal, submitted.id) is not None
    # CSRF as every post.
    assert page.post(f"/proposals/{draft.id}/discard", data={}).status_code == 403
    assert session.get(Proposal, draft.id) is not None


def test_messages_name_their_field(page_as, make_user, session: Session) -> None:
    """The summary at the top reads alone: 件名を入力してください。, and an amount typed as
    text says what to type (issue 17, item 10)."""
    page: PageClient = page_as(make_user())
    page.refresh_csrf("/proposals/new")
    response = page.post_form(
        "/proposals/new",
        {"title": "", "category": "other", "estimated_cost_yen": "約5万円", **COMPLETE},
    )
    assert response.status_code == 422
    html = response.text
    assert '<a href="#f-title">件名を入力してください。</a>' in html
    assert '<p class="field__error" id="e-title">件名を入力してください。</p>' in html
    assert "金額は数字で入力してください（例: 50000、５万）。" in html
    assert '<a href="#f-estimated_cost_yen">' in html
    assert session.exec(select(Proposal)).first() is None
