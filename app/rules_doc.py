"""Writes docs/rules.md from the rulebook (app/rules/), so the document a maintainer or
the secretariat reads is the table the code runs: `python -m app rules-doc`. A test fails
when the file is not what this module renders."""

import ast
import inspect
from pathlib import Path

from app import rules
from app.models.enums import STATUS_LABELS, Status
from app.rules import statuses
from app.services import visibility

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def _group_comments() -> dict[str, str]:
    """The `#:` comment above each status group in app/rules/statuses.py."""
    source = inspect.getsource(statuses)
    lines = source.splitlines()
    comments: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            above = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
            if above.startswith("#:"):
                comments[node.targets[0].id] = above.removeprefix("#:").strip()
    return comments


def _statuses(group: frozenset) -> str:
    ordered = [s for s in Status if s in group]
    return ", ".join(f"`{s.value}` ({STATUS_LABELS[s]})" for s in ordered) or "—"


def _names(group: frozenset) -> str:
    return ", ".join(f"`{member.value}`" for member in sorted(group, key=str)) or "—"


def render() -> str:
    comments = _group_comments()
    out = [
        "# The rulebook (規程): what may happen to a proposal, and who may do it",
        "",
        "Generated from `app/rules/` by `python -m app rules-doc`; do not edit by hand",
        "(`tests/lifecycle/test_rulebook.py` fails when this file is stale).",
        "",
        "Every check in the services, every `allowed_actions` in the API and every form on",
        "the pages is computed from these tables (`rules.capabilities`). A refused request",
        "is answered in this order: 404 when the user may not see the proposal, 403 when",
        "the rule never lets this user do it, 422 for a bad body (a missing reason, a",
        "confirmation the action asks for and the body did not give…), 409",
        "when the status or a guard does not allow it now (the message names the status and",
        "what is allowed), 412 when `If-Match` names an older version.",
        "",
        "## Status groups",
        "",
        "| group | statuses | meaning |",
        "|---|---|---|",
    ]
    for name, value in vars(statuses).items():
        if name in comments and isinstance(value, frozenset) and value <= set(Status):
            out.append(f"| `{name}` | {_statuses(value)} | {comments[name]} |")
    out += ["", "Budget records (予算) have their own groups:", ""]
    out += ["| group | budget statuses | meaning |", "|---|---|---|"]
    for name, value in vars(statuses).items():
        if name.startswith("BUDGET_") and name in comments and isinstance(value, frozenset):
            out.append(f"| `{name}` | {_names(value)} | {comments[name]} |")
    out += [
        "",
        "## Transitions (the lifecycle actions)",
        "",
        "`POST /api/v1/proposals/{id}/<action>` (approve-budget: `…/budget/approve`).",
        "",
        "| action | from | to | who | reason | also needs | asks to confirm |",
        "|---|---|---|---|---|---|---|",
    ]
    for action, t in rules.TRANSITIONS.items():
        guards = "; ".join(g.explained for g in t.guards) or "—"
        confirms = "; ".join(c.explained for c in t.confirms) or "—"
        out.append(
            f"| `{action.value}` | {_statuses(t.sources)} | {_statuses(t.targets)} | "
            f"{rules.WHO_LABELS[t.who]} | {t.reason.value} | {guards} | {confirms} |"
        )
    out += [
        "",
        "## Activities (changes that keep the status)",
        "",
        "| activity | while | who |",
        "|---|---|---|",
    ]
    for activity, rule in rules.ACTIVITIES.items():
        extra = f" with the budget record {_names(rule.waiting)}" if rule.waiting else ""
        out.append(
            f"| `{activity.value}` | {_statuses(rule.statuses)}{extra} | "
            f"{rules.WHO_LABELS[rule.who]} |"
        )
    out += [
        "",
        "## The review policy (settings)",
        "",
        "| setting | default | what it decides |",
        "|---|---|---|",
        "| `BLIND_REVIEW` | true | reviewers do not see the authors, co-authors or their "
        "department |",
        "| `REVIEW_EXCLUDE_SAME_DEPARTMENT` | true | nobody reviews a proposal from their own "
        "department |",
        "| `REVIEW_SPREAD_MARGIN` | 20 | totals further apart than this flag 要協議 |",
        "| `DECISION_REQUIRES_REVIEW` | true | `decide` needs at least one completed review |",
        "| `AWARDS` | 最優秀賞, 優秀賞, 佳作, 奨励賞 | the awards a decision may give |",
        "",
        "## Who sees a proposal",
        "",
        inspect.cleandoc(visibility.__doc__ or "").split("\n\n", 1)[1],
        "",
    ]
    return "\n".join(out)


def write(path: Path = DOC_PATH) -> Path:
    path.write_text(render(), encoding="utf-8")
    return path
