"""Issue 16: one rulebook. docs/rules.md is what app/rules/ says; no status rule lives
anywhere else; the capabilities agree with the checks the services make."""

import re
from pathlib import Path

import pytest

from app import rules
from app.errors import Forbidden, InvalidTransition
from app.models import Proposal, User
from app.models.enums import BudgetStatus, Role, Status
from app.rules import Action, Activity
from app.rules_doc import DOC_PATH, render
from tests.helpers import proposal_in

APP = Path(__file__).resolve().parents[2] / "app"

# A comparison with a status, or a SQL IN on one. `from_status`, `status_code` and the like
# are other words.
STATUS_RULE = re.compile(
    r"\bstatus\s*(==|!=)|\bstatus\)?\s+(not\s+)?in\b|\bstatus\)?\.(not_)?in_\("
)
# What may compare a status outside the rulebook, and why.
NOT_RULES = {
    ("services/concurrency.py", "Proposal.status == (from_status"): "the optimistic lock's "
    "WHERE: the row still has the status that was read",
    ("templates/errors/error.html", "status == 403"): "an HTTP status",
    ("templates/pages/admin/users.html", 'filters.status == "active"'): "an account filter",
    ("templates/pages/admin/users.html", 'filters.status == "inactive"'): "an account filter",
    ("templates/pages/proposals/list.html", "filters.status == s.value"): "the chosen filter",
    ("templates/pages/proposals/list.html", "f.status in STATUSES"): "the chosen filter",
}


def test_docs_rules_md_is_generated_from_the_rulebook() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render(), (
        "docs/rules.md is stale: run `python -m app rules-doc`"
    )


def test_no_status_rule_outside_the_rulebook() -> None:
    found = []
    for path in sorted([*APP.rglob("*.py"), *APP.rglob("*.html")]):
        name = path.relative_to(APP).as_posix()
        if name.startswith("rules/") or name == "rules_doc.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if STATUS_RULE.search(line) and not any(
                name == allowed and snippet in line for allowed, snippet in NOT_RULES
            ):
                found.append(f"app/{name}:{number}: {line.strip()}")
    assert found == [], "status rules belong in app/rules/:\n" + "\n".join(found)


def test_the_rulebook_imports_no_service() -> None:
    for path in (APP / "rules").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        imports = re.findall(r"^(?:from|import) (\S+)", source, flags=re.M)
        assert imports, path
        allowed = ("app.models", "app.rules", "app.errors", "app.i18n", "app.config")
        assert all(
            name.startswith(allowed) or "." not in name or not name.startswith("app")
            for name in imports
        ), (path, imports)


@pytest.fixture
def people(make_user) -> dict[str, User]:
    return {
        "author": make_user(),
        "secretariat": make_user(Role.secretariat),
        "finance": make_user(Role.finance),
        "supervisor": make_user(Role.supervisor),
        "other": make_user(),
    }


def _proposal(status: Status, author: User, **fields) -> Proposal:
    return Proposal(
        id=1,
        title="t",
        status=status.value,
        author_id=author.id,
        department_id=author.department_id,
        implementing_department_id=author.department_id,
        fiscal_year=2026,
        round_id=1,
        **fields,
    )


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("activity", list(Activity))
def test_capabilities_agree_with_the_service_checks(people, status, activity) -> None:
    """For every status, activity and person: `capabilities` offers exactly what
    check_allowed + check_open let through (assigned reviewer: the author stands in)."""
    proposal = _proposal(status, people["author"], budget_status=BudgetStatus.requested.value)
    for who, user in people.items():
        facts = rules.Facts(assigned_reviewer=who == "author")
        offered = rules.capabilities(proposal, user, facts).can(activity)
        try:
            rules.check_allowed(activity, proposal, user, facts)
            rules.check_open(activity, proposal)
            allowed = rules.is_open(activity, proposal)  # the budget record's own state
        except (Forbidden, InvalidTransition):
            allowed = False
        assert offered == allowed, (who, status, activity)


@pytest.mark.parametrize("status", list(Status))
def test_allowed_actions_are_the_ones_check_status_lets_through(people, status) -> None:
    proposal = _proposal(status, people["author"], budget_status=BudgetStatus.requested.value)
    facts = rules.Facts()
    for user in people.values():
        caps = rules.capabilities(proposal, user, facts)
        for action in Action:
            try:
                rules.check_can_attempt(action, proposal, user)
                rules.check_status(action, proposal, user, facts)
                allowed = True
            except (Forbidden, InvalidTransition):
                allowed = False
            assert caps.may(action) == allowed, (user.email, status, action)


def test_the_decision_guard_reads_the_policy_it_is_given(people) -> None:
    proposal = _proposal(Status.in_review, people["author"], reviews_in=0)
    secretariat = people["secretariat"]
    strict = rules.Facts(policy=rules.ReviewPolicy(decision_requires_review=True))
    lenient = rules.Facts(policy=rules.ReviewPolicy(decision_requires_review=False))
    assert not rules.capabilities(proposal, secretariat, strict).may(Action.decide)
    assert rules.capabilities(proposal, secretariat, lenient).may(Action.decide)
    with pytest.raises(InvalidTransition) as refused:
        rules.check_status(Action.decide, proposal, secretariat, strict)
    assert refused.value.detail == rules.NEEDS_A_REVIEW


@pytest.mark.parametrize("status", [Status.submitted, Status.adopted, Status.in_progress])
def test_the_proposal_page_asks_the_rulebook_once(
    session, make_user, page_as, monkeypatch, status
) -> None:
    """Every panel of the page reads one Capabilities (the buttons, the forms, the budget,
    review and execution panels), computed once per request."""
    secretariat = make_user(Role.secretariat)
    proposal = proposal_in(session, status, author=make_user())
    calls = []
    real = rules.capabilities

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(rules, "capabilities", counted)
    page = page_as(secretariat)
    assert page.get(f"/proposals/{proposal.id}").status_code == 200
    assert len(calls) == 1
