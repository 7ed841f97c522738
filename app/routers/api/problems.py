"""The error answers of the API as /openapi.json documents them: RFC 9457 problem
documents (`application/problem+json`, API.md "Conventions"), one entry per status an
operation can give, each a `$ref` to the one `Problem` component. Routers pass
`problems(...)` as `responses=`; a 422 given here also replaces FastAPI's own
HTTPValidationError, which is not what the API sends."""

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

REF = "#/components/schemas/{model}"


class ProblemError(BaseModel):
    """One invalid value: where (`["body", "title"]`, `["query", "limit"]`) and why."""

    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem document; `errors` lists the values at fault (400, 422)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = Field(default=None)


def _components() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template=REF)
    definitions = schema.pop("$defs")
    # `errors` is absent, not null, when there is nothing to list.
    schema["properties"]["errors"] = {
        "type": "array",
        "items": {"$ref": REF.format(model="ProblemError")},
    }
    return {"Problem": schema, **definitions}


# Registered by with_problem_components (FastAPI only registers the models it serialises,
# and would then also list them under application/json, which is not what the API sends).
COMPONENTS = _components()
PROBLEM_REF = {"$ref": REF.format(model="Problem")}


def component(name: str, schema: dict[str, Any]) -> dict[str, str]:
    """Registers another problem schema (the roster import's) as a component; its `$ref`."""
    COMPONENTS[name] = schema
    return {"$ref": REF.format(model=name)}


def with_problem_components(document: dict[str, Any]) -> dict[str, Any]:
    """Adds the Problem schemas that every error answer points at to `document`."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(COMPONENTS)
    return document


DESCRIPTIONS = {
    400: "Malformed request (a body that is not JSON)",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found, or not visible to the caller",
    409: "Not allowed in the current status (`detail` names the status and the allowed actions)",
    412: "Stale `If-Match`",
    413: "Upload too large",
    415: "Upload type refused",
    422: "Invalid field values (`errors` lists each as `{loc, msg}`)",
    429: "Too many attempts",
    503: "Unavailable",
}

# What every signed-in operation can answer: bad JSON, no (or a revoked) token, invalid
# values. Routers add 403, 404, 409 and 412 where they apply.
SIGNED_IN = (400, 401, 422)
# The proposal's own resources: also hidden (404), refused (403), in the wrong status
# (409) or stale (412).
PROPOSAL_WRITE = (*SIGNED_IN, 403, 404, 409, 412)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for these statuses, each a problem document."""
    return {
        code: {
            "description": DESCRIPTIONS[code],
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        }
        for code in sorted(set(statuses))
    }


def openapi_with_problems(app: Any) -> Callable[[], dict[str, Any]]:
    """`app.openapi` that also registers the Problem components (main.py installs it)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        return with_problem_components(build())

    return openapi
