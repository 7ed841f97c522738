"""Issue 13 as the portal lives it (docs/portal.md): a Python client generated from the live
/openapi.json by a standard generator (openapi-python-client, the `dev` extra) drives the
portal's scenario against a running server — an admin makes a service key and a webhook,
the key lists adopted proposals, reads one and reads the figures, and a status change
reaches a real local HTTP receiver, signed, checked with the example of docs/portal.md.
Also: the scopes table of docs/portal.md is SCOPE_ROUTES."""

import importlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import BASE_DIR, Settings
from app.main import create_app
from app.models.enums import Role, Status
from app.services.api_keys import SCOPE_ROUTES
from tests.conftest import PASSWORD
from tests.helpers import proposal_in
from tests.live import live_server
from tests.webhooks.conftest import SECRET

PORTAL_DOC = BASE_DIR / "docs" / "portal.md"
PACKAGE = "teian_portal_client"
MODULES = (
    "client",
    "models",
    "api.auth.auth_create_token",
    "api.api_keys.api_keys_create",
    "api.webhooks.webhooks_create",
    "api.proposals.proposals_list",
    "api.proposals.proposals_read",
    "api.proposals.proposals_accept",
    "api.stats.stats_read",
)


@pytest.fixture(scope="session")
def generated(tmp_path_factory, settings: Settings, engine) -> Iterator[SimpleNamespace]:
    """The client package generated once per test session from the served document (in
    a temporary folder of the session: about 3 s), with its modules imported."""
    with TestClient(create_app(settings, engine)) as client:
        document = client.get("/openapi.json").json()
    folder = tmp_path_factory.mktemp("portal_client")
    (folder / "openapi.json").write_text(json.dumps(document), "utf-8")
    # docs/portal.md's config: a PDF (the review packet) is binary, as octet-stream is.
    (folder / "config.yaml").write_text(
        f"package_name_override: {PACKAGE}\npost_hooks: []\n"
        "content_type_overrides:\n  application/pdf: application/octet-stream\n"
    )
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator, "openapi-python-client is in the dev extra: run make install"
    command = [generator, "generate", "--path", "openapi.json", "--config", "config.yaml"]
    done = subprocess.run(
        [*command, "--meta", "none", "--output-path", PACKAGE],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # A schema the generator could not read is left out with a warning: none may be.
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        modules = {
            name.split(".")[-1]: importlib.import_module(f"{PACKAGE}.{name}") for name in MODULES
        }
        yield SimpleNamespace(document=document, **modules)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def portal_example() -> dict:
    """The webhook signature example of docs/portal.md, executed: its namespace."""
    text = PORTAL_DOC.read_text("utf-8")
    section = text[text.index("## 3.") : text.index("## 4.")]
    [code] = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(code.strip().splitlines()) <= 12  # a short example, as the issue asks
    namespace: dict = {}
    exec(compile(code, str(PORTAL_DOC), "exec"), namespace)
    return namespace


def test_the_portal_scenario_through_a_generated_client(
    generated: SimpleNamespace,
    settings: Settings,
    session: Session,
    make_user,
    receiver,
) -> None:
    g = generated
    admin, secretariat, author = make_user(Role.admin), make_user(Role.secretariat), make_user()
    # Waiting first: the helper numbers the adopted ones after their ids (R8-0002, …), and
    # accepting takes the year's first number.
    waiting = proposal_in(session, Status.submitted, author=author)
    adopted = {proposal_in(session, Status.adopted, author=author).id for _ in range(2)}
    proposal_in(session, Status.draft, author=author)
    verify_signature = portal_example()["verify_signature"]

    with live_server(settings, WEBHOOK_POLL_SECONDS="0.1") as server:
        assert httpx.get(f"{server.url}/openapi.json").json() == g.document  # the live one
        anonymous = g.client.Client(base_url=server.url)

        def signed_in(user) -> Any:
            form = g.models.TokenForm(username=user.email, password=PASSWORD)
            token = g.auth_create_token.sync(client=anonymous, body=form)
            assert isinstance(token, g.models.Token), token
            return g.client.AuthenticatedClient(base_url=server.url, token=token.access_token)

        as_admin = signed_in(admin)
        scopes = [g.models.Scope.PROPOSALSREAD, g.models.Scope.STATSREAD]
        created = g.api_keys_create.sync(
            client=as_admin, body=g.models.ApiKeyCreate(name="庁内ポータル", scopes=scopes)
        )
        assert isinstance(created, g.models.ApiKeyCreated), created
        assert created.key.startswith(created.prefix)
        events = [g.models.WebhookEvent.PROPOSAL_STATUS_CHANGED]
        hook = g.webhooks_create.sync(
            client=as_admin,
            body=g.models.WebhookCreate(url=receiver.url, events=events, secret=SECRET),
        )
        assert isinstance(hook, g.models.WebhookCreated), hook

        portal = g.client.AuthenticatedClient(base_url=server.url, token=created.key)
        page = g.proposals_list.sync(client=portal, status=[g.models.Status.ADOPTED])
        assert isinstance(page, g.models.PageProposalPublic), page
        assert {p.id for p in page.items} == adopted and page.total == 2
        everything = g.proposals_list.sync(client=portal)
        assert {p.id for p in everything.items} == adopted  # not the submitted, nor the draft
        one = g.proposals_read.sync(client=portal, proposal_id=min(adopted))
        assert isinstance(one, g.models.ProposalPublic), one
        assert (one.id, one.status, one.title) == (
            min(adopted),
            "adopted",
            "窓口予約システムの導入",
        )
        hidden = g.proposals_read.sync(client=portal, proposal_id=waiting.id)
        assert isinstance(hidden, g.models.Problem) and hidden.status == 404
        figures = g.stats_read.sync(client=portal)
        assert isinstance(figures, g.models.StatsPublic), figures
        assert figures.adopted == 2 and figures.by_status["submitted"] == 1
        assert isinstance(figures.effects, g.models.EffectFigures)
        # (An optional body is sent as a model: this generator cannot leave one out.)
        empty = g.models.EmptyBody()
        refused = g.proposals_accept.sync(client=portal, proposal_id=waiting.id, body=empty)
        assert isinstance(refused, g.models.Problem) and refused.status == 403  # read only

        accepted = g.proposals_accept.sync(
            client=signed_in(secretariat), proposal_id=waiting.id, body=empty
        )
        assert isinstance(accepted, g.models.ProposalPublic), accepted
        [delivery] = receiver.wait_for(1)

    header = delivery.headers["x-teian-signature"]
    assert verify_signature(SECRET, header, delivery.body)
    assert not verify_signature(SECRET, header, delivery.body.replace(b"}", b" }", 1))
    assert not verify_signature("another-secret", header, delivery.body)
    assert not verify_signature(SECRET, "t=1,v1=" + header.split("v1=")[1], delivery.body)
    body = delivery.json
    assert body["event"] == delivery.headers["x-teian-event"] == "proposal.status_changed"
    assert body["id"] == delivery.delivery_id
    assert body["data"]["proposal_id"] == waiting.id
    assert (body["data"]["from_status"], body["data"]["to_status"]) == (
        "submitted",
        accepted.status,
    )


def test_the_scopes_of_docs_portal_are_scope_routes() -> None:
    text = PORTAL_DOC.read_text("utf-8")
    rows = re.findall(r"^\| `([a-z]+:[a-z]+)` \| `([A-Z]+)` \| `([^`]+)` \|", text, re.M)
    assert rows == [(s.value, method, p.pattern) for s, method, p in SCOPE_ROUTES]
