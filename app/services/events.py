"""Writing and reading the append-only proposal events."""

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models import Proposal, ProposalEvent, User
from app.models.types import id_of


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def record_event(
    session: Session,
    *,
    proposal: Proposal,
    actor: User | None,
    action: str,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    changes: dict[str, Any] | None = None,
) -> ProposalEvent:
    """Adds one event (the caller commits with the change it describes)."""
    event = ProposalEvent(
        proposal_id=id_of(proposal),
        actor_id=actor.id if actor else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
    )
    session.add(event)
    return event


def merge_changes(session: Session, event: ProposalEvent, changes: dict[str, Any]) -> None:
    """Folds more changes ({field: [old, new]}) into an event: a field already there keeps
    its first old value and takes the new one (the caller commits)."""
    merged = dict(event.changes)
    for name, (old, new) in changes.items():
        merged[name] = [merged[name][0] if name in merged else _jsonable(old), _jsonable(new)]
    event.changes = merged
    session.add(event)


def list_events(session: Session, *, proposal_id: int) -> list[ProposalEvent]:
    """Oldest first."""
    query = (
        select(ProposalEvent)
        .where(ProposalEvent.proposal_id == proposal_id)
        .order_by(col(ProposalEvent.created_at), col(ProposalEvent.id))
    )
    return list(session.exec(query).all())
