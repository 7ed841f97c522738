"""The rubric (評価基準): everyone may read it, the secretariat edits it. Each edit makes
a new version; past reviews keep theirs."""

import unicodedata
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.deps import PageUser, SessionDep
from app.errors import Invalid
from app.htmx import redirect, render
from app.i18n import gettext as _
from app.models import User
from app.models.enums import Role
from app.models.review import LEVELS, RubricIn
from app.services import rubric as rubric_service
from app.templating import flash
from app.validation import translate_error, validate_body

router = APIRouter()
MAX_ROWS = 30
ROW_FIELDS = ("code", "label", "weight", "description")


def _rows_of(criteria) -> list[dict[str, Any]]:
    rows = [
        {
            "code": c.code,
            "label": c.label,
            "weight": str(c.weight),
            "description": c.description,
            "levels": list(c.levels),
        }
        for c in criteria
    ]
    return [*rows, _empty_row()]


def _empty_row() -> dict[str, Any]:
    return {"code": "", "label": "", "weight": "", "description": "", "levels": [""] * LEVELS}


def _context(session: Session, user: User, **extra: Any) -> dict[str, Any]:
    version, criteria = rubric_service.current_rubric(session)
    context = {
        "version": version,
        "criteria": criteria,
        "can_edit": user.has_role(Role.secretariat),
        "rows": _rows_of(criteria),
        "errors": {},
        "weight_total": sum(c.weight for c in criteria),
    }
    context.update(extra)
    return context


@router.get("/rubric")
def rubric_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """評価基準: the current criteria with their level texts (the secretariat edits)."""
    return render(request, "pages/review/rubric.html", _context(session, user))


def _read_rows(form) -> list[dict[str, Any]]:
    """Every row of the form as typed (the form numbers them 0…)."""
    count = form.get("row_count")
    count = min(int(count), MAX_ROWS) if isinstance(count, str) and count.isdigit() else 0
    rows = []
    for i in range(count):
        row: dict[str, Any] = {}
        for name in ROW_FIELDS:
            value = form.get(f"{name}-{i}")
            row[name] = value.strip() if isinstance(value, str) else ""
        row["levels"] = []
        for n in range(1, LEVELS + 1):
            value = form.get(f"level-{i}-{n}")
            row["levels"].append(value if isinstance(value, str) else "")
        rows.append(row)
    return rows


def _criterion(row: dict[str, Any]) -> dict[str, Any]:
    weight = unicodedata.normalize("NFKC", row["weight"]).strip()
    return {
        "code": row["code"],
        "label": row["label"],
        "weight": int(weight) if weight.isdigit() else weight,
        "description": row["description"],
        "levels": row["levels"],
    }


def _errors(exc: Invalid, positions: list[int]) -> dict[str, str]:
    """Errors by "<row>-<field>" (form rows, not criteria indexes), or "criteria"."""
    result: dict[str, str] = {}
    for error in map(translate_error, exc.errors or []):
        loc = [part for part in error["loc"] if part != "body"]
        if len(loc) >= 3 and loc[0] == "criteria" and isinstance(loc[1], int):
            key = f"{positions[loc[1]]}-{loc[2]}"
        elif loc and loc[0] == "criteria":
            key = "criteria"
        else:
            key = "__all__"
        result.setdefault(key, error["msg"])
    return result or {"__all__": _(exc.detail, **exc.params)}


@router.post("/rubric")
async def save_rubric(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Save the edited rubric as a new version (rows with no code are left out)."""
    rows = _read_rows(await request.form())
    positions = [i for i, row in enumerate(rows) if row["code"]]
    body = {"criteria": [_criterion(rows[i]) for i in positions]}
    rubric_service.check_rubric_editor(user)  # 403 before the form's 422, as the API's gate
    try:
        version = rubric_service.replace_rubric(
            session, body=validate_body(RubricIn, body), user=user
        )
    except Invalid as exc:
        if not rows or any(rows[-1][name] for name in ("code", "label")):
            rows.append(_empty_row())
        total = sum(c["weight"] for c in body["criteria"] if isinstance(c["weight"], int))
        context = _context(
            session, user, rows=rows, errors=_errors(exc, positions), weight_total=total
        )
        return render(
            request, "pages/review/rubric.html", context, block="rubric_form", status_code=422
        )
    flash(
        request,
        _(
            "評価基準を第%(version)s版として保存しました。これまでの採点は、採点したときの版のまま残ります。",
            version=version.version,
        ),
    )
    return redirect(request, "/rubric")
