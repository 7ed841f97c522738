"""The DX plan's initiatives (read-only: the plan is loaded by a migration)."""

from sqlmodel import Session, col, select

from app.errors import NotFound
from app.models import Initiative
from app.services.pagination import PageParams, paginate


def list_initiatives(session: Session, *, page: PageParams) -> tuple[list[Initiative], int]:
    return paginate(session, select(Initiative).order_by(col(Initiative.number)), page)


def all_initiatives(session: Session) -> list[Initiative]:
    return list(session.exec(select(Initiative).order_by(col(Initiative.number))).all())


def get_initiative_by_number(session: Session, *, number: int) -> Initiative:
    initiative = session.exec(select(Initiative).where(Initiative.number == number)).first()
    if initiative is None:
        raise NotFound("指定されたDX取組みが見つかりません。")
    return initiative


def get_initiative(session: Session, *, initiative_id: int) -> Initiative:
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound("指定されたDX取組みが見つかりません。")
    return initiative
