"""The error answers of the API as /openapi.json documents them: RFC 9457 problem
documents (`application/problem+json`, API.md "Conventions"), one entry per status an
operation can give. Routers pass `problems(...)` as `responses=`; a 422 given here also
replaces FastAPI's own HTTPValidationError, which is not what the API sends."""

from typing import Any

# Inline rather than a component: FastAPI only registers components for models it
# serialises, and would then also list them under application/json.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                },
            },
        },
    },
}

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
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
        }
        for code in sorted(set(statuses))
    }
