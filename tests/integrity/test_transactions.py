"""Issue 12: every user action is one transaction — all of it or none of it. Faults are
injected into the second half of a two-step action, and nothing of the first half may
remain."""

from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import BudgetRecord, Proposal, ProposalEvent
from app.models.enums import Role, Status
from app.rules import Action
from app.services import lifecycle
from app.wareki import fiscal_year_of, today_jst
from tests.conftest import bearer_token
from tests.helpers import proposal_in


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_recording_and_approving_a_budget_land_together_or_not_at_all(
    app, settings, db_engine, session: Session, make_user, monkeypatch
) -> None:
    author, finance = make_user(), make_user(Role.finance)
    proposal = proposal_in(session, Status.adopted, author=author)
    version, events = proposal.version, count(session, ProposalEvent)

    def relay_down(*args, **kwargs):
        raise RuntimeError("the approval failed half-way")

    approval = lifecycle.performers()[Action.approve_budget]
    monkeypatch.setitem(
        lifecycle.performers(), Action.approve_budget, replace(approval, work=relay_down)
    )
    body = {
        "required": True,
        "fiscal_year": fiscal_year_of(today_jst()) + 1,
        "requested_yen": 500_000,
        "approved_yen": 400_000,
    }
    with TestClient(app, raise_server_exceptions=False) as api:
        api.headers["Authorization"] = f"Bearer {bearer_token(db_engine, settings, finance)}"
        response = api.put(f"/api/v1/proposals/{proposal.id}/budget", json=body)
        assert response.status_code == 500
        session.expire_all()
        assert count(session, BudgetRecord) == 0
        assert count(session, ProposalEvent) == events
        fresh = session.get(Proposal, proposal.id)
        assert (fresh.version, fresh.status, fresh.budget_status) == (version, "adopted", None)

        monkeypatch.undo()
        done = api.put(f"/api/v1/proposals/{proposal.id}/budget", json=body)
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "reduced"
        session.expire_all()
        assert session.get(Proposal, proposal.id).status == "budgeted"
        assert count(session, BudgetRecord) == 1
