"""The confirmation step of the irreversible actions (提出, 受理, 決定, 完了報告): what will
happen and the key facts, with the real form post (issue 17). It works without JavaScript:
submit and accept have a page of their own (GET …/actions/<action>/confirm); decide and
complete post their form once, get this step in its place, and post again with
`confirmed=1`."""

from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlmodel import Session

from app import rules
from app.i18n import N_
from app.i18n import gettext as _
from app.models import Department
from app.models.enums import OUTCOME_STATUS
from app.models.execution import CompleteBody
from app.models.proposal import DecideBody
from app.rules import Action
from app.services.decisions import outcome_label
from app.templating import env

# The actions whose buttons lead to a confirmation page first.
CONFIRMED_ACTIONS = frozenset({Action.submit, Action.accept})

TITLES = {
    Action.submit: N_("提出の確認"),
    Action.accept: N_("受理の確認"),
    Action.decide: N_("審査結果の決定の確認"),
    Action.complete: N_("完了報告の確認"),
}
BUTTONS = {
    Action.submit: N_("提出する"),
    Action.accept: N_("受理する"),
    Action.decide: N_("決定する"),
    Action.complete: N_("完了報告を登録する"),
}
EFFECTS = {
    Action.submit: (
        N_("事務局に提出され、受付を待ちます。所属長に意見を求めるお知らせが届きます。"),
        N_("提出した後は、差し戻されない限り内容を編集できません。"),
    ),
    Action.accept: (
        N_("この年度の提案番号が付き、提案は審査中になります。"),
        N_("受理は取り消せません。提案者にお知らせします。"),
    ),
    Action.decide: (
        N_("提案者と共同提案者に、結果と理由をお知らせします。"),
        N_("決定した結果は取り消せません（保留の場合のみ、再審査に戻せます）。"),
    ),
    Action.complete: (
        N_("提案は「完了」になり、実績が確定します。提案者にお知らせします。"),
        N_("登録した完了報告は変更できません。"),
    ),
}


@dataclass
class Confirmation:
    action: str
    title: str
    button: str
    url: str
    to_status: str
    effects: list[str]
    facts: list[tuple[str, str]] = field(default_factory=list)
    hidden: list[tuple[str, str]] = field(default_factory=list)
    cancel: str = ""
    edit: bool = False  # "戻って修正する" posts back to the form with what was typed


def _to_status(action: Action, data: BaseModel | None) -> str:
    if isinstance(data, DecideBody):
        return OUTCOME_STATUS[data.outcome].value
    (target,) = rules.TRANSITIONS[action].targets
    return str(target)


def confirmation(
    action: Action,
    *,
    url: str,
    hidden: list[tuple[str, str]],
    facts: list[tuple[str, str]] | None = None,
    cancel: str = "",
    edit: bool = False,
    data: BaseModel | None = None,
) -> Confirmation:
    """The step for `action`: posting `hidden` (with confirmed=1) to `url` takes it; `data`
    is the validated body where the outcome picks the status (decide)."""
    return Confirmation(
        action=action.value,
        title=_(TITLES[action]),
        button=_(BUTTONS[action]),
        url=url,
        to_status=_to_status(action, data),
        effects=[_(line) for line in EFFECTS[action]],
        facts=facts or [],
        hidden=hidden,
        cancel=cancel,
        edit=edit,
    )


def decision_facts(
    session: Session, data: BaseModel, awards: dict[str, str]
) -> list[tuple[str, str]]:
    """What the decision says (lifecycle.preflight's DecideBody), as the confirmation shows it."""
    assert isinstance(data, DecideBody)
    department_id = data.implementing_department_id
    department = session.get(Department, department_id) if department_id else None
    award = data.award
    return [
        (_("審査結果"), _(outcome_label(data.outcome))),
        (_("理由"), data.reason),
        (_("賞"), awards.get(award, award) if award else _("なし")),
        (_("実施担当課"), department.name if department else _("未定")),
        (
            _("削減目標時間（時間／年）"),
            env.filters["hours"](data.target_hours_saved_per_year_hours),
        ),
        (_("削減目標額（円／年）"), env.filters["yen"](data.target_savings_yen_per_year)),
    ]


def completion_facts(data: BaseModel) -> list[tuple[str, str]]:
    """What the completion report says (a CompleteBody), as the confirmation shows it."""
    assert isinstance(data, CompleteBody)
    measured = data.measured_on
    return [
        (_("実施内容の報告"), data.report),
        (_("実際にかかった経費（円・一回限り）"), env.filters["yen"](data.actual_cost_yen)),
        (
            _("削減できた時間（時間／年）"),
            env.filters["hours"](data.actual_hours_saved_per_year_hours),
        ),
        (_("削減できた金額（円／年）"), env.filters["yen"](data.actual_savings_yen_per_year)),
        (_("効果の測定日"), env.filters["wareki_date"](measured) if measured else _("今日")),
    ]
