"""/openapi.json as a contract a generator can use (docs/portal.md): every JSON 2xx answer
and every request body is a named schema, every `$ref` resolves, every error answer is the
one Problem component, and operation ids are `<tag>-<name>`, unique and pinned here so that
a rename is a deliberate change of the contract."""

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

OPERATION_ID = re.compile(r"^[a-z-]+-[a-z0-9-]+$")
REF = "#/components/schemas/"

# Every operation's id, as clients generated from the document name their methods.
OPERATION_IDS = {
    ("POST", "/api/v1/api-keys"): "api-keys-create",
    ("GET", "/api/v1/api-keys"): "api-keys-list",
    ("DELETE", "/api/v1/api-keys/{key_id}"): "api-keys-revoke",
    ("POST", "/api/v1/proposals/{proposal_id}/attachments"): "attachments-create",
    ("DELETE", "/api/v1/proposals/{proposal_id}/attachments/{attachment_id}"): (
        "attachments-delete"
    ),
    ("GET", "/api/v1/proposals/{proposal_id}/attachments/{attachment_id}"): (
        "attachments-download"
    ),
    ("GET", "/api/v1/proposals/{proposal_id}/attachments"): "attachments-list",
    ("PUT", "/api/v1/users/me/password"): "auth-change-password",
    ("POST", "/api/v1/auth/token"): "auth-create-token",
    ("POST", "/api/v1/auth/logout"): "auth-logout",
    ("GET", "/api/v1/users/me"): "auth-read-me",
    ("GET", "/api/v1/users/me/notification-settings"): "auth-read-notification-settings",
    ("PUT", "/api/v1/users/me/notification-settings"): "auth-put-notification-settings",
    ("POST", "/api/v1/users/{user_id}/invite"): "users-invite",
    ("GET", "/api/v1/auth/sessions"): "auth-read-sessions",
    ("POST", "/api/v1/auth/sessions/revoke-others"): "auth-revoke-other-sessions",
    ("DELETE", "/api/v1/auth/sessions/{session_id}"): "auth-revoke-session",
    ("POST", "/api/v1/proposals/{proposal_id}/budget/approve"): "budget-approve",
    ("POST", "/api/v1/proposals/{proposal_id}/budget/deny"): "budget-deny",
    ("GET", "/api/v1/exports/budget.csv"): "budget-export-csv",
    ("GET", "/api/v1/exports/budget.xlsx"): "budget-export-xlsx",
    ("PUT", "/api/v1/proposals/{proposal_id}/budget"): "budget-put",
    ("GET", "/api/v1/proposals/{proposal_id}/budget"): "budget-read",
    ("GET", "/api/v1/budget/queue"): "budget-read-queue",
    ("GET", "/api/v1/budget"): "budget-read-year",
    ("POST", "/api/v1/departments"): "departments-create",
    ("GET", "/api/v1/departments"): "departments-list",
    ("GET", "/api/v1/departments/{department_id}"): "departments-read",
    ("PATCH", "/api/v1/departments/{department_id}"): "departments-update",
    ("POST", "/api/v1/proposals/{proposal_id}/milestones"): "execution-create-milestone",
    ("POST", "/api/v1/proposals/{proposal_id}/progress"): "execution-create-progress",
    ("PATCH", "/api/v1/proposals/{proposal_id}/milestones/{milestone_id}"): (
        "execution-patch-milestone"
    ),
    ("GET", "/api/v1/execution/board"): "execution-read-board",
    ("GET", "/api/v1/proposals/{proposal_id}/milestones"): "execution-read-milestones",
    ("GET", "/api/v1/proposals/{proposal_id}/progress"): "execution-read-progress",
    ("DELETE", "/api/v1/proposals/{proposal_id}/milestones/{milestone_id}"): (
        "execution-remove-milestone"
    ),
    ("GET", "/api/v1/health"): "health-read",
    ("GET", "/api/v1/initiatives"): "initiatives-list",
    ("GET", "/api/v1/initiatives/{initiative_id}"): "initiatives-read",
    ("GET", "/api/v1/initiatives/suggest"): "initiatives-suggest",
    ("POST", "/api/v1/proposals/{proposal_id}/accept"): "proposals-accept",
    ("POST", "/api/v1/proposals/{proposal_id}/complete"): "proposals-complete",
    ("POST", "/api/v1/proposals"): "proposals-create",
    ("POST", "/api/v1/proposals/{proposal_id}/decide"): "proposals-decide",
    ("GET", "/api/v1/proposals"): "proposals-list",
    ("POST", "/api/v1/proposals/{proposal_id}/not-accept"): "proposals-not-accept",
    ("PUT", "/api/v1/proposals/{proposal_id}/supervisor-opinion"): (
        "proposals-put-supervisor-opinion"
    ),
    ("GET", "/api/v1/proposals/{proposal_id}"): "proposals-read",
    ("GET", "/api/v1/proposals/{proposal_id}/events"): "proposals-read-events",
    ("GET", "/api/v1/proposals/similar"): "proposals-read-similar",
    ("POST", "/api/v1/proposals/{proposal_id}/reopen-review"): "proposals-reopen-review",
    ("POST", "/api/v1/proposals/{proposal_id}/return"): "proposals-return",
    ("POST", "/api/v1/proposals/{proposal_id}/start"): "proposals-start",
    ("POST", "/api/v1/proposals/{proposal_id}/submit"): "proposals-submit",
    ("PATCH", "/api/v1/proposals/{proposal_id}"): "proposals-update",
    ("DELETE", "/api/v1/proposals/{proposal_id}"): "proposals-delete",
    ("POST", "/api/v1/proposals/{proposal_id}/withdraw"): "proposals-withdraw",
    ("GET", "/api/v1/exports/proposals.csv"): "reports-export-ledger-csv",
    ("GET", "/api/v1/exports/proposals.xlsx"): "reports-export-ledger-xlsx",
    ("GET", "/api/v1/open-data/proposals.csv"): "reports-read-open-data-csv",
    ("GET", "/api/v1/open-data/proposals.json"): "reports-read-open-data-json",
    ("POST", "/api/v1/rounds/{round_id}/reviewers"): "review-assign-round-reviewers",
    ("GET", "/api/v1/reviews/packet.pdf"): "review-export-packet-pdf",
    ("POST", "/api/v1/notifications/read-all"): "review-mark-all-notifications-read",
    ("POST", "/api/v1/notifications/{notification_id}/read"): "review-mark-notification-read",
    ("PUT", "/api/v1/proposals/{proposal_id}/reviews/mine"): "review-put-mine",
    ("PUT", "/api/v1/proposals/{proposal_id}/reviewers"): "review-put-reviewers",
    ("GET", "/api/v1/awards"): "review-read-awards",
    ("GET", "/api/v1/proposals/{proposal_id}/reviews/mine"): "review-read-mine",
    ("GET", "/api/v1/notifications"): "review-read-notifications",
    ("GET", "/api/v1/reviews/assigned"): "review-read-queue",
    ("GET", "/api/v1/ranking"): "review-read-ranking",
    ("GET", "/api/v1/proposals/{proposal_id}/reviewers"): "review-read-reviewers",
    ("GET", "/api/v1/proposals/{proposal_id}/reviews"): "review-read-reviews",
    ("GET", "/api/v1/rubric"): "review-read-rubric",
    ("POST", "/api/v1/proposals/{proposal_id}/recuse"): "review-recuse",
    ("PUT", "/api/v1/rubric"): "review-replace-rubric",
    ("POST", "/api/v1/rounds"): "rounds-create",
    ("GET", "/api/v1/rounds"): "rounds-list",
    ("GET", "/api/v1/stats"): "stats-read",
    ("POST", "/api/v1/users"): "users-create",
    ("POST", "/api/v1/users/import"): "users-import",
    ("GET", "/api/v1/users"): "users-list",
    ("GET", "/api/v1/users/{user_id}"): "users-read",
    ("PATCH", "/api/v1/users/{user_id}"): "users-update",
    ("POST", "/api/v1/webhooks"): "webhooks-create",
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): "webhooks-delete",
    ("GET", "/api/v1/webhooks"): "webhooks-list",
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): "webhooks-read-deliveries",
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): (
        "webhooks-redeliver"
    ),
}


@pytest.fixture(scope="module")
def document(settings, engine) -> dict[str, Any]:
    from app.main import create_app

    with TestClient(create_app(settings, engine)) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def refs(value: Any):
    """Every `$ref` anywhere in `value`."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            else:
                yield from refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)


def named(schema: dict[str, Any]) -> bool:
    """A `$ref` to a component, or an array of them (an envelope is a component itself)."""
    if set(schema) == {"$ref"}:
        return schema["$ref"].startswith(REF)
    return schema.get("type") == "array" and named(schema.get("items", {}))


def untyped_answers(document: dict[str, Any]) -> list[str]:
    found = []
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                answer = status.startswith("2") and "json" in media_type
                if answer and not named(content.get("schema", {})):
                    found.append(f"{method} {path} {status} {media_type}")
    return found


def unresolved_refs(document: dict[str, Any]) -> list[str]:
    schemas = document.get("components", {}).get("schemas", {})
    return sorted(
        {ref for ref in refs(document) if not (ref.startswith(REF) and ref[len(REF) :] in schemas)}
    )


def test_every_json_answer_is_a_named_schema(document) -> None:
    assert untyped_answers(document) == []


def test_the_check_finds_an_untyped_answer_and_a_dangling_ref(document) -> None:
    """The two checks above fail on the faults the issue found (not a test that cannot fail)."""
    broken = {
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "additionalProperties": True}
                                }
                            }
                        },
                        "201": {"content": {"application/json": {"schema": {}}}},
                    },
                    "requestBody": {"$ref": "#/$defs/Kind"},
                }
            }
        },
        "components": {"schemas": {}},
    }
    assert untyped_answers(broken) == [
        "GET /x 200 application/json",
        "GET /x 201 application/json",
    ]
    assert unresolved_refs(broken) == ["#/$defs/Kind"]


def test_every_ref_resolves(document) -> None:
    assert unresolved_refs(document) == []


def test_every_json_body_is_a_named_model(document) -> None:
    """A required body is a `$ref`; an optional one (an action without fields) is the
    model or null."""
    for method, path, operation in operations(document):
        body = operation.get("requestBody")
        if body is None:
            continue
        for media_type, content in body["content"].items():
            schema = content["schema"]
            if not body.get("required"):
                assert schema.get("anyOf", [])[1:] == [{"type": "null"}], (method, path)
                schema = schema["anyOf"][0]
            assert named(schema), (method, path, media_type)


def test_errors_are_the_problem_component(document) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["Problem"]["required"] == ["type", "title", "status", "detail"]
    assert schemas["ProblemError"]["required"] == ["loc", "msg"]
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                content = response.get("content", {})
                if "application/problem+json" in content:
                    schema = content["application/problem+json"]["schema"]
                    assert schema["$ref"] in (REF + "Problem", REF + "RosterImportProblem")
                else:  # the health check's 503 is its own answer, not a problem
                    assert (method, path, status) == ("GET", "/api/v1/health", "503")
    # Written once: no inline copy of it left anywhere.
    assert json.dumps(document).count('"title": "Problem"') == 1


def test_operation_ids_are_tag_dash_name_unique_and_pinned(document) -> None:
    ids = {(method, path): op["operationId"] for method, path, op in operations(document)}
    assert [i for i in ids.values() if not OPERATION_ID.match(i)] == []
    assert len(set(ids.values())) == len(ids)
    for (method, path), operation_id in ids.items():
        tag = document["paths"][path][method.lower()]["tags"][0]
        assert operation_id.startswith(f"{tag}-"), (method, path)
    assert ids == OPERATION_IDS
