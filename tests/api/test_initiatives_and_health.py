"""GET /initiatives (the plan's 12), /health, and the problem+json shape of errors."""

import json
import os

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from app.config import BASE_DIR
from app.main import create_app
from app.models.enums import Role


def test_initiatives_are_the_plans_twelve(api_as, make_user) -> None:
    staff = make_user()
    response = api_as(staff).get("/api/v1/initiatives")
    assert response.status_code == 200
    body = response.json()
    plan = json.loads((BASE_DIR / "app" / "data" / "dx_initiatives.json").read_text("utf-8"))
    assert body["total"] == 12 and body["limit"] == 50 and body["offset"] == 0
    assert [(i["number"], i["title"], i["summary"]) for i in body["items"]] == [
        (p["number"], p["title"], p["summary"]) for p in plan["initiatives"]
    ]
    assert set(body["items"][0]) >= {"id", "number", "title", "summary"}
    page = api_as(staff).get("/api/v1/initiatives", params={"limit": 5, "offset": 10}).json()
    assert [i["number"] for i in page["items"]] == [11, 12]


def test_health_ok(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_503_when_database_unreachable(settings, tmp_path) -> None:
    """The worker starts with the database down (and an old upload the start-up sweep
    would look up), and says so."""
    uploads = tmp_path / "uploads"
    (uploads / "7").mkdir(parents=True)
    leftover = uploads / "7" / "old-file"
    leftover.write_bytes(b"x")
    os.utime(leftover, (0, 0))
    dead = create_engine("postgresql+psycopg://nobody:x@127.0.0.1:1/none", pool_pre_ping=False)
    app = create_app(settings.model_copy(update={"upload_dir": uploads}), engine=dead)
    with TestClient(app) as client:
        response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_unknown_api_path_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()) == {"type", "title", "status", "detail"}


def test_malformed_json_is_400_problem_json(api_as, make_user) -> None:
    admin = make_user(Role.admin)
    response = api_as(admin).post(
        "/api/v1/departments", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 400


def test_unexpected_errors_are_500_problem_json(settings, db_engine) -> None:
    app = create_app(settings, engine=db_engine)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "kaboom" not in response.text


def test_openapi_lists_the_contract(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/users/me",
        "/api/v1/users",
        "/api/v1/departments",
        "/api/v1/initiatives",
        "/api/v1/health",
    ):
        assert path in paths
    assert not any(p.startswith("/admin") or p == "/login" for p in paths)
