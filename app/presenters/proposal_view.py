"""What the proposal pages show: labels and the names behind ids, loaded in a few batched
queries (never one per row)."""

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app import rules
from app.config import Settings
from app.i18n import N_
from app.models import Department, Initiative, Proposal, Round, User
from app.models.types import id_of
from app.presenters.budget_view import budget_panel
from app.presenters.confirm_view import CONFIRMED_ACTIONS
from app.presenters.execution_view import execution_panel
from app.presenters.review_view import decision_choices, review_panel
from app.services.attachments import list_attachments
from app.services.disclosure import event_views
from app.services.pagination import PageParams
from app.services.review import blind_proposal_ids
from app.services.visibility import capabilities_of

ACTION_LABELS: dict[str, str] = {
    "create": N_("作成"),
    "update": N_("編集"),
    "submit": N_("提出"),
    "return": N_("差戻し"),
    "not-accept": N_("不受理"),
    "accept": N_("受理"),
    "withdraw": N_("取下げ"),
    "decide": N_("審査結果の決定"),
    "reopen-review": N_("再審査"),
    "approve-budget": N_("予算の承認"),
    "budget": N_("予算の登録"),
    "budget-deny": N_("予算の見送り"),
    "start": N_("実施開始"),
    "complete": N_("完了報告"),
    "milestone-add": N_("マイルストーンの追加"),
    "milestone-update": N_("マイルストーンの変更"),
    "milestone-done": N_("マイルストーンの完了"),
    "milestone-delete": N_("マイルストーンの削除"),
    "progress": N_("進捗の報告"),
    "attach": N_("ファイル添付"),
    "detach": N_("添付ファイル削除"),
    "opinion": N_("所属長意見"),
    "import": N_("旧台帳からの移行"),
    "review": N_("採点"),
    "recuse": N_("審査の辞退"),
    "assign-reviewers": N_("審査委員の割当て"),
}
BUTTON_LABELS: dict[str, str] = {
    "submit": N_("提出する"),
    "return": N_("差し戻す"),
    "not-accept": N_("不受理にする"),
    "accept": N_("受理する"),
    "withdraw": N_("取り下げる"),
    "reopen-review": N_("再審査に戻す"),
}
FIELD_LABELS: dict[str, str] = {
    "title": N_("件名"),
    "summary": N_("提案の要旨"),
    "current_situation": N_("現状と問題点"),
    "proposal_text": N_("提案の内容"),
    "expected_effect": N_("期待される効果"),
    "kind": N_("種類"),
    "category": N_("分野"),
    "already_implemented": N_("実施済み報告"),
    "initiative_id": N_("DX取組み"),
    "round_id": N_("募集回"),
    "co_author_ids": N_("共同提案者"),
    "estimated_cost_yen": N_("概算経費（円）"),
    "estimated_hours_saved_per_year_hours": N_("削減見込み時間（時間／年）"),
    "estimated_savings_yen_per_year": N_("削減見込み額（円／年）"),
    "supervisor_opinion": N_("所属長意見"),
    "department_id": N_("提案時の所属"),
    "fiscal_year": N_("年度"),
    "number": N_("提案番号"),
    "reason": N_("理由"),
    "outcome": N_("審査結果"),
    "award": N_("賞"),
    "implementing_department_id": N_("実施担当課"),
    "target_hours_saved_per_year_hours": N_("削減目標時間（時間／年）"),
    "target_savings_yen_per_year": N_("削減目標額（円／年）"),
    "reviewer_ids": N_("審査委員"),
}


@dataclass
class Names:
    users: dict[int, User] = field(default_factory=dict)
    departments: dict[int, Department] = field(default_factory=dict)
    initiatives: dict[int, Initiative] = field(default_factory=dict)
    rounds: dict[int, Round] = field(default_factory=dict)

    def user(self, user_id: int | None) -> str:
        user = self.users.get(user_id) if user_id is not None else None
        return user.name if user else "—"

    def department(self, department_id: int | None) -> str:
        department = self.departments.get(department_id) if department_id else None
        return department.name if department else "—"


def load_names(
    session: Session,
    proposals: list[Proposal],
    *,
    extra_user_ids: set[int] | None = None,
    blind: Collection[int] = (),
) -> Names:
    """Users, departments, initiatives and rounds referred to by these proposals; for the
    proposals in `blind` (blind review) not their authors nor the supervisor's name."""
    user_ids = set(extra_user_ids or set())
    round_ids = set()
    for proposal in proposals:
        if proposal.id not in blind:
            user_ids.add(proposal.author_id)
            user_ids.update(proposal.co_author_ids)
            if proposal.supervisor_opinion_by_id:
                user_ids.add(proposal.supervisor_opinion_by_id)
        round_ids.add(proposal.round_id)
    names = Names()
    if user_ids:
        names.users = {
            id_of(u): u for u in session.exec(select(User).where(col(User.id).in_(user_ids))).all()
        }
    names.departments = {id_of(d): d for d in session.exec(select(Department)).all()}
    names.initiatives = {id_of(i): i for i in session.exec(select(Initiative)).all()}
    if round_ids:
        names.rounds = {
            id_of(r): r
            for r in session.exec(select(Round).where(col(Round.id).in_(round_ids))).all()
        }
    return names


@dataclass
class ActionButton:
    action: str
    label: str
    reason: str  # "required" | "optional" | "none"
    primary: bool
    confirm: bool = False  # leads to the confirmation page first (irreversible)


def action_buttons(caps: rules.Capabilities) -> list[ActionButton]:
    """The buttons the detail page shows: exactly the allowed actions that have a button
    of their own (the others have their forms). A draft its author may discard offers
    破棄 (the page's own button) rather than 取り下げる: nobody else has seen it."""
    buttons = []
    for action in caps.actions:
        if action.value not in BUTTON_LABELS:
            continue
        if action == rules.Action.withdraw and caps.can(rules.Activity.discard):
            continue
        reason = rules.TRANSITIONS[action].reason
        buttons.append(
            ActionButton(
                action=action.value,
                label=BUTTON_LABELS[action.value],
                reason=reason.value,
                primary=reason == rules.Reason.none,
                confirm=action in CONFIRMED_ACTIONS,
            )
        )
    return buttons


@dataclass
class ReturnNotice:
    """Why a returned proposal came back, for the top of its page and of its form."""

    reason: str
    by: str
    at: Any


def return_notice(
    session: Session, proposal: Proposal, user: User, events: list[Any] | None = None
) -> ReturnNotice | None:
    """The latest return's reason while the proposal is returned (差戻し), as this user may
    read the timeline; None otherwise."""
    if not rules.is_in(proposal.status, rules.RETURNED):
        return None
    if events is None:
        events = event_views(session, proposal=proposal, user=user)
    returns = [e for e in events if e.action == rules.Action.return_.value]
    if not returns:
        return None
    last = returns[-1]
    actor = session.get(User, last.actor_id) if last.actor_id is not None else None
    return ReturnNotice(
        reason=last.reason or "", by=actor.name if actor else "", at=last.created_at
    )


def detail_context(session: Session, proposal: Proposal, user: User) -> dict[str, Any]:
    """Everything the detail page shows this user. Under blind review (an assigned reviewer)
    the authors, their department and the supervisor's name are left out, and the timeline
    is the one disclosure.event_views lets this user read."""
    blind = proposal.id in blind_proposal_ids(session, user=user)
    events = event_views(session, proposal=proposal, user=user)
    user_ids = {e.actor_id for e in events if e.actor_id is not None}
    if proposal.decided_by_id is not None:
        user_ids.add(proposal.decided_by_id)
    names = load_names(
        session, [proposal], extra_user_ids=user_ids, blind={id_of(proposal)} if blind else ()
    )
    caps = capabilities_of(session, proposal, user)
    decidable = caps.may(rules.Action.decide)
    return {
        "proposal": proposal,
        "names": names,
        "blind": blind,
        "events": events,
        "returned": return_notice(session, proposal, user, events),
        "caps": caps,
        "buttons": action_buttons(caps),
        "can_edit": caps.can(rules.Activity.edit),
        "can_discard": caps.can(rules.Activity.discard),
        "can_write_opinion": caps.can(rules.Activity.opinion),
        "can_score": caps.can(rules.Activity.score),
        "review_panel": review_panel(session, proposal, user, caps),
        "can_decide": decidable,
        "decision": decision_choices(session) if decidable else None,
        "decision_values": {"implementing_department_id": proposal.department_id},
        "decision_errors": {},
        "reviewer_errors": {},
        "budget": budget_panel(session, proposal, caps),
        "execution": execution_panel(session, proposal, user, caps),
        "attachments": list_attachments(
            session, proposal_id=id_of(proposal), user=user, page=PageParams(limit=200)
        )[0],
    }


def detail_page_context(
    session: Session, proposal: Proposal, user: User, settings: Settings
) -> dict[str, Any]:
    """detail_context with what the page's upload form needs from the settings."""
    context = detail_context(session, proposal, user)
    context["upload_limit_mb"] = settings.upload_max_bytes // (1024 * 1024)
    return context
