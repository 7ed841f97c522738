"""Invitations (API.md "Staff roster import"; docs/mail.md): an admin has a one-time link
mailed to a person so that they set their own password — how staff created by the roster
import, who have none, first sign in. The link works for INVITATION_DAYS days and once; a
newer invitation replaces an older one. Only the token's SHA-256 is stored."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from app.errors import Invalid, InvalidTransition
from app.i18n import N_
from app.models import Invitation, User
from app.models.types import id_of, utcnow
from app.passwords import password_problem
from app.security import hash_password
from app.services import mail, sessions
from app.services.users import get_user

INVITATION_DAYS = 7
INACTIVE = N_("無効な利用者には招待を送れません。")
MAIL_OFF = N_("メールの送信が設定されていないため、招待を送れません（SMTP_HOST）。")
SUBJECT = N_("パスワードの設定のお願い")
TEXT = N_(
    "%(name)s 様\n\n"
    "業務改善提案システムのアカウントが用意されました。\n"
    "次のリンクを開き、%(days)s日以内にパスワードを設定してください"
    "（リンクは一度だけ使えます）。\n\n%(url)s\n\n"
    "設定のあとは、メールアドレス（%(email)s）または職員番号とそのパスワードでログインできます。\n"
    "心当たりのない場合は、このメールを破棄してください。\n"
)
PASSWORDS_DIFFER = N_("確認のため、同じパスワードをもう一度入力してください。")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invite(session: Session, *, user_id: int, actor: User) -> Invitation:
    """Mails `user_id` a link to set their password (queued in the outbox with the
    invitation). 404 for an unknown user; 409 for an inactive one, or while mail is off."""
    user = get_user(session, user_id=user_id)
    if not user.is_active:
        raise InvalidTransition(INACTIVE)
    config = mail.settings_of(session)
    if not mail.enabled(config):
        raise InvalidTransition(MAIL_OFF)
    now = utcnow()
    session.execute(
        update(Invitation)
        .where(col(Invitation.user_id) == user.id)
        .where(col(Invitation.used_at).is_(None))
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        user_id=id_of(user),
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
        created_by_id=actor.id,
    )
    session.add(invitation)
    text = TEXT % {
        "name": user.name,
        "days": INVITATION_DAYS,
        "url": mail.link(config, f"/invitations/{token}"),
        "email": user.email,
    }
    mail.enqueue(session, user=user, event="invitation", subject=SUBJECT, text=text)
    session.commit()
    session.refresh(invitation)
    return invitation


def find(session: Session, token: str) -> tuple[Invitation, User] | None:
    """The invitation of this token while it can be used (not used, not expired, its
    person active); None otherwise."""
    if not token or len(token) > 100:
        return None
    row = session.exec(
        select(Invitation, User)
        .join(User, col(User.id) == col(Invitation.user_id))
        .where(Invitation.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    invitation, user = row
    if invitation.used_at is not None or invitation.expires_at <= utcnow() or not user.is_active:
        return None
    return invitation, user


def accept(session: Session, *, token: str, password: str, password_again: str) -> User | None:
    """Sets the password through the link, once. None when the link cannot be used;
    Invalid (422) for a password the policy refuses or two that differ."""
    found = find(session, token)
    if found is None:
        return None
    invitation, user = found
    if password != password_again:
        raise Invalid.field("password_again", PASSWORDS_DIFFER)
    problem = password_problem(password, user.email)
    if problem is not None:
        raise Invalid.field("password", problem)
    # An UPDATE's result is a CursorResult (it has the rowcount); Session.execute says Result.
    claimed = cast(
        CursorResult[Any],
        session.execute(
            update(Invitation)
            .where(col(Invitation.id) == invitation.id)
            .where(col(Invitation.used_at).is_(None))
            .values(used_at=utcnow())
        ),
    ).rowcount
    if claimed != 1:  # used at the same moment by another request
        session.rollback()
        return None
    user.password_hash = hash_password(password)
    user.version += 1
    user.updated_at = utcnow()
    session.add(user)
    sessions.revoke_all(session, user_id=id_of(user))
    session.commit()
    return user
