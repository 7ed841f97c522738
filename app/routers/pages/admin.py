"""Admin pages: users (職員) and departments (課)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.deps import AdminPageUser, SessionDep
from app.errors import Invalid, InvalidTransition, PreconditionFailed
from app.htmx import redirect, render
from app.i18n import gettext as _
from app.models.department import DepartmentCreate, DepartmentUpdate
from app.models.enums import Role
from app.models.types import Id
from app.models.user import UserCreate, UserUpdate
from app.routers.pages.forms import form_values, form_version, invalid_errors, validate
from app.services import departments as departments_service
from app.services import invitations
from app.services import users as users_service
from app.services.pagination import PageParams
from app.templating import flash

router = APIRouter(prefix="/admin")
PAGE_SIZE = 50

USER_FIELDS = (
    "email",
    "employee_number",
    "name",
    "name_kana",
    "department_id",
    "position",
    "employment_type",
    "roles",
    "is_active",
    "password",
)
USER_OPTIONAL = ("employee_number", "name_kana", "department_id", "position", "password")
DEPARTMENT_FIELDS = ("code", "name", "is_active")


@router.get("/users")
def users_page(
    request: Request,
    session: SessionDep,
    _admin: AdminPageUser,
    q: Annotated[str | None, Query(max_length=100)] = None,
    department_id: Annotated[str | None, Query()] = None,
    role: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """職員一覧: search and filter users."""
    dept = int(department_id) if department_id and department_id.isdigit() else None
    role_value = Role(role) if role in {r.value for r in Role} else None
    active = {"active": True, "inactive": False}.get(status or "")
    params = PageParams(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    rows, total = users_service.list_users(
        session, page=params, q=q, department_id=dept, role=role_value, is_active=active
    )
    departments = departments_service.all_departments(session)
    context = {
        "users": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "departments": departments,
        "department_names": {d.id: d.name for d in departments},
        "filters": {
            "q": q or "",
            "department_id": dept,
            "role": role or "",
            "status": status or "",
        },
    }
    return render(request, "pages/admin/users.html", context, block="user_table")


def _user_form_context(session, **extra) -> dict:
    return {"departments": departments_service.all_departments(session), "errors": {}, **extra}


@router.get("/users/new")
def new_user_page(request: Request, session: SessionDep, _admin: AdminPageUser) -> Response:
    """職員の登録 form."""
    values = {"roles": ["staff"], "is_active": True, "employment_type": "regular"}
    return render(
        request,
        "pages/admin/user_form.html",
        _user_form_context(session, values=values, target=None),
    )


@router.post("/users/new")
async def create_user(request: Request, session: SessionDep, _admin: AdminPageUser) -> Response:
    """Register a user from the form."""
    form = await request.form()
    values = form_values(
        form,
        fields=USER_FIELDS,
        lists=("roles",),
        checkboxes=("is_active",),
        optional=USER_OPTIONAL,
    )
    data, errors = validate(UserCreate, values)
    if data is not None:
        try:
            user = users_service.create_user(session, data=data)
        except Invalid as exc:
            errors = invalid_errors(exc)
        else:
            flash(request, _("職員「%(name)s」を登録しました。", name=user.name))
            return redirect(request, "/admin/users")
    context = _user_form_context(session, values=values, errors=errors, target=None)
    return render(request, "pages/admin/user_form.html", context, block="form", status_code=422)


@router.get("/users/{user_id}")
def edit_user_page(
    user_id: Id, request: Request, session: SessionDep, _admin: AdminPageUser
) -> Response:
    """職員の編集 form."""
    user = users_service.get_user(session, user_id=user_id)
    values = {
        "email": user.email,
        "employee_number": user.employee_number,
        "name": user.name,
        "name_kana": user.name_kana,
        "department_id": user.department_id,
        "position": user.position,
        "employment_type": user.employment_type,
        "roles": user.roles,
        "is_active": user.is_active,
    }
    return render(
        request,
        "pages/admin/user_form.html",
        _user_form_context(session, values=values, target=user),
    )


@router.post("/users/{user_id}")
async def update_user(
    user_id: Id, request: Request, session: SessionDep, admin: AdminPageUser
) -> Response:
    """Save the user's changes from the form."""
    user = users_service.get_user(session, user_id=user_id)
    form = await request.form()
    values = form_values(
        form,
        fields=USER_FIELDS,
        lists=("roles",),
        checkboxes=("is_active",),
        optional=USER_OPTIONAL,
    )
    if values.get("password") is None:
        values.pop("password", None)
    values["roles"] = values.get("roles") or []
    data, errors = validate(UserUpdate, values)
    if data is not None:
        try:
            users_service.update_user(
                session,
                user_id=user_id,
                data=data,
                actor=admin,
                expected_version=form_version(form),
            )
        except Invalid as exc:
            errors = invalid_errors(exc)
        except PreconditionFailed as exc:
            errors = {"__all__": _(exc.detail)}
        else:
            flash(request, _("職員「%(name)s」の情報を更新しました。", name=user.name))
            return redirect(request, "/admin/users")
    context = _user_form_context(session, values=values, errors=errors, target=user)
    return render(request, "pages/admin/user_form.html", context, block="form", status_code=422)


@router.post("/users/{user_id}/invite")
def invite_user(
    user_id: Id, request: Request, session: SessionDep, admin: AdminPageUser
) -> Response:
    """Mail the user a one-time link to set their password (docs/mail.md)."""
    try:
        invitation = invitations.invite(session, user_id=user_id, actor=admin)
    except InvalidTransition as exc:
        flash(request, _(exc.detail), level="error")
        return redirect(request, f"/admin/users/{user_id}")
    user = users_service.get_user(session, user_id=invitation.user_id)
    flash(request, _("%(email)s に招待メールを送りました。", email=user.email))
    return redirect(request, f"/admin/users/{user_id}")


@router.get("/departments")
def departments_page(request: Request, session: SessionDep, _admin: AdminPageUser) -> Response:
    """課の一覧."""
    context = {
        "departments": departments_service.all_departments(session),
        "member_counts": departments_service.department_member_counts(session),
    }
    return render(request, "pages/admin/departments.html", context)


@router.get("/departments/new")
def new_department_page(request: Request, _admin: AdminPageUser) -> Response:
    """課の登録 form."""
    context = {"values": {"is_active": True}, "errors": {}, "target": None}
    return render(request, "pages/admin/department_form.html", context)


@router.post("/departments/new")
async def create_department(
    request: Request, session: SessionDep, _admin: AdminPageUser
) -> Response:
    """Register a department from the form."""
    form = await request.form()
    values = form_values(form, fields=DEPARTMENT_FIELDS, checkboxes=("is_active",))
    data, errors = validate(DepartmentCreate, values)
    if data is not None:
        try:
            department = departments_service.create_department(session, data=data)
        except Invalid as exc:
            errors = invalid_errors(exc)
        else:
            flash(request, _("課「%(name)s」を登録しました。", name=department.name))
            return redirect(request, "/admin/departments")
    context = {"values": values, "errors": errors, "target": None}
    return render(
        request, "pages/admin/department_form.html", context, block="form", status_code=422
    )


@router.get("/departments/{department_id}")
def edit_department_page(
    department_id: Id, request: Request, session: SessionDep, _admin: AdminPageUser
) -> Response:
    """課の編集 form."""
    department = departments_service.get_department(session, department_id=department_id)
    values = {"code": department.code, "name": department.name, "is_active": department.is_active}
    context = {"values": values, "errors": {}, "target": department}
    return render(request, "pages/admin/department_form.html", context)


@router.post("/departments/{department_id}")
async def update_department(
    department_id: Id, request: Request, session: SessionDep, _admin: AdminPageUser
) -> Response:
    """Save the department's changes from the form."""
    department = departments_service.get_department(session, department_id=department_id)
    form = await request.form()
    values = form_values(form, fields=DEPARTMENT_FIELDS, checkboxes=("is_active",))
    data, errors = validate(DepartmentUpdate, values)
    if data is not None:
        try:
            department = departments_service.update_department(
                session, department_id=department_id, data=data, expected_version=form_version(form)
            )
        except Invalid as exc:
            errors = invalid_errors(exc)
        except PreconditionFailed as exc:
            errors = {"__all__": _(exc.detail)}
        else:
            flash(request, _("課「%(name)s」を更新しました。", name=department.name))
            return redirect(request, "/admin/departments")
    context = {"values": values, "errors": errors, "target": department}
    return render(
        request, "pages/admin/department_form.html", context, block="form", status_code=422
    )
