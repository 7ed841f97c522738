"""Small groups (小規模な所属): a department with fewer active staff than the
`small_group_min_staff` setting (SMALL_GROUP_MIN_STAFF, default 3) is never named beside
figures or published rows that others read, because in a one- or two-person department
"this department proposed" names the person. Such departments are folded together into
「その他」:

- in the open data (JSON, CSV): the proposing and the implementing department of each row;
- in the figures for everyone but the secretariat: `GET /api/v1/stats`' by_department, the
  dashboard and the initiative pages (their department table and charts).

The secretariat, who keeps the ledger with every name anyway, sees each department apart.
Active staff are the active user accounts of the department now (as the participation rate
counts them); the group of users without a department is treated like a department.
"""

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import User
from app.models.enums import Role

# The folded group's name: part of the published data, so the same in every language
# (the pages translate it).
OTHER = "その他"


def active_staff(session: Session) -> dict[int | None, int]:
    """Active user accounts per department id (None: those without a department)."""
    rows = session.exec(
        select(User.department_id, func.count())
        .where(col(User.is_active).is_(True))
        .group_by(col(User.department_id))
    ).all()
    return dict(rows)


def small_departments(
    staff: dict[int | None, int], department_ids, *, min_staff: int
) -> set[int | None]:
    """Those of `department_ids` (None included, for no department) with fewer than
    `min_staff` active staff; none when `min_staff` is 0."""
    return {d for d in department_ids if staff.get(d, 0) < min_staff}


def threshold_for(user: User | None, min_staff: int) -> int:
    """Below how many active staff a department is folded for this reader: 0 (never) for
    the secretariat, `min_staff` for everyone else."""
    if user is not None and user.has_role(Role.secretariat):
        return 0
    return min_staff
