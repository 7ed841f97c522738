"""Helpers of the execution API tests (the package docstring says what they test)."""

from datetime import date, timedelta
from types import SimpleNamespace

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Milestone, Notification, ProgressUpdate, Proposal, ProposalEvent
from app.models.enums import BudgetStatus, Status
from app.services import execution
from tests.helpers import proposal_in

API = "/api/v1"
TODAY = date(2026, 6, 15)
REPORT = "予約システムを導入し、窓口の待ち時間が平均15分から5分になった。"
COMPLETION = {
    "report": REPORT,
    "actual_cost_yen": 300000,
    "actual_hours_saved_per_year_hours": 120,
    "actual_savings_yen_per_year": 50000,
}


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def build(
    session: Session,
    cast: SimpleNamespace,
    status: Status = Status.in_progress,
    *,
    department=None,
    already_implemented: bool = False,
    **attributes,
) -> Proposal:
    """A proposal in `status` for the implementing department, with the author's estimates
    and the targets set at the decision."""
    proposal = proposal_in(
        session,
        status,
        author=cast.author,
        co_authors=[cast.co_author],
        already_implemented=already_implemented,
        estimated_cost_yen=400000,
        estimated_hours_saved_per_year_hours=150,
        estimated_savings_yen_per_year=60000,
    )
    proposal.implementing_department_id = (department or cast.implementing).id
    proposal.target_hours_saved_per_year_hours = 100
    proposal.target_savings_yen_per_year = 40000
    if status == Status.budgeted:
        proposal.budget_status = BudgetStatus.approved.value
    for name, value in attributes.items():
        setattr(proposal, name, value)
    session.add(proposal)
    session.commit()
    session.refresh(proposal)
    return proposal


def add_stone(
    session: Session, proposal: Proposal, due: str, *, weight: int = 1, done_on: str | None = None
) -> Milestone:
    """A milestone written straight to the database, derived columns brought up to date."""
    stone = Milestone(
        proposal_id=proposal.id,
        title="業者選定",
        due_date=date.fromisoformat(due),
        weight=weight,
        done_on=date.fromisoformat(done_on) if done_on else None,
    )
    session.add(stone)
    execution.refresh_derived(session, proposal)
    session.commit()
    session.refresh(stone)
    return stone


def count(session: Session, model, proposal_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(model).where(model.proposal_id == proposal_id)
    ).one()


def state(session: Session, proposal_id: int) -> tuple:
    """Everything an execution request could write."""
    session.expire_all()
    p = session.get(Proposal, proposal_id)
    stones = session.exec(
        select(Milestone).where(Milestone.proposal_id == proposal_id).order_by(col(Milestone.id))
    ).all()
    return (
        p.status,
        p.version,
        p.owner_id,
        p.planned_end_date,
        p.started_at,
        p.completed_at,
        p.completion_report,
        p.actual_cost_yen,
        p.effect_measured_on,
        p.progress_percent,
        p.open_due_date,
        [(m.id, m.title, m.due_date, m.weight, m.done_on) for m in stones],
        count(session, ProgressUpdate, proposal_id),
        count(session, ProposalEvent, proposal_id),
        count(session, Notification, proposal_id),
    )


def actions(session: Session, proposal_id: int) -> list[str]:
    return list(
        session.exec(
            select(ProposalEvent.action)
            .where(ProposalEvent.proposal_id == proposal_id)
            .order_by(col(ProposalEvent.id))
        ).all()
    )


def last_event(session: Session, proposal_id: int) -> ProposalEvent:
    return session.exec(
        select(ProposalEvent)
        .where(ProposalEvent.proposal_id == proposal_id)
        .order_by(col(ProposalEvent.id).desc())
    ).first()


def error_locs(response) -> list[list]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["loc"] for e in response.json().get("errors", [])]


def get(api: TestClient, proposal: Proposal) -> dict:
    response = api.get(f"{API}/proposals/{proposal.id}")
    assert response.status_code == 200, response.text
    return response.json()


def writes(proposal_id: int, milestone_id: int) -> list[tuple[str, str, str, dict | None]]:
    """Every execution write: (name, method, path, body)."""
    base = f"{API}/proposals/{proposal_id}"
    return [
        ("milestone-add", "POST", f"{base}/milestones", {"title": "追加", "due_date": day(3)}),
        ("milestone-edit", "PATCH", f"{base}/milestones/{milestone_id}", {"done": True}),
        ("milestone-delete", "DELETE", f"{base}/milestones/{milestone_id}", None),
        # With milestones the percentage is theirs: a report gives none (see test_progress).
        ("progress", "POST", f"{base}/progress", {"note": "半分"}),
        ("complete", "POST", f"{base}/complete", {**COMPLETION, "close_open_milestones": True}),
    ]


def send(api: TestClient, method: str, path: str, body, **kwargs):
    return api.request(method, path, json=body, **kwargs)
