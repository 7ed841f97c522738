"""Builders for the figures tests (the stats API and the dashboard): proposals put straight
into a state in fiscal year YEAR, with stage timestamps counted in days from DAY0."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlmodel import Session, select

from app.models import BudgetRecord, Initiative, Proposal
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


def fixed_year(session: Session, make_user, make_department) -> SimpleNamespace:
    """Two departments (A: 3 active staff, B: 2 and one inactive) and eight proposals:

    | | author | status | initiative | est h | est ¥ | act h | act ¥ | budget (newest) |
    |P1| a1 | completed   | 1 | 100  | 10,000 | 120 | 20,000 (cost 5,000) | 1,000,000 / 800,000 |
    |P2| a1 | in_progress | 1 | 50   | 0      |     |        | 300,000 / 300,000 |
    |P3| a2 | rejected    | 2 | 30   |        |     |        | |
    |P4| b1 | adopted     | - | 10.5 |        |     |        | denied 100, then 200,000 / - |
    |P5| b1 | deferred    | 2 |      |        |     |        | |
    |P6| a3 | draft       | 1 |      |        |     |        | |
    |P7| b2 | submitted   | 3 |      |        |     |        | |
    |P8| a2 | completed, fiscal year YEAR - 1 (not counted in YEAR) | 1 |

    Stage days from DAY0: intake 2, 4, 6, 1, 3; review 8, 16, 6, 3, 5; preparation 10, 14;
    execution 30.
    """
    a, b = make_department("企画課", code="A01"), make_department("住民課", code="B01")
    a1, a2, a3 = (make_user(department=a) for _ in range(3))
    b1, b2 = (make_user(department=b) for _ in range(2))
    make_user(department=b, is_active=False)  # not counted as staff
    ids = {i.number: i.id for i in session.exec(select(Initiative)).all()}
    p1 = put(
        session, a1, Status.completed, "P1 完了した窓口予約", initiative_id=ids[1],
        estimated_hours_saved_per_year_hours=100, estimated_savings_yen_per_year=10_000,
        target_hours_saved_per_year_hours=80,
        actual_hours_saved_per_year_hours=120, actual_savings_yen_per_year=20_000,
        actual_cost_yen=5_000,
        accepted_at=days(2), decided_at=days(10), started_at=days(20), completed_at=days(50),
    )  # fmt: skip
    p2 = put(
        session, a1, Status.in_progress, "P2 実施中の電子申請", initiative_id=ids[1],
        estimated_hours_saved_per_year_hours=50, estimated_savings_yen_per_year=0,
        accepted_at=days(4), decided_at=days(20), started_at=days(34),
    )  # fmt: skip
    put(
        session, a2, Status.rejected, "P3 不採用の提案", initiative_id=ids[2],
        estimated_hours_saved_per_year_hours=30, accepted_at=days(6), decided_at=days(12),
    )  # fmt: skip
    p4 = put(
        session, b1, Status.adopted, "P4 採用された提案", initiative_id=None,
        estimated_hours_saved_per_year_hours=10.5, accepted_at=days(1), decided_at=days(4),
    )  # fmt: skip
    put(session, b1, Status.deferred, "P5 保留の提案", initiative_id=ids[2],
        accepted_at=days(3), decided_at=days(8))  # fmt: skip
    put(session, a3, Status.draft, "P6 他人の下書き", initiative_id=ids[1])
    put(session, b2, Status.submitted, "P7 提出された提案", initiative_id=ids[3])
    put(session, a2, Status.completed, "P8 前年度の提案", fiscal_year=YEAR - 1,
        initiative_id=ids[1], actual_hours_saved_per_year_hours=999)  # fmt: skip
    budget(session, p1, 1_000_000, 800_000, "reduced")
    budget(session, p2, 300_000, 300_000, "approved")
    budget(session, p4, 100, 0, "denied")
    budget(session, p4, 200_000, None, "requested")
    return SimpleNamespace(a=a, b=b, ids=ids, a1=a1, a2=a2, a3=a3, b1=b1, b2=b2)
