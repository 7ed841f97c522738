"""The review rubric: criteria with weights summing to 100 and a text for each level 1–5.

Editing makes a new version; reviews keep the version they were made on, so a change never
rewrites a past review or its total."""

from datetime import UTC, datetime

from sqlalchemy import insert, text, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, func, select

from app.db import table_of
from app.errors import Forbidden
from app.i18n import N_
from app.models import RubricCriterion, RubricVersion, User
from app.models.enums import Role
from app.models.review import RubricIn
from app.models.types import id_of

NOT_ALLOWED = N_("評価基準を変更できるのは事務局だけです。")

# N_: the default wording is shown translated in English mode (the `data` filter); a
# rubric the secretariat rewrites stays as written.
DEFAULT_LEVELS = [N_("劣る"), N_("やや劣る"), N_("普通"), N_("良い"), N_("特に良い")]
# DESIGN.md's default rubric: (code, label, weight, description).
DEFAULT_CRITERIA = [
    (
        "effectiveness",
        N_("効果性"),
        30,
        N_("業務の効率化や町民サービスの向上に、どれだけ効果があるか。"),
    ),
    ("feasibility", N_("実現性"), 20, N_("費用・技術・体制の面で、無理なく実現できるか。")),
    ("economy", N_("経済性"), 15, N_("経費の節減や収入の増加が、かかる費用に見合うか。")),
    ("originality", N_("独創性"), 15, N_("着眼点や工夫に新しさがあるか。")),
    ("applicability", N_("応用性（横展開）"), 10, N_("他の課や業務にも広げられるか。")),
    ("effort", N_("努力度"), 10, N_("調査・検討・試行など、提案者の努力が見られるか。")),
]


def seed_default_rubric(connection: Connection) -> None:
    """Version 1 of the rubric (the migration calls this; so does the test clean-up)."""
    connection.execute(
        insert(table_of(RubricVersion)).values(
            id=1, version=1, is_current=True, created_at=datetime.now(UTC)
        )
    )
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('rubric_version', 'id'), "
                "(SELECT MAX(id) FROM rubric_version))"
            )
        )
    connection.execute(
        insert(table_of(RubricCriterion)),
        [
            {
                "rubric_version_id": 1,
                "position": position,
                "code": code,
                "label": label,
                "weight": weight,
                "description": description,
                "levels": DEFAULT_LEVELS,
            }
            for position, (code, label, weight, description) in enumerate(DEFAULT_CRITERIA)
        ],
    )


def current_version(session: Session) -> RubricVersion:
    return session.exec(select(RubricVersion).where(col(RubricVersion.is_current).is_(True))).one()


def criteria_of(session: Session, rubric_version_id: int) -> list[RubricCriterion]:
    query = (
        select(RubricCriterion)
        .where(RubricCriterion.rubric_version_id == rubric_version_id)
        .order_by(col(RubricCriterion.position))
    )
    return list(session.exec(query).all())


def current_rubric(session: Session) -> tuple[RubricVersion, list[RubricCriterion]]:
    version = current_version(session)
    return version, criteria_of(session, id_of(version))


def check_rubric_editor(user: User) -> None:
    """403 for anyone but the secretariat."""
    if not user.has_role(Role.secretariat):
        raise Forbidden(NOT_ALLOWED)


def replace_rubric(session: Session, *, body: RubricIn, user: User) -> RubricVersion:
    """A new current version from `body`. Forbidden (403) for anyone but the secretariat.
    RubricIn itself refuses weights that do not sum to 100 and repeated codes (422): the
    caller validates the body after the same 403 check (check_rubric_editor)."""
    check_rubric_editor(user)
    latest = session.exec(select(func.max(RubricVersion.version))).one() or 0
    session.execute(update(RubricVersion).values(is_current=False))
    version = RubricVersion(version=latest + 1, is_current=True, created_by_id=user.id)
    session.add(version)
    session.flush()
    for position, criterion in enumerate(body.criteria):
        session.add(
            RubricCriterion(
                rubric_version_id=id_of(version),
                position=position,
                code=criterion.code,
                label=criterion.label,
                weight=criterion.weight,
                description=criterion.description,
                levels=list(criterion.levels),
            )
        )
    session.commit()
    session.refresh(version)
    return version
