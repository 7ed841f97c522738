"""お知らせ: the signed-in user's notifications, newest first, and marking them read."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.deps import PageUser, SessionDep
from app.htmx import redirect, render
from app.i18n import gettext as _
from app.models.types import Id
from app.services import notifications as notifications_service
from app.services.pagination import PageParams
from app.templating import flash

router = APIRouter()
PAGE_SIZE = 30


@router.get("/notifications")
def notifications_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """お知らせ: newest first, unread ones highlighted."""
    params = PageParams(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    rows, total = notifications_service.list_notifications(session, user=user, page=params)
    unread = notifications_service.unread_count(session, user=user)
    context = {
        "notifications": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "unread_count": unread,
    }
    return render(request, "pages/notifications/list.html", context)


@router.post("/notifications/{notification_id}/read")
def read_notification(
    notification_id: Id, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """Mark one notification read."""
    notifications_service.mark_read(session, user=user, notification_id=notification_id)
    return redirect(request, "/notifications")


@router.post("/notifications/read-all")
def read_all_notifications(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Mark every notification read."""
    notifications_service.mark_all_read(session, user=user)
    flash(request, _("すべてのお知らせを既読にしました。"))
    return redirect(request, "/notifications")
