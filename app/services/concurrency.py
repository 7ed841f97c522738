"""Concurrency: versions, ETags and If-Match; taking a proposal's row before its checks
(`lock`) and moving its version on only if nobody else did (`claim`). docs/integrity.md."""

from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from app.errors import InvalidTransition, PreconditionFailed
from app.i18n import N_
from app.models import Proposal
from app.models.enums import Status
from app.models.types import utcnow

STALE = N_(
    "この内容は他の人が先に更新しました。最新の内容を読み込み直してから、もう一度操作してください。"
)


CHANGED_MEANWHILE = N_("この提案は他の操作で更新されました。画面を更新してからやり直してください。")


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> int | None:
    """The version an If-Match header names; None when absent or `*`; -1 when unreadable
    (which then never matches)."""
    if header is None or header.strip() in ("", "*"):
        return None
    value = header.strip().split(",")[0].strip()
    value = value.removeprefix("W/").strip('"')
    return int(value) if value.isdigit() else -1


def check_version(current: int, expected: int | None) -> None:
    """Raises PreconditionFailed (412) when the caller edited an older version."""
    if expected is not None and expected != current:
        raise PreconditionFailed(STALE)


def lock(session: Session, proposal: Proposal) -> None:
    """Takes the proposal's row for this transaction, waiting for anyone else writing it,
    and reads it afresh: the status (409) and version (412) checks that follow see what is
    really there, and two writers are answered one after the other. Without `If-Match`
    a change that only moved the version on (a review, an attachment) no longer makes the
    next writer fail; with a stale `If-Match` the answer is always 412.

    PostgreSQL: SELECT … FOR UPDATE. SQLite: a write that changes nothing, which takes the
    database's write lock (the driver begins the transaction there; reads before it are
    outside any transaction, so nothing stale is kept)."""
    if session.get_bind().dialect.name == "postgresql":
        # One query: the locked row's values overwrite the loaded proposal's.
        session.execute(
            select(Proposal)
            .where(col(Proposal.id) == proposal.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        return
    session.execute(
        update(Proposal).where(col(Proposal.id) == proposal.id).values(version=Proposal.version)
    )
    session.refresh(proposal)


def claim(
    session: Session,
    proposal: Proposal,
    *,
    status: Status | None = None,
    from_status: str | None = None,
) -> None:
    """Moves the version on (and the status, for transitions) only if nobody else changed
    the proposal since it was read: the UPDATE's WHERE is the lock on both databases."""
    now = utcnow()
    values: dict[str, Any] = {"version": proposal.version + 1, "updated_at": now}
    if status is not None:
        values["status"] = status.value
    # An UPDATE's result is a CursorResult (it has the rowcount); Session.execute says Result.
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Proposal)
            .where(col(Proposal.id) == proposal.id)
            .where(col(Proposal.version) == proposal.version)
            .where(col(Proposal.status) == (from_status or proposal.status))
            .values(**values)
        ),
    )
    if result.rowcount != 1:
        session.rollback()
        raise InvalidTransition(CHANGED_MEANWHILE)
    for name, value in values.items():
        set_committed_value(proposal, name, value)
