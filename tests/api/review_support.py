"""The review API tests' shared builders (test_review_*.py, and the integrity and webhook
tests): a world of authors, reviewers and the secretariat, an app on other settings, and
the steps a proposal takes through the API (created, submitted and accepted by their real
actors)."""

from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.main import create_app
from app.models import (
    Notification,
    Proposal,
    ProposalEvent,
    Review,
    ReviewAssignment,
    RubricVersion,
    User,
)
from app.models.enums import Role
from tests.conftest import bearer_token
from tests.helpers import COMPLETE

API = "/api/v1"
CODES = ("effectiveness", "feasibility", "economy", "originality", "applicability", "effort")
LEVEL_TEXTS = ["劣る", "やや劣る", "普通", "良い", "特に良い"]
# The default rubric of DESIGN.md, as migration 0005 seeds it.
DEFAULT_RUBRIC = [
    ("effectiveness", "効果性", 30),
    ("feasibility", "実現性", 20),
    ("economy", "経済性", 15),
    ("originality", "独創性", 15),
    ("applicability", "応用性（横展開）", 10),
    ("effort", "努力度", 10),
]
AUTHOR_NAME = "山田花子"
AUTHOR_DEPARTMENT = "住民課"


# -- shared builders ----------------------------------------------------------------------


@pytest.fixture
def world(api_as, make_user, make_department) -> SimpleNamespace:
    """An author (named, in a named department), the secretariat and three reviewers, each
    in a department of their own."""
    department = make_department(name=AUTHOR_DEPARTMENT)
    author = make_user(name=AUTHOR_NAME, department=department)
    secretariat = make_user(Role.secretariat, name="事務局員")
    reviewers = [make_user(Role.reviewer, name=f"審査委員{c}") for c in "ABCD"]
    clients: dict[int, TestClient] = {}

    def api(user: User) -> TestClient:
        if user.id not in clients:
            clients[user.id] = api_as(user)
        return clients[user.id]

    return SimpleNamespace(
        department=department,
        author=author,
        secretariat=secretariat,
        reviewers=reviewers,
        a=reviewers[0],
        b=reviewers[1],
        c=reviewers[2],
        d=reviewers[3],
        api=api,
        sec=api(secretariat),
    )


@pytest.fixture
def app_with(settings, db_engine) -> Iterator[Callable[..., Callable[[User], TestClient]]]:
    """An app on other settings (each app has its own review policy: app.state.policy)."""
    clients: list[TestClient] = []

    def make(**overrides) -> Callable[[User], TestClient]:
        app = create_app(settings.model_copy(update=overrides), engine=db_engine)

        def login(user: User) -> TestClient:
            client = TestClient(app)
            client.headers["Authorization"] = f"Bearer {bearer_token(db_engine, settings, user)}"
            clients.append(client)
            return client

        return login

    yield make
    for client in clients:
        client.close()


def scores(*levels) -> dict:
    return dict(zip(CODES, levels, strict=True))


def draft(author_api: TestClient, **fields) -> int:
    body = {"title": "窓口予約システムの導入", **COMPLETE, **fields}
    response = author_api.post(f"{API}/proposals", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def submitted(author_api: TestClient, **fields) -> int:
    pid = draft(author_api, **fields)
    response = author_api.post(f"{API}/proposals/{pid}/submit", json={})
    assert response.status_code == 200, response.text
    return pid


def in_review(author_api: TestClient, secretariat_api: TestClient, **fields) -> int:
    """A proposal written, submitted and accepted through the API."""
    pid = submitted(author_api, **fields)
    response = secretariat_api.post(f"{API}/proposals/{pid}/accept", json={})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "in_review"
    return pid


def assign(secretariat_api: TestClient, pid: int, *reviewers: User) -> dict:
    response = secretariat_api.put(
        f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [r.id for r in reviewers]}
    )
    assert response.status_code == 200, response.text
    return response.json()


def score(api: TestClient, pid: int, *levels, comment: str = "妥当な提案です。") -> dict:
    response = api.put(
        f"{API}/proposals/{pid}/reviews/mine",
        json={"scores": scores(*levels), "comment": comment},
    )
    assert response.status_code == 200, response.text
    return response.json()


def decide(secretariat_api: TestClient, pid: int, **body):
    return secretariat_api.post(f"{API}/proposals/{pid}/decide", json=body)


def get(api: TestClient, pid: int) -> dict:
    response = api.get(f"{API}/proposals/{pid}")
    assert response.status_code == 200, response.text
    return response.json()


def written(session: Session, pid: int | None = None) -> tuple:
    """Everything a failed request must leave as it was."""
    session.expire_all()

    def count(model) -> int:
        return session.exec(select(func.count()).select_from(model)).one()

    state: tuple = (
        count(ProposalEvent),
        count(Review),
        count(Notification),
        tuple(
            (a.proposal_id, a.reviewer_id, a.active, a.recused_at is None)
            for a in session.exec(select(ReviewAssignment).order_by(col(ReviewAssignment.id)))
        ),
        tuple(
            (r.reviewer_id, tuple(sorted(r.scores.items())), r.total, r.rubric_version_id)
            for r in session.exec(select(Review).order_by(col(Review.id)))
        ),
        count(RubricVersion),
    )
    if pid is not None:
        p = session.get(Proposal, pid)
        state += (
            p.version,
            p.status,
            p.score,
            p.reviews_in,
            p.reviewers_assigned,
            p.needs_discussion,
            p.outcome,
            p.decision_reason,
            p.award,
            p.decided_at,
        )
    return state


def errors_of(response) -> list[dict]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()["errors"]
