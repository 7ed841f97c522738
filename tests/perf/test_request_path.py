"""The short request path of the busiest reads (docs/benchmarks.md): routers that refuse
paths outside their routes at once, the detail read in one worker thread, statements built
once per kind of reader. Each shortcut must answer exactly as the long way did."""

from fastapi.routing import APIRouter
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Department
from app.models.enums import Role, Status
from app.routers import api, pages
from app.routers.routing import ScopedRouter, scope_router
from app.services import visibility
from tests.helpers import proposal_in


def test_each_router_knows_the_beginning_its_paths_share() -> None:
    routers = [module.router for module, _ in api.MODULES] + [m.router for m in pages.MODULES]
    assert all(isinstance(router, ScopedRouter) for router in routers)
    for router in routers:
        for route in router.routes:
            mounted = (api.PREFIX if router in [m.router for m, _ in api.MODULES] else "") + str(
                getattr(route, "path", "")
            )
            assert mounted.startswith(router.path_prefix), (mounted, router.path_prefix)
    proposals_router = next(m.router for m, _ in api.MODULES if m.__name__.endswith(".proposals"))
    assert proposals_router.path_prefix == "/api/v1/proposals"


def test_a_router_without_routes_in_common_keeps_its_own_prefix() -> None:
    router = APIRouter(prefix="/x")

    @router.get("/a")
    def a() -> None: ...

    @router.get("/b")
    def b() -> None: ...

    scope_router(router, mounted_at="/m")
    assert isinstance(router, ScopedRouter)
    assert router.path_prefix == "/m/x/"


def test_unknown_paths_and_methods_answer_as_before(client: TestClient, api_as, make_user) -> None:
    staff = api_as(make_user())
    assert staff.get("/api/v1/nowhere").status_code == 404
    assert staff.get("/api/v1/proposalsX").status_code == 404
    refused = staff.put("/api/v1/proposals/1")
    assert refused.status_code == 405
    assert refused.headers["Allow"] == "DELETE, GET, PATCH"
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/login").status_code == 200


def test_detail_without_credentials_is_401_before_its_id_is_checked(client: TestClient) -> None:
    for path in ("/api/v1/proposals/0", "/api/v1/proposals/1"):
        answer = client.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_detail_with_a_bad_token_is_401(client: TestClient) -> None:
    answer = client.get("/api/v1/proposals/1", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401


def test_detail_is_the_model_with_its_etag(api_as, make_user, session: Session) -> None:
    author = make_user()
    proposal = proposal_in(session, Status.draft, author=author)
    answer = api_as(author).get(f"/api/v1/proposals/{proposal.id}")
    assert answer.status_code == 200
    assert answer.headers["ETag"] == f'"{proposal.version}"'
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["id"] == proposal.id and body["author_id"] == author.id
    assert "submit" in body["allowed_actions"]


def test_the_statement_built_once_per_kind_of_reader_binds_each_readers_own_id(
    api_as, make_user, session: Session
) -> None:
    """Two staff members share one statement; each sees only their own draft."""
    first, second = make_user(), make_user()
    mine = proposal_in(session, Status.draft, author=first)
    theirs = proposal_in(session, Status.draft, author=second)
    as_first, as_second = api_as(first), api_as(second)
    assert as_first.get(f"/api/v1/proposals/{mine.id}").status_code == 200
    assert as_first.get(f"/api/v1/proposals/{theirs.id}").status_code == 404
    assert as_second.get(f"/api/v1/proposals/{theirs.id}").status_code == 200
    assert as_second.get(f"/api/v1/proposals/{mine.id}").status_code == 404
    assert visibility.Reader.of(first) == visibility.Reader.of(second)


def test_a_supervisor_binds_their_department(api_as, make_user, session: Session) -> None:
    """The supervisor's condition carries the department as a parameter: a submitted
    proposal of their own department is visible, one of another department is not."""
    author = make_user()
    other_author = make_user()
    supervisor = make_user(
        Role.supervisor, department=session.get(Department, author.department_id)
    )
    ours = proposal_in(session, Status.submitted, author=author)
    other = proposal_in(session, Status.submitted, author=other_author)
    reader = api_as(supervisor)
    assert reader.get(f"/api/v1/proposals/{ours.id}").status_code == 200
    assert reader.get(f"/api/v1/proposals/{other.id}").status_code == 404
