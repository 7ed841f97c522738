"""The people API: users (admin only) and departments (read by all, written by admins)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Department, User, UserRole
from app.models.enums import Role
from tests.conftest import PASSWORD


def counts(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return (
        session.exec(select(func.count()).select_from(User)).one(),
        session.exec(select(func.count()).select_from(UserRole)).one(),
        session.exec(select(func.count()).select_from(Department)).one(),
    )


def new_user_body(department: int, **overrides) -> dict:
    body = {
        "email": "new.person@test.example",
        "name": "新規 職員",
        "password": "a-long-password",
        "department_id": department,
        "roles": ["reviewer"],
    }
    body.update(overrides)
    return body


def test_admin_creates_a_user_who_can_then_sign_in(api_as, make_user, make_department) -> None:
    admin = make_user(Role.admin)
    department = make_department("保健相談課")
    api = api_as(admin)
    response = api.post(
        "/api/v1/users",
        json=new_user_body(
            department.id, employment_type="fiscal_year_appointed", position="事務補助員"
        ),
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["roles"] == ["staff", "reviewer"]
    assert created["employment_type"] == "fiscal_year_appointed"
    assert created["department_id"] == department.id
    assert response.headers["etag"] == '"1"'
    assert "password" not in created and "password_hash" not in created
    token = api.post(
        "/api/v1/auth/token",
        data={"username": "new.person@test.example", "password": "a-long-password"},
    )
    assert token.status_code == 200
    listed = api.get("/api/v1/users", params={"role": "reviewer"}).json()
    assert [u["email"] for u in listed["items"]] == ["new.person@test.example"]
    assert listed["total"] == 1 and listed["limit"] == 50 and listed["offset"] == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "admin1@test.example"}, "email"),  # taken (the admin's own e-mail)
        ({"email": "not-an-email"}, "email"),
        ({"roles": ["mayor"]}, "roles"),
        ({"department_id": 999_999}, "department_id"),
        ({"password": "short"}, "password"),
        ({"name": ""}, "name"),
        ({"name": "名前\x00"}, "name"),
        ({"status": "active"}, "status"),  # unknown field
        ({"employment_type": "contractor"}, "employment_type"),
    ],
)
def test_invalid_users_are_422_and_write_nothing(
    api_as, make_user, make_department, session: Session, overrides: dict, field: str
) -> None:
    admin = make_user(Role.admin, email="admin1@test.example")
    department = make_department()
    before = counts(session)
    response = api_as(admin).post("/api/v1/users", json=new_user_body(department.id, **overrides))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 422
    assert any(field in error["loc"] for error in problem["errors"]), problem
    assert all(error["msg"] for error in problem["errors"])
    assert counts(session) == before


def test_non_admins_cannot_use_the_admin_endpoints(api_as, make_user, session: Session) -> None:
    target = make_user()
    for role in (Role.secretariat, Role.reviewer, Role.finance, Role.supervisor, None):
        caller = make_user(*([role] if role else []))
        api = api_as(caller)
        before = counts(session)
        assert api.get("/api/v1/users").status_code == 403
        assert api.get(f"/api/v1/users/{target.id}").status_code == 403
        assert (
            api.post("/api/v1/users", json=new_user_body(caller.department_id)).status_code == 403
        )
        patched = api.patch(f"/api/v1/users/{target.id}", json={"name": "乗っ取り"})
        assert patched.status_code == 403
        created = api.post("/api/v1/departments", json={"code": "X1", "name": "架空課"})
        assert created.status_code == 403
        assert counts(session) == before


def test_forbidden_beats_invalid(api_as, make_user) -> None:
    staff = make_user()
    response = api_as(staff).post("/api/v1/users", json={"nonsense": True})
    assert response.status_code == 403


def test_anonymous_is_401_everywhere(client: TestClient) -> None:
    for method, path in [
        ("get", "/api/v1/users"),
        ("post", "/api/v1/users"),
        ("get", "/api/v1/departments"),
        ("get", "/api/v1/initiatives"),
        ("patch", "/api/v1/users/1"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 401, (method, path)


def test_patch_user_with_if_match(api_as, make_user, make_department) -> None:
    admin = make_user(Role.admin)
    target = make_user()
    department = make_department("建設課")
    api = api_as(admin)
    etag = api.get(f"/api/v1/users/{target.id}").headers["etag"]
    changed = api.patch(
        f"/api/v1/users/{target.id}",
        json={"department_id": department.id, "roles": ["supervisor"], "position": "課長"},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["roles"] == ["staff", "supervisor"]
    assert changed.json()["version"] == 2
    stale = api.patch(
        f"/api/v1/users/{target.id}", json={"name": "古い版"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert api.get(f"/api/v1/users/{target.id}").json()["name"] == target.name


def test_disabling_a_user_blocks_sign_in(api_as, make_user) -> None:
    admin = make_user(Role.admin)
    target = make_user()
    api = api_as(admin)
    assert api.patch(f"/api/v1/users/{target.id}", json={"is_active": False}).status_code == 200
    token = api.post("/api/v1/auth/token", data={"username": target.email, "password": PASSWORD})
    assert token.status_code == 401


def test_admin_cannot_lock_themselves_out(api_as, make_user) -> None:
    admin = make_user(Role.admin)
    api = api_as(admin)
    assert api.patch(f"/api/v1/users/{admin.id}", json={"roles": ["reviewer"]}).status_code == 422
    assert api.patch(f"/api/v1/users/{admin.id}", json={"is_active": False}).status_code == 422
    assert api.get("/api/v1/users/me").json()["roles"] == ["staff", "admin"]


def test_unknown_user_is_404(api_as, make_user) -> None:
    admin = make_user(Role.admin)
    response = api_as(admin).get("/api/v1/users/424242")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_departments_read_by_all_written_by_admin(
    api_as, make_user, make_department, session: Session
) -> None:
    make_department("総務課", code="010")
    staff = make_user()
    admin = make_user(Role.admin)
    listed = api_as(staff).get("/api/v1/departments").json()
    assert "総務課" in [d["name"] for d in listed["items"]]
    api = api_as(admin)
    created = api.post("/api/v1/departments", json={"code": "090", "name": "議会事務局"})
    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("code", "name")} == {"code": "090", "name": "議会事務局"}
    before = counts(session)
    duplicate = api.post("/api/v1/departments", json={"code": "090", "name": "別の課"})
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["loc"] == ["body", "code"]
    assert counts(session) == before
    renamed = api.patch(f"/api/v1/departments/{body['id']}", json={"name": "議会事務局（改）"})
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    assert api.patch(f"/api/v1/departments/{body['id']}", json={"code": "010"}).status_code == 422


def test_limit_above_200_is_422(api_as, make_user) -> None:
    admin = make_user(Role.admin)
    assert api_as(admin).get("/api/v1/users", params={"limit": 201}).status_code == 422
    assert api_as(admin).get("/api/v1/users", params={"limit": 200}).status_code == 200
