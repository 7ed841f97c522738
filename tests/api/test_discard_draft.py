"""破棄 (issue 17, item 9): the author deletes a draft — with its attachments' files and its
analysed words — while a submitted proposal can only be withdrawn; role by role."""

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Attachment, Proposal, ProposalEvent, ProposalTerm
from app.models.enums import Role, Status
from tests.helpers import proposal_in


def count(session: Session, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.exec(query).one()


def test_the_author_discards_a_draft_and_all_that_hangs_on_it(
    api_as, make_user, session: Session, settings
) -> None:
    author = make_user()
    api = api_as(author)
    created = api.post("/api/v1/proposals", json={"title": "押印の廃止", "summary": "押印欄"})
    pid = created.json()["id"]
    folder = settings.upload_dir / str(pid)
    before = set(folder.iterdir()) if folder.exists() else set()  # earlier tests' ids repeat
    upload = api.post(
        f"/api/v1/proposals/{pid}/attachments",
        files={"file": ("memo.txt", "押印欄の一覧".encode(), "text/plain")},
    )
    assert upload.status_code == 201, upload.text
    stored = sorted(set(folder.iterdir()) - before)
    assert stored and count(session, ProposalTerm, proposal_id=pid) > 0
    stale = api.delete(f"/api/v1/proposals/{pid}", headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert api.delete(f"/api/v1/proposals/{pid}").status_code == 204
    session.expire_all()
    assert session.get(Proposal, pid) is None
    for model in (ProposalEvent, Attachment, ProposalTerm):
        assert count(session, model, proposal_id=pid) == 0
    assert [p for p in stored if p.exists()] == []
    assert api.get(f"/api/v1/proposals/{pid}").status_code == 404
    assert api.delete(f"/api/v1/proposals/{pid}").status_code == 404


@pytest.mark.parametrize(
    "status", [Status.submitted, Status.returned, Status.in_review, Status.withdrawn]
)
def test_once_submitted_it_is_withdrawn_not_discarded(
    api_as, make_user, session: Session, status
) -> None:
    author = make_user()
    proposal = proposal_in(session, status, author=author)
    response = api_as(author).delete(f"/api/v1/proposals/{proposal.id}")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "破棄できるのは下書きだけです" in response.json()["detail"]
    assert session.get(Proposal, proposal.id) is not None


def test_nobody_else_discards_a_draft(api_as, make_user, session: Session) -> None:
    author, co_author = make_user(), make_user()
    draft = proposal_in(session, Status.draft, author=author, co_authors=[co_author])
    assert api_as(co_author).delete(f"/api/v1/proposals/{draft.id}").status_code == 403
    for role in (Role.secretariat, Role.admin, Role.reviewer):
        # Someone else's draft is invisible to them: 404, as for any proposal they cannot see.
        assert api_as(make_user(role)).delete(f"/api/v1/proposals/{draft.id}").status_code == 404
    assert session.get(Proposal, draft.id) is not None
