"""The review rubric: criteria with weights summing to 100 and a text for each level 1–5.

Editing makes a new version; reviews keep the version they were made on, so a change never
rewrites a past review or its total."""

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from app.errors import Forbidden
from app.i18n import N_
from app.models import RubricCriterion, RubricVersion, User
from app.models.enums import Role
from app.models.review import RubricIn
from app.validation import validate_body

NOT_ALLOWED = N_("評価基準を変更できるのは事務局だけです。")


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
    return version, criteria_of(session, version.id)


def replace_rubric(session: Session, *, body: object, user: User) -> RubricVersion:
    """A new current version from `body` (RubricIn). Forbidden (403) for anyone but the
    secretariat; Invalid (422) when weights do not sum to 100 or codes repeat."""
    if not user.has_role(Role.secretariat):
        raise Forbidden(NOT_ALLOWED)
    data = validate_body(RubricIn, body)
    latest = session.exec(select(func.max(RubricVersion.version))).one() or 0
    session.execute(update(RubricVersion).values(is_current=False))
    version = RubricVersion(version=latest + 1, is_current=True, created_by_id=user.id)
    session.add(version)
    session.flush()
    for position, criterion in enumerate(data.criteria):
        session.add(
            RubricCriterion(
                rubric_version_id=version.id,
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
