"""THE table of who is told of what (docs/mail.md): for each event, the notices it gives —
to whom, with which title, what happened and what to do next. Each notice goes to the
in-app list and, by the person's setting, to mail (app/services/notifications.py).

Lifecycle actions are announced by `lifecycle.perform` (the event is the action's name);
the other events (reviewer assignment, a completed set of reviews, budget records,
reminders) by the services that make them. Nobody is told of their own action."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app import rules
from app.i18n import N_
from app.models import Proposal, User, UserRole
from app.models.enums import OUTCOME_LABELS, Outcome, Role
from app.services.notifications import notify


@dataclass(frozen=True)
class Context:
    """What an announcement knows beyond the proposal."""

    actor_id: int | None = None
    reason: str | None = None
    people: tuple[int, ...] = ()  # for the audience "people": named by the caller
    params: dict[str, Any] = field(default_factory=dict)


Audience = Callable[[Session, Proposal, Context], list[int]]


def _active_with_role(session: Session, role: Role, department_id: int | None = None) -> list[int]:
    query = (
        select(User.id)
        .join(UserRole, col(UserRole.user_id) == col(User.id))
        .where(UserRole.role == role.value)
        .where(col(User.is_active).is_(True))
        .order_by(col(User.id))
    )
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return [user_id for user_id in session.exec(query).all() if user_id is not None]


def authors(_session: Session, proposal: Proposal, _context: Context) -> list[int]:
    return [proposal.author_id, *proposal.co_author_ids]


def supervisors(session: Session, proposal: Proposal, _context: Context) -> list[int]:
    """The 所属長 of the department the proposal was submitted from (whoever holds the
    post now: the request follows the department through 人事異動)."""
    if proposal.department_id is None:
        return []
    return _active_with_role(session, Role.supervisor, proposal.department_id)


def secretariat(session: Session, _proposal: Proposal, _context: Context) -> list[int]:
    return _active_with_role(session, Role.secretariat)


def finance(session: Session, _proposal: Proposal, _context: Context) -> list[int]:
    return _active_with_role(session, Role.finance)


def implementers(session: Session, proposal: Proposal, _context: Context) -> list[int]:
    """The implementing department's active staff, and the owner of the work."""
    members: list[int] = []
    if proposal.implementing_department_id is not None:
        rows = session.exec(
            select(User.id)
            .where(User.department_id == proposal.implementing_department_id)
            .where(col(User.is_active).is_(True))
            .order_by(col(User.id))
        ).all()
        members = [user_id for user_id in rows if user_id is not None]
    return [*members, *([proposal.owner_id] if proposal.owner_id else [])]


def people(_session: Session, _proposal: Proposal, context: Context) -> list[int]:
    return list(context.people)


def _always(_proposal: Proposal) -> bool:
    return True


def _needs_budget(proposal: Proposal) -> bool:
    return rules.is_in(proposal.status, rules.BUDGETING) and not proposal.already_implemented


def _reason(_proposal: Proposal, context: Context) -> str:
    return context.reason or ""


def _report(proposal: Proposal, _context: Context) -> str:
    return proposal.completion_report or ""


def _nothing(_proposal: Proposal, _context: Context) -> str:
    return ""


def _given(text: str) -> Callable[[Proposal, Context], str]:
    return lambda _proposal, _context: text


@dataclass(frozen=True)
class Notice:
    audience: Audience
    kind: str
    title: str  # a msgid, formatted with the proposal's title, number, outcome and params
    next_step: str = ""  # a msgid: what the person is to do now
    body: Callable[[Proposal, Context], str] = _nothing
    when: Callable[[Proposal], bool] = _always


READY_TO_START = N_("担当者と完了予定日を決めて、実施を開始してください。")

NOTICES: dict[str, tuple[Notice, ...]] = {
    "submit": (
        Notice(
            supervisors,
            "opinion-requested",
            N_("所属長意見の依頼: 「%(title)s」が提出されました"),
            N_("提案を読んで、所属長意見を記入してください。"),
        ),
        Notice(
            secretariat,
            "submitted",
            N_("新しい提案: 「%(title)s」が提出されました"),
            N_("受付待ちの一覧で内容を確かめ、受理・差戻し・不受理を決めてください。"),
        ),
    ),
    "return": (
        Notice(
            authors,
            "returned",
            N_("差戻し: 「%(title)s」が差し戻されました"),
            N_("理由を読んで提案を直し、もう一度提出してください。"),
            body=_reason,
        ),
    ),
    "not-accept": (
        Notice(
            authors,
            "not-accepted",
            N_("不受理: 「%(title)s」は受理されませんでした"),
            N_("理由をご確認ください。"),
            body=_reason,
        ),
    ),
    "accept": (
        Notice(
            authors,
            "accepted",
            N_("受理: 「%(title)s」が受理されました（提案番号 %(number)s）"),
            N_("審査の結果をお待ちください。"),
        ),
    ),
    "decide": (
        Notice(
            authors,
            "decided",
            N_("審査結果: 「%(title)s」は%(outcome)sとなりました"),
            N_("結果と理由をご確認ください。"),
            body=_reason,
        ),
        Notice(
            finance,
            "budget-needed",
            N_("予算の検討: 「%(title)s」が採用されました"),
            N_("予算の要否を判断し、予算欄に記録してください。"),
            when=_needs_budget,
        ),
    ),
    "approve-budget": (
        Notice(
            authors,
            "budgeted",
            N_("予算措置: 「%(title)s」の予算が措置されました"),
            N_("実施担当課による実施開始をお待ちください。"),
        ),
        Notice(
            implementers,
            "ready-to-start",
            N_("実施開始待ち: 「%(title)s」の予算が措置されました"),
            READY_TO_START,
        ),
    ),
    "budget-not-required": (
        Notice(
            implementers,
            "ready-to-start",
            N_("実施開始待ち: 「%(title)s」は予算不要で実施できます"),
            READY_TO_START,
        ),
    ),
    "budget-deny": (
        Notice(
            authors,
            "budget-denied",
            N_("予算見送り: 「%(title)s」の予算は見送られました"),
            N_("理由をご確認ください。"),
            body=_reason,
        ),
    ),
    "start": (
        Notice(
            authors,
            "execution",
            N_("実施開始: 「%(title)s」の実施が始まりました"),
            N_("進み具合は提案の画面で見られます。"),
        ),
    ),
    "complete": (
        Notice(
            authors,
            "execution",
            N_("実施完了: 「%(title)s」の実施が完了しました"),
            N_("完了報告をご覧ください。"),
            body=_report,
        ),
    ),
    "review-assigned": (
        Notice(
            people,
            "review-assigned",
            N_("審査の依頼: %(title)s"),
            N_("審査待ちの一覧から採点してください。"),
            body=_given(N_("審査委員に割り当てられました。審査待ちの一覧から採点してください。")),
        ),
    ),
    "review-unassigned": (
        Notice(
            people,
            "review-unassigned",
            N_("審査の割当て解除: %(title)s"),
            N_("この提案を審査する必要はなくなりました。"),
        ),
    ),
    "reviews-complete": (
        Notice(
            secretariat,
            "reviews-complete",
            N_("審査完了: 「%(title)s」の審査がそろいました"),
            N_("採点結果を確かめ、審査結果を決定してください。"),
        ),
    ),
    "reminder": (
        Notice(
            people,
            "reminder",
            "%(reminder)s",
            N_("進み具合を記録し、済んだマイルストーンは完了にしてください。"),
        ),
    ),
}


def _outcome(proposal: Proposal) -> str:
    return OUTCOME_LABELS[Outcome(proposal.outcome)] if proposal.outcome else ""


def announce(
    session: Session,
    *,
    event: str,
    proposal: Proposal,
    actor: User | None = None,
    reason: str | None = None,
    people: Iterable[int] = (),
    **params: Any,
) -> None:
    """Gives every notice of `event` its audience has (minus the actor); the rows commit
    with the caller's change. An event outside the table tells nobody."""
    context = Context(
        actor_id=actor.id if actor else None,
        reason=reason,
        people=tuple(people),
        params=params,
    )
    values = {
        "title": proposal.title,
        "number": proposal.number or "",
        "outcome": _outcome(proposal),
        **params,
    }
    for notice in NOTICES.get(event, ()):
        if not notice.when(proposal):
            continue
        told = [u for u in notice.audience(session, proposal, context) if u != context.actor_id]
        if not told:
            continue
        notify(
            session,
            user_ids=told,
            kind=notice.kind,
            title=notice.title % values,
            title_message=notice.title,
            title_params={k: str(v) for k, v in values.items()},
            body=notice.body(proposal, context),
            proposal_id=proposal.id,
            next_step=notice.next_step,
        )
