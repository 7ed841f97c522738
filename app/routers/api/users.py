from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, UploadFile

from app.deps import AdminApiUser, IfMatch, SessionDep
from app.models.enums import Role
from app.models.invitation import InvitationSent
from app.models.page import Page
from app.models.roster import RosterImportResult
from app.models.types import Id, Text
from app.models.user import UserCreate, UserPublic, UserUpdate
from app.routers.api.common import envelope, with_etag
from app.routers.api.problems import PROBLEM_REF
from app.routers.api.roster_answers import IMPORT_RESPONSES, import_answer
from app.services import invitations
from app.services import roster as roster_service
from app.services import users as users_service
from app.services.pagination import PageParams, page_params

router = APIRouter(tags=["users"])
UserId = Annotated[Id, Path(description="the user's id")]
# `:int` in the paths below: /users/me (auth.py) is another resource, so PATCH /users/me
# is 405 like any method it lacks, not an attempt to edit a user with the id "me".
USER = "/users/{user_id:int}"


def _public(user) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.get("/users", response_model=Page[UserPublic])
def read_users(
    session: SessionDep,
    _admin: AdminApiUser,
    page: Annotated[PageParams, Depends(page_params)],
    q: Annotated[Text | None, Query(max_length=100)] = None,
    department_id: Id | None = None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> dict:
    """Users, filtered by name or e-mail (`q`), department, role and active flag."""
    rows, total = users_service.list_users(
        session, page=page, q=q, department_id=department_id, role=role, is_active=is_active
    )
    return envelope([_public(user) for user in rows], total, page)


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(
    data: UserCreate, session: SessionDep, _admin: AdminApiUser, response: Response
) -> UserPublic:
    """Create a user with a password and roles (`staff` is always included)."""
    user = users_service.create_user(session, data=data)
    return with_etag(response, _public(user))


@router.post("/users/import", response_model=RosterImportResult, responses=IMPORT_RESPONSES)
def import_users(
    file: UploadFile,
    session: SessionDep,
    admin: AdminApiUser,
    dry_run: Annotated[bool, Query(description="only report what would change")] = False,
    deactivate_missing: Annotated[
        bool, Query(description="deactivate users whose 職員番号 is not in the file")
    ] = False,
):
    """Import the staff roster CSV (人事異動): users matched by 職員番号, departments by
    所属コード; any wrong line and nothing is applied (422 with every error's line)."""
    result = roster_service.import_roster(
        session,
        data=file.file.read(roster_service.MAX_BYTES + 1),
        actor=admin,
        dry_run=dry_run,
        deactivate_missing=deactivate_missing,
    )
    return import_answer(result)


@router.get(USER, response_model=UserPublic)
def read_user(user_id: UserId, session: SessionDep, _admin: AdminApiUser, response: Response):
    """One user."""
    return with_etag(response, _public(users_service.get_user(session, user_id=user_id)))


@router.patch(USER, response_model=UserPublic)
def update_user(
    user_id: UserId,
    data: UserUpdate,
    session: SessionDep,
    admin: AdminApiUser,
    if_match: IfMatch,
    response: Response,
) -> UserPublic:
    """Change a user's fields, roles, password or active flag (If-Match honoured)."""
    user = users_service.update_user(
        session, user_id=user_id, data=data, actor=admin, expected_version=if_match
    )
    return with_etag(response, _public(user))


@router.post(
    f"{USER}/invite",
    response_model=InvitationSent,
    status_code=202,
    responses={
        409: {
            "description": "An inactive user, or mail is off (no SMTP_HOST)",
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        }
    },
)
def invite_user(user_id: UserId, session: SessionDep, admin: AdminApiUser) -> InvitationSent:
    """Mail the user a one-time link, valid 7 days, to set their own password (an imported
    user has none). A newer invitation replaces the older. 409 for an inactive user or
    while mail is off (no SMTP_HOST)."""
    invitation = invitations.invite(session, user_id=user_id, actor=admin)
    user = users_service.get_user(session, user_id=user_id)
    return InvitationSent(user_id=user_id, email=user.email, expires_at=invitation.expires_at)
