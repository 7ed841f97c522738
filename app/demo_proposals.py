"""Demo proposals for `make run`: every status, across initiatives and departments.

Everything the services can already do goes through them (create, submit, return,
not-accept, accept, withdraw, the supervisor's opinion, reviewer assignment, scoring,
decisions, budgets, starting, milestones, progress and completion reports). Due dates
are set relative to today, so the demo always shows a milestone due soon and one overdue.
"""

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.demo_data import DEMO
from app.models import Department, Proposal, User
from app.models.budget import BudgetIn
from app.models.enums import Role
from app.models.proposal import ProposalCreate
from app.models.review import ReviewersIn, ReviewIn
from app.models.types import id_of, utcnow
from app.rules import Action
from app.services import (
    execution,
    lifecycle,
)
from app.services.budget import put_budget
from app.services.proposals import create_proposal, set_supervisor_opinion
from app.services.review import submit_review
from app.services.reviewers import assign_reviewers
from app.services.rubric import current_rubric
from app.wareki import fiscal_year_of, today_jst


def _user(session: Session, local: str) -> User:
    from app.demo import demo_email

    return session.exec(select(User).where(User.email == demo_email(local))).one()


def _step(step: str | tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """A path step: its name and what it needs ("submit", or ("opinion", "…"))."""
    return (step, ()) if isinstance(step, str) else (step[0], step[1:])


def _days(n: int) -> date:
    return today_jst() + timedelta(days=n)


def _execute(session: Session, proposal: Proposal, name: str, extra: tuple) -> None:
    """The budget-not-required mark and the implementing department's steps."""
    department = proposal.implementing_department_id
    members = session.exec(
        select(User).where(User.department_id == department).order_by(col(User.id))
    ).all()
    doer = next(u for u in members if not u.has_role(Role.admin))
    if name == "no-budget":
        put_budget(
            session,
            proposal_id=id_of(proposal),
            user=_user(session, "finance"),
            body=BudgetIn(required=False, fiscal_year=fiscal_year_of(utcnow())),
            expected_version=None,
        )
    elif name == "milestone":
        title, due, weight, done_ago = extra
        milestone = execution.add_milestone(
            session,
            proposal_id=id_of(proposal),
            user=doer,
            body={"title": title, "due_date": _days(due).isoformat(), "weight": weight},
            expected_version=None,
        )
        if done_ago is not None:
            execution.update_milestone(
                session,
                proposal_id=id_of(proposal),
                milestone_id=id_of(milestone),
                user=doer,
                body={"done": True, "done_on": _days(-done_ago).isoformat()},
                expected_version=None,
            )
    elif name == "start":
        owner, end_in = extra
        body = {"owner_id": _user(session, owner).id, "planned_end_date": _days(end_in).isoformat()}
        lifecycle.perform(session, proposal=proposal, user=doer, action=Action.start, body=body)
    elif name == "progress":
        percent, note = extra
        execution.add_progress(
            session,
            proposal_id=id_of(proposal),
            user=doer,
            body={"note": note} if percent is None else {"percent": percent, "note": note},
            expected_version=None,
        )
    elif name == "complete":
        report, cost, hours, yen = extra
        body = {
            "report": report,
            "actual_cost_yen": cost,
            "actual_hours_saved_per_year_hours": hours,
            "actual_savings_yen_per_year": yen,
        }
        lifecycle.perform(session, proposal=proposal, user=doer, action=Action.complete, body=body)
    session.refresh(proposal)


EXECUTION_STEPS = ("no-budget", "milestone", "start", "progress", "complete")


def _review(
    session: Session, proposal: Proposal, plan: list[tuple[str, list[int] | None]], by: User
) -> None:
    """Assigns the reviewers and enters the scores given (None: not scored yet)."""
    _version, criteria = current_rubric(session)
    reviewers = [_user(session, local) for local, _ in plan]
    assign_reviewers(
        session,
        proposal_id=id_of(proposal),
        user=by,
        body=ReviewersIn(reviewer_ids=[id_of(r) for r in reviewers]),
        expected_version=None,
    )
    for reviewer, (_, levels) in zip(reviewers, plan, strict=True):
        if levels is not None:
            scores = {c.code: level for c, level in zip(criteria, levels, strict=True)}
            submit_review(
                session,
                proposal_id=id_of(proposal),
                user=reviewer,
                body=ReviewIn(scores=scores, comment="デモの採点です。"),
            )
    session.refresh(proposal)


def _decide(
    session: Session,
    proposal: Proposal,
    by: User,
    outcome: str,
    reason: str,
    award: str | None,
    department_code: str | None,
    hours: float | None,
    yen: int | None,
) -> None:
    department = (
        session.exec(select(Department).where(Department.code == department_code)).one()
        if department_code
        else None
    )
    body = {
        "outcome": outcome,
        "reason": reason,
        "award": award,
        "implementing_department_id": department.id if department else None,
        "target_hours_saved_per_year_hours": hours,
        "target_savings_yen_per_year": yen,
    }
    lifecycle.perform(session, proposal=proposal, user=by, action=Action.decide, body=body)


def _budget(
    session: Session,
    proposal: Proposal,
    by: User,
    budget_type: str,
    requested: int,
    approved: int | None,
    account: str,
) -> None:
    """Finance records the request for next fiscal year and, when given, approves it."""
    put_budget(
        session,
        proposal_id=id_of(proposal),
        user=by,
        body=BudgetIn.model_validate(
            {
                "required": True,
                "fiscal_year": fiscal_year_of(utcnow()) + 1,
                "budget_type": budget_type,
                "requested_yen": requested,
                "approved_yen": approved,
                "account": account,
            }
        ),
        expected_version=None,
    )
    session.refresh(proposal)


def load_demo_proposals(session: Session) -> int:
    """Creates the demo proposals; returns how many."""
    secretariat = _user(session, "secretariat")
    supervisor = _user(session, "supervisor")
    for item in DEMO:
        author = _user(session, item["author"])
        data = ProposalCreate(
            title=item["title"],
            summary=item["summary"],
            current_situation=item["current"],
            proposal_text=item["text"],
            expected_effect=item["effect"],
            category=item["category"],
            initiative_id=item["initiative"],
            estimated_hours_saved_per_year_hours=item["hours"],
            estimated_savings_yen_per_year=item["savings"],
            estimated_cost_yen=item["cost"],
        )
        proposal = create_proposal(session, data=data, user=author)
        for step in item["path"]:
            name, extra = _step(step)
            if name == "opinion":
                set_supervisor_opinion(
                    session,
                    proposal_id=id_of(proposal),
                    user=supervisor,
                    body={"opinion": extra[0]},
                    expected_version=None,
                )
                session.refresh(proposal)
            elif name in EXECUTION_STEPS:
                _execute(session, proposal, name, extra)
            elif name == "reviews":
                _review(session, proposal, extra[0], secretariat)
            elif name == "decide":
                _decide(session, proposal, secretariat, *extra)
            elif name == "budget":
                _budget(session, proposal, _user(session, "finance"), *extra)
            else:
                actor = author if name in ("submit", "withdraw") else secretariat
                body = {"reason": extra[0]} if extra else {}
                lifecycle.perform(
                    session, proposal=proposal, user=actor, action=Action(name), body=body
                )
    return len(DEMO)
