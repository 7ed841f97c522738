from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from app.deps import AdminApiUser, ApiUser, IfMatch, SessionDep
from app.models.department import DepartmentCreate, DepartmentPublic, DepartmentUpdate
from app.models.page import Page
from app.models.types import Id
from app.routers.api.common import envelope, with_etag
from app.services import departments as departments_service
from app.services.pagination import PageParams, page_params

router = APIRouter(tags=["departments"])
DepartmentId = Annotated[Id, Path(description="the department's id")]


def _public(department) -> DepartmentPublic:
    return DepartmentPublic.model_validate(department, from_attributes=True)


@router.get("/departments", response_model=Page[DepartmentPublic])
def read_departments(
    session: SessionDep, _user: ApiUser, page: Annotated[PageParams, Depends(page_params)]
) -> dict:
    """All departments, by code."""
    rows, total = departments_service.list_departments(session, page=page)
    return envelope([_public(d) for d in rows], total, page)


@router.post("/departments", response_model=DepartmentPublic, status_code=201)
def create_department(
    data: DepartmentCreate, session: SessionDep, _admin: AdminApiUser, response: Response
):
    """Create a department (code unique)."""
    department = departments_service.create_department(session, data=data)
    return with_etag(response, _public(department))


@router.get("/departments/{department_id}", response_model=DepartmentPublic)
def read_department(
    department_id: DepartmentId, session: SessionDep, _user: ApiUser, response: Response
):
    """One department."""
    department = departments_service.get_department(session, department_id=department_id)
    return with_etag(response, _public(department))


@router.patch("/departments/{department_id}", response_model=DepartmentPublic)
def update_department(
    department_id: DepartmentId,
    data: DepartmentUpdate,
    session: SessionDep,
    _admin: AdminApiUser,
    if_match: IfMatch,
    response: Response,
):
    """Rename, recode or deactivate a department (If-Match honoured)."""
    department = departments_service.update_department(
        session, department_id=department_id, data=data, expected_version=if_match
    )
    return with_etag(response, _public(department))
