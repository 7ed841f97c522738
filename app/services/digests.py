"""The daily digest (`python -m app send-digests`, for cron; docs/mail.md): for each person
whose notices wait for it, one mail with all of them. Each notice is in one digest only,
however often and on however many hosts the command runs."""

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models import Notification, Proposal, User
from app.models.enums import EmailSetting
from app.services import mail


@dataclass
class DigestResult:
    mails: int = 0
    notices: int = 0


def send_digests(session: Session) -> DigestResult:
    """Queues one mail per person with notices waiting (in the outbox: the deliverer sends
    it), and marks those notices as digested in the same transaction. A person who has
    since turned mail off, or left, gets none; their notices stay in the app."""
    result = DigestResult()
    user_ids = session.exec(
        select(Notification.user_id).where(col(Notification.digest_pending)).distinct()
    ).all()
    for user_id in sorted(user_ids):
        rows = list(
            session.exec(
                select(Notification)
                .where(Notification.user_id == user_id)
                .where(col(Notification.digest_pending))
                .order_by(col(Notification.created_at), col(Notification.id))
            ).all()
        )
        ids = [row.id for row in rows]
        taken = session.exec(
            update(Notification)
            .where(col(Notification.id).in_(ids))
            .where(col(Notification.digest_pending))
            .values(digest_pending=False)
        ).rowcount
        if taken != len(ids):  # another run took some of them meanwhile
            session.rollback()
            continue
        user = session.get(User, user_id)
        if (
            user is not None
            and user.is_active
            and user.notification_email != EmailSetting.off.value
            and mail.enabled(mail.settings_of(session))
        ):
            items = [
                (row, session.get(Proposal, row.proposal_id) if row.proposal_id else None)
                for row in rows
            ]
            subject = mail.DIGEST_SUBJECT % {"count": len(rows)}
            text = mail.compose_digest(mail.settings_of(session), user, items)
            mail.enqueue(session, user=user, event="digest", subject=subject, text=text)
            result.mails += 1
            result.notices += len(rows)
        session.commit()
    return result
