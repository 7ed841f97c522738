"""Rounds (募集回): the standing 随時 round of each fiscal year, and the secretariat's
theme rounds (課題提案) with dates."""

from datetime import date

from sqlmodel import Session, col, select

from app.db import insert_if_absent
from app.errors import Forbidden, Invalid
from app.i18n import N_
from app.models import Round, User
from app.models.enums import Role, RoundKind
from app.models.round import RoundCreate, RoundPublic
from app.models.types import id_of, utcnow
from app.wareki import fiscal_year_label, fiscal_year_of, today_jst

UNKNOWN_ROUND = N_("指定された募集回が見つかりません。")
ROUND_CLOSED = N_("この募集回は募集期間外です（%(starts)s～%(ends)s）。")
NOT_ALLOWED = N_("募集回を作成できるのは事務局だけです。")


def standing_round(session: Session, *, fiscal_year: int) -> Round:
    """The fiscal year's standing round, created on first use (safe under races)."""
    query = select(Round).where(Round.standing_fiscal_year == fiscal_year)
    existing = session.exec(query).first()
    if existing is not None:
        return existing
    insert_if_absent(
        session,
        Round,
        {
            "fiscal_year": fiscal_year,
            "kind": RoundKind.standing.value,
            "title": f"{fiscal_year_label(fiscal_year)} 随時募集",
            "description": "",
            "standing_fiscal_year": fiscal_year,
            "created_at": utcnow(),
        },
        ["standing_fiscal_year"],
    )
    return session.exec(query).one()


def get_round(session: Session, *, round_id: int) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise Invalid.field("round_id", UNKNOWN_ROUND)
    return round_


def is_open(round_: Round, day: date) -> bool:
    if round_.kind == RoundKind.standing.value:
        return True
    return bool(round_.starts_on and round_.ends_on and round_.starts_on <= day <= round_.ends_on)


def check_open(round_: Round, day: date | None = None) -> None:
    """422 on round_id when a theme round is outside its dates."""
    if not is_open(round_, day or today_jst()):
        raise Invalid.field(
            "round_id", ROUND_CLOSED, starts=str(round_.starts_on), ends=str(round_.ends_on)
        )


def create_theme_round(session: Session, *, data: RoundCreate, user: User) -> Round:
    """Secretariat only (403)."""
    if not user.has_role(Role.secretariat):
        raise Forbidden(NOT_ALLOWED)
    round_ = Round(
        fiscal_year=fiscal_year_of(data.starts_on),
        kind=RoundKind.theme.value,
        title=data.title,
        description=data.description,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
    )
    session.add(round_)
    session.commit()
    session.refresh(round_)
    return round_


def list_rounds(session: Session, *, fiscal_year: int | None = None) -> list[Round]:
    query = select(Round).order_by(col(Round.fiscal_year).desc(), col(Round.kind), col(Round.id))
    if fiscal_year is not None:
        query = query.where(Round.fiscal_year == fiscal_year)
    return list(session.exec(query).all())


def open_rounds(session: Session, *, day: date | None = None) -> list[Round]:
    """Rounds a new proposal can go to today: this year's standing round and open themes."""
    day = day or today_jst()
    standing = standing_round(session, fiscal_year=fiscal_year_of(day))
    themes = session.exec(
        select(Round)
        .where(Round.kind == RoundKind.theme.value)
        .where(col(Round.starts_on) <= day)
        .where(col(Round.ends_on) >= day)
        .order_by(col(Round.ends_on))
    ).all()
    return [standing, *themes]


def round_public(round_: Round) -> RoundPublic:
    return RoundPublic(
        id=id_of(round_),
        fiscal_year=round_.fiscal_year,
        fiscal_year_label=fiscal_year_label(round_.fiscal_year),
        kind=RoundKind(round_.kind),
        title=round_.title,
        description=round_.description,
        starts_on=round_.starts_on,
        ends_on=round_.ends_on,
    )
