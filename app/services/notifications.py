"""In-app notifications, and their mails (docs/mail.md). Who is told of what is the table in
app/services/notices.py; `notify` writes the rows."""

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.errors import NotFound
from app.i18n import N_, gettext
from app.models import Notification, Proposal, User
from app.models.enums import EmailSetting
from app.models.review import NotificationPublic
from app.models.types import ID_MAX, utcnow
from app.services import mail
from app.services.pagination import PageParams, paginate

NOT_FOUND = N_("指定されたお知らせが見つかりません。")


def notify(
    session: Session,
    *,
    user_ids: list[int],
    kind: str,
    title: str,
    body: str = "",
    proposal_id: int | None = None,
    next_step: str = "",
    title_message: str = "",
    title_params: dict[str, str] | None = None,
) -> None:
    """Adds one notification per user and, by each one's setting, their mail now (an outbox
    row) or a mark for the day's digest. The caller commits with the change it reports.
    `title_message` % `title_params` is the title in any language (title_of); `title` is
    it in Japanese, for the mail."""
    proposal = session.get(Proposal, proposal_id) if proposal_id else None
    config = mail.settings_of(session)
    mailing = mail.enabled(config)
    for user_id in dict.fromkeys(user_ids):
        user = session.get(User, user_id)
        setting = user.notification_email if user and user.is_active and mailing else "off"
        session.add(
            Notification(
                user_id=user_id,
                kind=kind,
                title=title,
                title_message=title_message,
                title_params=title_params or {},
                body=body,
                proposal_id=proposal_id,
                digest_pending=setting == EmailSetting.daily.value,
            )
        )
        if user is not None and setting == EmailSetting.immediate.value:
            text = mail.compose(
                config, user, title=title, body=body, next_step=next_step, proposal=proposal
            )
            mail.enqueue(session, user=user, event=kind, subject=title, text=text)


# Parameters that are themselves messages (the decision's outcome label).
TRANSLATED_PARAMS = ("outcome",)


def title_of(notification: Notification) -> str:
    """The title in the current request's language: its message translated and filled in
    (rows made before messages were kept show their Japanese title)."""
    if not notification.title_message:
        return notification.title
    params = dict(notification.title_params)
    for name in TRANSLATED_PARAMS:
        if params.get(name):
            params[name] = gettext(params[name])
    try:
        return gettext(notification.title_message) % params
    except (KeyError, ValueError, TypeError):
        return notification.title


def view_of(notification: Notification) -> NotificationPublic:
    view = NotificationPublic.model_validate(notification)
    view.title = title_of(notification)
    return view


def unread_count(session: Session, *, user: User) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id)
        .where(col(Notification.read_at).is_(None))
    ).one()


def list_notifications(
    session: Session, *, user: User, page: PageParams, unread_only: bool = False
) -> tuple[list[Notification], int]:
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    )
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return paginate(session, query, page)


def mark_read(session: Session, *, user: User, notification_id: int) -> Notification:
    """NotFound (404) for someone else's notification (or an id no row can have)."""
    in_range = 1 <= notification_id <= ID_MAX
    notification = session.get(Notification, notification_id) if in_range else None
    if notification is None or notification.user_id != user.id:
        raise NotFound(NOT_FOUND)
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
        session.commit()
        session.refresh(notification)
    return notification


def mark_all_read(session: Session, *, user: User, now: datetime | None = None) -> None:
    session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user.id)
        .where(col(Notification.read_at).is_(None))
        .values(read_at=now or utcnow())
    )
    session.commit()
