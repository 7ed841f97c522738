"""破棄: the author deletes a draft (docs/rules.md, the `discard` activity). A draft has been
seen by nobody but its authors, so it goes with everything that hangs on it — its events,
co-authors, attachments (rows and files), analysed words and any notice — rather than
being kept as withdrawn."""

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app import rules
from app.config import Settings
from app.models import Attachment, Notification, Proposal, ProposalEvent, User
from app.services.attachments import remove_stored, stored_path
from app.services.concurrency import check_version, lock
from app.services.visibility import get_visible_proposal


def check_discardable(proposal: Proposal, user: User) -> None:
    """Forbidden (403) for anyone but the draft's author; InvalidTransition (409) once it
    has been submitted — what the confirmation page checks before asking."""
    rules.check_allowed(rules.Activity.discard, proposal, user, rules.Facts())
    rules.check_open(rules.Activity.discard, proposal)


def discard_draft(
    session: Session,
    *,
    proposal_id: int,
    user: User,
    settings: Settings,
    expected_version: int | None = None,
) -> None:
    """Deletes the draft. NotFound (404) when not visible; Forbidden (403) for anyone but
    its author; InvalidTransition (409) once it has been submitted (withdraw it instead);
    PreconditionFailed (412) when stale."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    rules.check_allowed(rules.Activity.discard, proposal, user, rules.Facts())
    lock(session, proposal)
    rules.check_open(rules.Activity.discard, proposal)
    check_version(proposal.version, expected_version)
    attachments = session.exec(
        select(Attachment).where(Attachment.proposal_id == proposal_id)
    ).all()
    paths = [stored_path(settings, a) for a in attachments]
    for model in (Attachment, ProposalEvent, Notification):
        session.exec(delete(model).where(col(model.proposal_id) == proposal_id))
    session.delete(proposal)
    session.commit()
    for path in paths:
        remove_stored(path)
