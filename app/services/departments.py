"""Departments: listing for everyone, creation and edits by admins."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import Invalid, NotFound
from app.i18n import N_
from app.models import Department, User
from app.models.department import DepartmentCreate, DepartmentUpdate
from app.models.types import utcnow
from app.services.concurrency import check_version
from app.services.pagination import PageParams, paginate

CODE_TAKEN = N_("この課コードは既に使われています。")
NOT_FOUND = N_("指定された課が見つかりません。")


def list_departments(
    session: Session, *, page: PageParams, include_inactive: bool = True
) -> tuple[list[Department], int]:
    query = select(Department).order_by(col(Department.code))
    if not include_inactive:
        query = query.where(col(Department.is_active).is_(True))
    return paginate(session, query, page)


def all_departments(session: Session, *, active_only: bool = False) -> list[Department]:
    query = select(Department).order_by(col(Department.code))
    if active_only:
        query = query.where(col(Department.is_active).is_(True))
    return list(session.exec(query).all())


def get_department(session: Session, *, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(NOT_FOUND)
    return department


def _check_code_free(session: Session, code: str, *, except_id: int | None = None) -> None:
    query = select(Department.id).where(Department.code == code)
    if except_id is not None:
        query = query.where(Department.id != except_id)
    if session.exec(query).first() is not None:
        raise Invalid.field("code", CODE_TAKEN)


def create_department(session: Session, *, data: DepartmentCreate) -> Department:
    """Raises Invalid (422) when the code is taken."""
    _check_code_free(session, data.code)
    department = Department(code=data.code, name=data.name, is_active=data.is_active)
    session.add(department)
    session.commit()
    session.refresh(department)
    return department


def update_department(
    session: Session, *, department_id: int, data: DepartmentUpdate, expected_version: int | None
) -> Department:
    """Raises NotFound, PreconditionFailed (stale version) or Invalid (code taken)."""
    department = get_department(session, department_id=department_id)
    check_version(department.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    for field in ("code", "name", "is_active"):
        if field in changes and changes[field] is None:
            raise Invalid.field(field, "この項目は空にできません。")
    if "code" in changes:
        _check_code_free(session, changes["code"], except_id=department.id)
    for field, value in changes.items():
        setattr(department, field, value)
    if changes:
        department.version += 1
        department.updated_at = utcnow()
        session.add(department)
        session.commit()
        session.refresh(department)
    return department


def department_member_counts(session: Session) -> dict[int, int]:
    rows = session.exec(
        select(User.department_id, func.count()).group_by(col(User.department_id))
    ).all()
    return {dept_id: count for dept_id, count in rows if dept_id is not None}
