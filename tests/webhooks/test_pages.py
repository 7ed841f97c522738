"""Issue 13: /admin/webhooks — the admin lists, creates (the secret shown once), deletes
webhooks, sees recent deliveries with their state and redelivers; everyone else gets 403.
The page and the API share the services: what one does, the other shows."""

import re

import pytest
from sqlmodel import Session, select

from app.models import WebhookDelivery
from app.models.enums import Role
from app.services.webhook_delivery import deliver_due
from tests.api.review_support import submitted
from tests.webhooks.conftest import API, SECRET, subscribe


def test_an_admin_creates_a_webhook_and_sees_its_secret_once(
    page_as, make_user, admin_api, receiver
) -> None:
    page = page_as(make_user(Role.admin))
    empty = page.get("/admin/webhooks")
    assert empty.status_code == 200
    assert 'href="/admin/webhooks"' in empty.text and "Webhook を登録" in empty.text

    created = page.post_form(
        "/admin/webhooks", {"url": receiver.url, "events": ["proposal.status_changed"]}
    )
    assert created.status_code == 201, created.text
    secret = re.search(r'<code class="secret" id="new-secret">([^<]+)</code>', created.text)
    assert secret and len(secret.group(1)) >= 32
    listed = page.get("/admin/webhooks")
    assert receiver.url in listed.text and secret.group(1) not in listed.text
    # The API sees what the page made.
    [hook] = admin_api.get(f"{API}/webhooks").json()["items"]
    assert (hook["url"], hook["events"]) == (receiver.url, ["proposal.status_changed"])


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"url": "ftp://example.org/x", "events": ["*"]}, "http:// または https://"),
        ({"url": "https://example.org/x"}, "件以上指定してください"),
        ({"url": "https://example.org/x", "events": ["*"], "secret": "short"}, "16文字以上"),
    ],
)
def test_an_invalid_form_is_shown_again_with_its_error(
    page_as, make_user, admin_api, form: dict, message: str
) -> None:
    page = page_as(make_user(Role.admin))
    answer = page.post_form("/admin/webhooks", form)
    assert answer.status_code == 422
    assert message in answer.text and 'id="new-secret"' not in answer.text
    assert admin_api.get(f"{API}/webhooks").json()["total"] == 0


def test_deliveries_show_their_state_and_can_be_sent_again(
    page_as, make_user, admin_api, wh_api, wh_settings, db_engine, receiver, session: Session
) -> None:
    hook = subscribe(admin_api, receiver.url)
    submitted(wh_api(make_user()))
    [delivery] = session.exec(select(WebhookDelivery)).all()
    page = page_as(make_user(Role.admin))
    path = f"/admin/webhooks/{hook['id']}"

    waiting = page.get(path)
    assert waiting.status_code == 200
    assert delivery.id in waiting.text and "再試行待ち" in waiting.text
    assert SECRET not in waiting.text
    deliver_due(db_engine, settings=wh_settings)
    done = page.get(path)
    assert 'data-state="delivered"' in done.text and "配信済み" in done.text

    again = page.post_form(f"{path}/deliveries/{delivery.id}/redeliver")
    assert again.status_code == 303 and again.headers["location"] == path
    shown = page.get(path)
    assert "再送待ちにしました" in shown.text and 'data-state="pending"' in shown.text
    deliver_due(db_engine, settings=wh_settings)
    first, second = receiver.wait_for(2)
    assert first.delivery_id == second.delivery_id == delivery.id

    unknown = page.post_form(f"{path}/deliveries/00000000-0000-4000-8000-000000000000/redeliver")
    assert unknown.status_code == 303
    assert "配信が見つかりません" in page.get(path).text


def test_an_admin_deletes_a_webhook(page_as, make_user, admin_api) -> None:
    hook = subscribe(admin_api, "http://127.0.0.1:9/gone")
    page = page_as(make_user(Role.admin))
    answer = page.post_form(f"/admin/webhooks/{hook['id']}/delete")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/webhooks"
    listed = page.get("/admin/webhooks")
    assert "を削除しました" in listed.text and "127.0.0.1:9/gone</code>" not in listed.text
    assert admin_api.get(f"{API}/webhooks").json()["total"] == 0
    assert page.get(f"/admin/webhooks/{hook['id']}").status_code == 404


@pytest.mark.parametrize("role", [None, Role.secretariat, Role.finance, Role.reviewer])
def test_only_admins_see_the_webhook_pages(page_as, make_user, admin_api, role) -> None:
    hook = subscribe(admin_api, "http://127.0.0.1:9/x")
    page = page_as(make_user(*([role] if role else [])))
    assert 'href="/admin/webhooks"' not in page.get("/").text
    assert page.get("/admin/webhooks").status_code == 403
    assert page.get(f"/admin/webhooks/{hook['id']}").status_code == 403
    form = {"url": "http://127.0.0.1:9/y", "events": ["*"]}
    assert page.post_form("/admin/webhooks", form).status_code == 403
    assert page.post_form(f"/admin/webhooks/{hook['id']}/delete").status_code == 403
    assert admin_api.get(f"{API}/webhooks").json()["total"] == 1
