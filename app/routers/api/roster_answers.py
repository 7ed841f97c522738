"""The roster import's answers (API.md "Staff roster import"): the result, or the same
fields in a problem document (422) when a line is wrong; and how /openapi.json says so."""

from typing import Any

from fastapi.responses import JSONResponse

from app.i18n import N_
from app.i18n import gettext as _
from app.models.roster import RosterImportResult
from app.routers.api.problems import COMPONENTS, component, problems
from app.services.roster import ImportResult

ROSTER_INVALID = N_("名簿に誤りがあります（%(count)s件）。何も取り込んでいません。")

_COUNTS = ("created", "updated", "deactivated", "unchanged", "departments_created")
# A 422 is either the roster's problem document or a request FastAPI refused (no `file`):
# both are problem documents; the roster's adds the result's fields and each error's line.
_PROBLEM = COMPONENTS["Problem"]
_LINE_ERROR = component(
    "RosterLineError",
    {
        **COMPONENTS["ProblemError"],
        "title": "RosterLineError",
        "properties": {**COMPONENTS["ProblemError"]["properties"], "line": {"type": "integer"}},
    },
)
_IMPORT_PROBLEM = component(
    "RosterImportProblem",
    {
        "title": "RosterImportProblem",
        "type": "object",
        "required": _PROBLEM["required"],
        "properties": {
            **_PROBLEM["properties"],
            **{name: {"type": "integer"} for name in _COUNTS},
            "changes": {"type": "array", "items": {"$ref": "#/components/schemas/RosterChange"}},
            "errors": {"type": "array", "items": _LINE_ERROR},
        },
    },
)
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **problems(409, 413),
    422: {
        "description": "A line of the file is wrong (`errors` lists each with its `line`); "
        "nothing was applied",
        "content": {"application/problem+json": {"schema": _IMPORT_PROBLEM}},
    },
}


def import_answer(result: ImportResult) -> RosterImportResult | JSONResponse:
    """The result, or a 422 problem document with the same fields when it has errors."""
    body = RosterImportResult(
        **{name: getattr(result, name) for name in _COUNTS},
        changes=[
            {"employee_number": c.employee_number, "change": c.change, "fields": c.fields}
            for c in result.changes
        ],
        errors=[
            {"line": e.line, "loc": ("file", e.line), "msg": _(e.msg, **e.params)}
            for e in result.errors
        ],
    )
    if not result.errors:
        return body
    count = len(result.errors)
    problem = {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": _(ROSTER_INVALID, count=count),
        **body.model_dump(mode="json"),
    }
    return JSONResponse(problem, status_code=422, media_type="application/problem+json")
