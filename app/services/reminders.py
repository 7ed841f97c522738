"""Reminders (`python -m app send-reminders`, for cron): notices (in the app and by mail) to the
implementing department for milestones due soon, overdue ones and a passed planned end
date — each at most once, whoever runs it and however often."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import rules, wareki
from app.i18n import N_
from app.models import Milestone, Proposal, User, UserRole
from app.models.enums import Role
from app.models.execution import ReminderSent
from app.models.types import id_of
from app.services.execution import department_members, today
from app.services.notices import announce

DUE_SOON_TITLE = N_("期限間近: 「%(milestone)s」（%(title)s）の期限は%(due)sです")
OVERDUE_TITLE = N_("期限超過: 「%(milestone)s」（%(title)s）の期限%(due)sを過ぎています")
END_OVERDUE_TITLE = N_("期限超過: 「%(title)s」の完了予定日%(due)sを過ぎています")


# -- reminders ---------------------------------------------------------------------------------


@dataclass
class ReminderResult:
    sent: int = 0  # reminders (each may reach several people)
    notifications: int = 0
    skipped: int = 0  # already sent before


def _send_once(
    session: Session, *, key: str, proposal: Proposal, recipients: list[int], title: str
) -> bool:
    """Records the reminder's key and notifies, unless the key is already there (then it
    was sent before and nothing happens)."""
    try:
        with session.begin_nested():
            session.add(ReminderSent(key=key, proposal_id=id_of(proposal)))
            session.flush()
    except IntegrityError:
        return False
    announce(session, event="reminder", proposal=proposal, people=recipients, reminder=title)
    return True


def _secretariat_ids(session: Session) -> list[int]:
    ids = session.exec(
        select(col(User.id))
        .join(UserRole, col(UserRole.user_id) == User.id)
        .where(UserRole.role == Role.secretariat.value)
        .where(col(User.is_active).is_(True))
        .order_by(col(User.id))
    ).all()
    return [user_id for user_id in ids if user_id is not None]  # a primary key: never None


def send_reminders(
    session: Session, *, on: date | None = None, days_ahead: int = 7
) -> ReminderResult:
    """In-app reminders to the implementing department (and the owner) for open milestones
    due within `days_ahead` days, for overdue ones, and for a planned end date that has
    passed. Each reminder is keyed by what it is about and the due date, so running this
    again (twice a day from cron, or on two hosts at once) sends nothing twice; moving a due
    date makes a new reminder."""
    on = on or today()
    result = ReminderResult()
    members: dict[int | None, list[int]] = {}

    def recipients(proposal: Proposal) -> list[int]:
        department = proposal.implementing_department_id
        if department not in members:
            members[department] = [id_of(u) for u in department_members(session, department)]
        owner = [proposal.owner_id] if proposal.owner_id else []
        people = list(dict.fromkeys([*members[department], *owner]))
        return people or _secretariat_ids(session)  # nobody in the department: 事務局

    milestone_rows = session.exec(
        select(Milestone, Proposal)
        .join(Proposal, col(Proposal.id) == Milestone.proposal_id)
        .where(rules.status_in(col(Proposal.status), rules.EXECUTING))
        .where(col(Milestone.done_on).is_(None))
        .where(Milestone.due_date <= on + timedelta(days=days_ahead))
        .order_by(col(Milestone.due_date), col(Milestone.id))
    ).all()
    pending: list[tuple[str, Proposal, str]] = []
    for milestone, proposal in milestone_rows:
        late = milestone.due_date < on
        message = OVERDUE_TITLE if late else DUE_SOON_TITLE
        title = message % {
            "milestone": milestone.title,
            "title": proposal.title,
            "due": wareki.wareki_date(milestone.due_date),
        }
        kind = "overdue" if late else "due-soon"
        pending.append((f"milestone:{milestone.id}:{kind}:{milestone.due_date}", proposal, title))
    late_ends = session.exec(
        select(Proposal)
        .where(rules.status_in(col(Proposal.status), rules.IN_PROGRESS))
        .where(col(Proposal.planned_end_date) < on)
        .order_by(col(Proposal.id))
    ).all()
    for proposal in late_ends:
        due = wareki.wareki_date(proposal.planned_end_date)
        title = END_OVERDUE_TITLE % {"title": proposal.title, "due": due}
        pending.append((f"end:{proposal.id}:overdue:{proposal.planned_end_date}", proposal, title))
    for key, proposal, title in pending:
        people = recipients(proposal)
        if _send_once(session, key=key, proposal=proposal, recipients=people, title=title):
            result.sent += 1
            result.notifications += len(people)
        else:
            result.skipped += 1
    session.commit()
    return result
