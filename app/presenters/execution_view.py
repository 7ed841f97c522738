"""What the execution pages show: the department's board with each proposal's next open
milestone, and the 実施状況 panel of the proposal page with the forms open to the user.
Reads only; the rules are app/rules/, the work execution.py's."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app import rules
from app.models import Department, Milestone, ProgressUpdate, Proposal, User
from app.models.enums import Role
from app.models.types import id_of
from app.services import execution, execution_board


def next_milestones(session: Session, proposal_ids: list[int]) -> dict[int, Milestone]:
    """Each proposal's earliest open milestone (due date, then the order added), in one
    query."""
    if not proposal_ids:
        return {}
    rows = session.exec(
        select(Milestone)
        .where(col(Milestone.proposal_id).in_(proposal_ids))
        .where(col(Milestone.done_on).is_(None))
        .order_by(col(Milestone.due_date), col(Milestone.id))
    ).all()
    result: dict[int, Milestone] = {}
    for milestone in rows:
        result.setdefault(milestone.proposal_id, milestone)
    return result


def _users(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(user_ids))).all()
    return {u.id: u.name for u in users if u.id is not None}


@dataclass
class BoardPage:
    """The board of one department (None: the user has none and has not chosen one)."""

    department: Department | None
    in_progress: list[Proposal] = field(default_factory=list)
    waiting: list[Proposal] = field(default_factory=list)
    overdue_ids: set[int] = field(default_factory=set)
    next_milestone: dict[int, Milestone] = field(default_factory=dict)
    owners: dict[int, str] = field(default_factory=dict)
    departments: list[Department] = field(default_factory=list)  # the secretariat's choice
    today: date | None = None

    def startable(self, proposal: Proposal) -> bool:
        """Whether start's budget guard is met (the board shows it, the form decides)."""
        return rules.budget_settled(proposal)


def board_page(session: Session, *, user: User, department_id: int | None) -> BoardPage:
    """The board for the chosen department (403 for staff asking for another one); for a
    user with no department and no choice, an empty page that says so."""
    departments: list[Department] = []
    if user.has_role(Role.secretariat):
        departments = list(session.exec(select(Department).order_by(col(Department.code))).all())
    if department_id is None and user.department_id is None:
        return BoardPage(department=None, departments=departments)
    on = execution.today()
    board = execution_board.board(session, user=user, department_id=department_id, on=on)
    proposals = [*board.in_progress, *board.waiting]
    owner_ids = {p.owner_id for p in proposals if p.owner_id is not None}
    return BoardPage(
        department=board.department,
        in_progress=board.in_progress,
        waiting=board.waiting,
        overdue_ids=board.overdue_ids,
        next_milestone=next_milestones(session, [p.id for p in proposals if p.id is not None]),
        owners=_users(session, owner_ids),
        departments=departments,
        today=on,
    )


# -- the proposal page's panel ------------------------------------------------------------------


@dataclass
class MilestoneRow:
    milestone: Milestone
    overdue: bool


@dataclass
class ExecutionPanel:
    """The 実施状況 panel: progress, milestones, updates and effects for anyone who sees
    the proposal; the forms only for the implementing department and the secretariat."""

    proposal: Proposal
    milestones: list[MilestoneRow]
    updates: list[ProgressUpdate]
    people: dict[int, str]  # owner and update authors by id
    overdue: bool
    can_start: bool
    can_complete: bool
    can_plan: bool  # milestones: from adoption until completion
    can_report: bool  # progress updates: while in progress
    waiting_for_budget: bool  # a member of the department, but start's guard is not met
    members: list[User]
    start_values: dict[str, Any] = field(default_factory=dict)
    start_errors: dict[str, str] = field(default_factory=dict)
    milestone_values: dict[str, Any] = field(default_factory=dict)
    milestone_errors: dict[str, str] = field(default_factory=dict)
    progress_values: dict[str, Any] = field(default_factory=dict)
    progress_errors: dict[str, str] = field(default_factory=dict)
    complete_values: dict[str, Any] = field(default_factory=dict)
    complete_errors: dict[str, str] = field(default_factory=dict)
    message: str = ""  # after an htmx change of the panel, what happened

    @property
    def from_milestones(self) -> bool:
        """Progress follows the weighted milestones rather than the updates."""
        return bool(self.milestones)

    @property
    def open_milestones(self) -> list[Milestone]:
        """The milestones not done yet: completion closes them, once confirmed."""
        return [row.milestone for row in self.milestones if row.milestone.done_on is None]

    def shows_form(self, name: str) -> bool:
        """Whether the page shows this form ("start", "milestone", "progress", "complete")."""
        return {
            "start": self.can_start,
            "milestone": self.can_plan,
            "progress": self.can_report,
            "complete": self.can_complete,
        }[name]

    def effects(self, hourly_cost_yen: int) -> list[execution_board.EffectRow]:
        return execution_board.effect_rows(self.proposal, hourly_cost_yen)


def execution_panel(
    session: Session, proposal: Proposal, user: User, caps: rules.Capabilities
) -> ExecutionPanel | None:
    """The panel from adoption on; None before that (and for outcomes that end the story)."""
    if not rules.is_in(proposal.status, rules.EXECUTION_SHOWN):
        return None
    on = execution.today()
    milestones = execution.milestones_of(session, proposal_id=id_of(proposal))
    updates = execution.updates_of(session, proposal_id=id_of(proposal))
    can_start = caps.may(rules.Action.start)
    people = {u.author_id for u in updates if u.author_id is not None}
    if proposal.owner_id is not None:
        people.add(proposal.owner_id)
    panel = ExecutionPanel(
        proposal=proposal,
        milestones=[
            MilestoneRow(m, execution.milestone_overdue(m, proposal.status, on)) for m in milestones
        ],
        updates=updates,
        people=_users(session, people),
        overdue=execution.is_overdue(proposal, on),
        can_start=can_start,
        can_complete=caps.may(rules.Action.complete),
        can_plan=caps.can(rules.Activity.plan_milestones),
        can_report=caps.can(rules.Activity.report_progress),
        waiting_for_budget=rules.implementers(proposal, user)
        and not rules.budget_settled(proposal),
        members=execution.department_members(session, proposal.implementing_department_id)
        if can_start
        else [],
    )
    if can_start:
        member_ids = {m.id for m in panel.members}
        panel.start_values = {"owner_id": user.id if user.id in member_ids else None}
    panel.milestone_values = {"weight": "1"}
    return panel
