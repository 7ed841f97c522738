"""Builders for the figures tests (the stats API and the dashboard): proposals put straight
into a state in fiscal year YEAR, with stage timestamps counted in days from DAY0."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from app.models import BudgetRecord, Proposal
from app.models.enums import Status
from tests.helpers import proposal_in

YEAR = 2026
DAY0 = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)


def days(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


def put(
    session: Session, author, status: Status, title: str = "窓口予約システムの導入", **fields
) -> Proposal:
    """A proposal in `status`, counted in fiscal year YEAR unless told otherwise."""
    proposal = proposal_in(session, status, author=author, title=title)
    proposal.fiscal_year = YEAR
    proposal.submitted_at = None if status == Status.draft else DAY0
    proposal.accepted_at = None
    for name, value in fields.items():
        setattr(proposal, name, value)
    session.add(proposal)
    session.commit()
    return proposal


def budget(session: Session, proposal: Proposal, requested: int, approved: int | None, status):
    """A budget record (the newest is the current one) for the year after YEAR."""
    session.add(
        BudgetRecord(
            proposal_id=proposal.id,
            fiscal_year=YEAR + 1,
            requested_yen=requested,
            approved_yen=approved,
            status=status,
        )
    )
    session.commit()
