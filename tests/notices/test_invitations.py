"""Invitations (POST /api/v1/users/{id}/invite): an imported person without a password gets
a mail with a one-time link, valid 7 days, sets a password through it and signs in with
their 職員番号. Through the real SMTP server."""

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.models import Invitation, User
from app.models.enums import Role
from app.models.types import utcnow
from tests.api.review_support import API
from tests.conftest import PageClient, csrf_from
from tests.notices.conftest import Inbox

NEW_PASSWORD = "spring-cherry-river-stone"
LINK = re.compile(r"https://teian\.town\.example\.lg\.jp/invitations/([\w-]+)")


@pytest.fixture
def newcomer(make_user, session: Session) -> User:
    """As the roster import leaves a new person: a number, no password."""
    user = make_user(name="新規 採用", email="shinki@nagi.example", employee_number="2001")
    user.password_hash = ""
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def admin(make_user) -> User:
    return make_user(Role.admin, name="管理者")


def invite(as_user, admin, user_id: int):
    return as_user(admin).post(f"{API}/users/{user_id}/invite")


def link_of(inbox: Inbox, send_outbox) -> str:
    assert send_outbox().delivered == 1
    (message,) = inbox.take()
    assert str(message["Subject"]) == "【業務改善提案】パスワードの設定のお願い"
    (token,) = LINK.findall(message.get_content())
    return token


def login(app, login: str, password: str):
    client = PageClient(app)
    token = csrf_from(client.get("/login").text)
    data = {"email": login, "password": password, "csrf_token": token, "next": "/"}
    return client.post("/login", data=data, follow_redirects=False)


def test_an_invitation_lets_a_newcomer_set_a_password_once(
    newcomer, admin, as_user, mail_app, send_outbox, inbox, session
):
    assert login(mail_app, "2001", NEW_PASSWORD).status_code != 303
    response = invite(as_user, admin, newcomer.id)
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["user_id"], body["email"]) == (newcomer.id, "shinki@nagi.example")
    token = link_of(inbox, send_outbox)
    stored = session.exec(select(Invitation)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert timedelta(days=6, hours=23) < stored.expires_at - utcnow() <= timedelta(days=7)

    browser = PageClient(mail_app)
    page = browser.get(f"/invitations/{token}")
    assert page.status_code == 200 and "新規 採用" in page.text
    browser.csrf = csrf_from(page.text)
    differ = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"}
    assert browser.post_form(f"/invitations/{token}", differ).status_code == 422
    weak = {"password": "short", "password_again": "short"}
    assert browser.post_form(f"/invitations/{token}", weak).status_code == 422
    good = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    response = browser.post_form(f"/invitations/{token}", good)
    assert response.status_code == 303 and response.headers["location"] == "/login"

    assert login(mail_app, "2001", NEW_PASSWORD).status_code == 303  # by 職員番号
    assert browser.get(f"/invitations/{token}").status_code == 404  # once only
    again = {"password": "another-long-pass-phrase", "password_again": "another-long-pass-phrase"}
    assert browser.post_form(f"/invitations/{token}", again).status_code == 404
    assert login(mail_app, "shinki@nagi.example", NEW_PASSWORD).status_code == 303


def test_a_newer_invitation_replaces_the_older_and_links_expire(
    newcomer, admin, as_user, mail_app, send_outbox, inbox, session
):
    assert invite(as_user, admin, newcomer.id).status_code == 202
    first = link_of(inbox, send_outbox)
    assert invite(as_user, admin, newcomer.id).status_code == 202
    second = link_of(inbox, send_outbox)
    browser = PageClient(mail_app)
    assert browser.get(f"/invitations/{first}").status_code == 404
    assert browser.get(f"/invitations/{second}").status_code == 200
    for row in session.exec(select(Invitation)).all():
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    session.commit()
    assert browser.get(f"/invitations/{second}").status_code == 404
    assert browser.get("/invitations/not-a-token").status_code == 404


def test_who_may_invite_and_when(newcomer, admin, make_user, as_user, api_as) -> None:
    for role in (None, Role.secretariat, Role.supervisor, Role.finance):
        someone = make_user(*([role] if role else []))
        assert invite(as_user, someone, newcomer.id).status_code == 403
    assert invite(as_user, admin, 987654).status_code == 404
    gone = make_user(is_active=False)
    response = invite(as_user, admin, gone.id)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    # Without SMTP_HOST there is no mail to carry the link.
    response = api_as(admin).post(f"{API}/users/{newcomer.id}/invite")
    assert response.status_code == 409 and "SMTP_HOST" in response.json()["detail"]


def test_the_admin_page_sends_it(newcomer, admin, mail_app, send_outbox, inbox, session) -> None:
    from tests.conftest import PASSWORD

    browser = PageClient(mail_app)
    token = csrf_from(browser.get("/login").text)
    data = {"email": admin.email, "password": PASSWORD, "csrf_token": token, "next": "/"}
    assert browser.post("/login", data=data, follow_redirects=False).status_code == 303
    page = browser.get(f"/admin/users/{newcomer.id}").text
    assert 'id="invite-form"' in page
    browser.csrf = csrf_from(page)
    response = browser.post_form(f"/admin/users/{newcomer.id}/invite")
    assert response.status_code == 303
    assert (
        "shinki@nagi.example に招待メールを送りました。"
        in browser.get(response.headers["location"]).text
    )
    assert LINK.search(send_outbox() and inbox.take()[0].get_content())
    assert len(session.exec(select(Invitation)).all()) == 1
