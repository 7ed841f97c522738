"""The staff roster import (人事異動; API.md "Staff roster import"): the personnel system's
CSV export, matched by 職員番号, each spring.

- The file is read and each line checked by services/roster_csv.py.
- People are matched by 職員番号. A number not yet known creates a user with no password
  (`password_hash` "", which `verify_password` always refuses) — unless a user without a
  number already has the row's e-mail: that account (made by hand before the first
  import) is given the number instead of being duplicated.
- A 在職 1 row sets every field from the file; a 在職 0 row only deactivates (the leaver's
  record stays as it was on their last day). Departments are matched by 所属コード,
  created when new and renamed when the name changed (from 在職 1 rows).
- `deactivate_missing` also deactivates every active user with a 職員番号 absent from
  the file — never the caller, never a user without a number.
- Every line is checked before anything is written; one error and nothing is applied.
  A dry run does all the work in the transaction and rolls it back, so its report is the
  real one (the id of a department it would create is provisional).
- Deactivating someone ends their sign-ins at once, as in services/users.py.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.errors import InvalidTransition, PayloadTooLarge
from app.i18n import N_
from app.models import Department, User, UserRole
from app.models.enums import Role
from app.models.types import id_of, utcnow
from app.services import sessions
from app.services.roster_csv import HEADER, MAX_ROWS, FileError, Row, RowError, decode, parse

__all__ = ["HEADER", "MAX_BYTES", "MAX_ROWS", "ImportResult", "import_roster"]

MAX_BYTES = 5 * 1024 * 1024  # about 30,000 lines: more than MAX_ROWS allows anyway
# The user fields a row sets, by their API names, in the order changes list them.
USER_FIELDS = (
    "employee_number",
    "name",
    "name_kana",
    "email",
    "department_id",
    "position",
    "employment_type",
    "is_active",
)

TOO_LARGE = N_("名簿ファイルが大きすぎます（%(megabytes)s MB まで）。")
CONFLICT = N_("取込中に別の変更と重なりました。もう一度取り込んでください。")
EMAIL_TAKEN = N_("メールアドレス %(email)s は別の職員（%(name)s）が使っています。")
NOT_YOURSELF = N_("ご自身（取込を行っている管理者）を退職（在職 0）にはできません。")


@dataclass
class Change:
    employee_number: str
    change: str  # created, updated or deactivated
    fields: dict[str, tuple[Any, Any]]
    name: str  # for the admin page


@dataclass
class DepartmentChange:
    code: str
    old_name: str | None  # None: created
    new_name: str
    id: int | None = None  # set once flushed (provisional in a dry run)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0
    departments_created: int = 0
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    departments: list[DepartmentChange] = field(default_factory=list)
    dry_run: bool = False

    @property
    def applied(self) -> bool:
        return not self.errors and not self.dry_run


def import_roster(
    session: Session,
    *,
    data: bytes,
    actor: User,
    dry_run: bool = False,
    deactivate_missing: bool = False,
) -> ImportResult:
    """Reads the roster and applies it in one transaction, or reports what it would do
    (`dry_run`). Errors in the file come back in the result (`errors`, nothing written);
    raises PayloadTooLarge (413) past MAX_BYTES or MAX_ROWS and InvalidTransition (409)
    when a concurrent change breaks a unique key while applying."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(TOO_LARGE, megabytes=MAX_BYTES // (1024 * 1024))
    result = ImportResult(dry_run=dry_run)
    try:
        rows, errors = parse(decode(data))
    except FileError as exc:
        result.errors = [exc.error]
        return result
    users = list(session.exec(select(User)).all())
    matches, link_errors = _match(rows, users, actor)
    errors += link_errors
    if errors:
        result.errors = sorted(errors, key=lambda e: e.line)
        return result
    try:
        _apply(session, result, rows, matches, users, actor, deactivate_missing)
        session.flush()
    except IntegrityError:
        session.rollback()
        raise InvalidTransition(CONFLICT) from None
    if dry_run:
        session.rollback()
    else:
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise InvalidTransition(CONFLICT) from None
    return result


def _match(
    rows: list[Row], users: list[User], actor: User
) -> tuple[dict[int, User], list[RowError]]:
    """The existing user of each row (by line), and the rows whose e-mail is someone
    else's or that would deactivate the caller."""
    by_number = {u.employee_number: u for u in users if u.employee_number is not None}
    by_email = {u.email: u for u in users}
    # E-mails that rows take away from their users (in 在職 1 rows only).
    released = {
        by_number[r.employee_number].email
        for r in rows
        if r.is_active
        and r.employee_number in by_number
        and by_number[r.employee_number].email != r.email
    }
    matches: dict[int, User] = {}
    errors: list[RowError] = []
    for row in rows:
        user = by_number.get(row.employee_number)
        if row.is_active:
            holder = by_email.get(row.email)
            if holder is not None and holder is not user:
                if user is None and holder.employee_number is None:
                    user = holder  # an account made by hand: it gets the number
                elif holder.email not in released:
                    params = {"email": row.email, "name": holder.name}
                    errors.append(RowError(row.line, EMAIL_TAKEN, params))
                    continue
        elif user is not None and user.id == actor.id and user.is_active:
            errors.append(RowError(row.line, NOT_YOURSELF))
            continue
        if user is not None:
            matches[row.line] = user
    return matches, errors


def _departments(session: Session, result: ImportResult, rows: list[Row]) -> dict[str, int]:
    """Creates and renames the departments the 在職 rows name; their ids by code."""
    existing = {d.code: d for d in session.exec(select(Department)).all()}
    for row in rows:
        code, name = row.department_code, row.department_name
        if not row.is_active or code is None or name is None:
            continue
        department = existing.get(code)
        if department is None:
            department = Department(code=code, name=name)
            session.add(department)
            existing[code] = department
            result.departments_created += 1
            result.departments.append(DepartmentChange(code, None, name))
        elif department.name != name:
            result.departments.append(DepartmentChange(code, department.name, name))
            department.name = name
            department.version += 1
            department.updated_at = utcnow()
            session.add(department)
    session.flush()
    for change in result.departments:
        change.id = existing[change.code].id
    return {code: d.id for code, d in existing.items() if d.id is not None}


def _wanted(row: Row, department_ids: dict[str, int]) -> dict[str, Any]:
    if not row.is_active:
        return {"is_active": False}  # a leaver's record stays as it was
    return {
        "employee_number": row.employee_number,
        "name": row.name,
        "name_kana": row.name_kana,
        "email": row.email,
        "department_id": department_ids[row.department_code] if row.department_code else None,
        "position": row.position,
        "employment_type": row.employment_type,
        "is_active": True,
    }


def _deactivate(session: Session, user: User) -> None:
    sessions.revoke_all(session, user_id=id_of(user))


def _apply(
    session: Session,
    result: ImportResult,
    rows: list[Row],
    matches: dict[int, User],
    users: list[User],
    actor: User,
    deactivate_missing: bool,
) -> None:
    department_ids = _departments(session, result, rows)
    plans = [(row, matches.get(row.line), _wanted(row, department_ids)) for row in rows]
    before = {u.id: {name: getattr(u, name) for name in USER_FIELDS} for u in users}
    # E-mails passed from one person to another (checked by _match): free every changing
    # one first, so that no intermediate state breaks the unique e-mail.
    holders = {u.email: u for u in users}
    claims = [(user, wanted["email"]) for _row, user, wanted in plans if "email" in wanted]
    if any(holders.get(email) not in (None, user) for user, email in claims):
        for user, email in claims:
            if user is not None and user.email != email:
                user.email = f"roster-{user.id}@moving.invalid"
                session.add(user)
        session.flush()
    now = utcnow()
    for row, user, wanted in plans:
        if user is None:
            if not row.is_active:
                result.unchanged += 1  # a leaver never known here: nothing to do
                continue
            user = User(**wanted, password_hash="", role_rows=[UserRole(role=Role.staff.value)])
            session.add(user)
            result.created += 1
            fields: dict[str, tuple[Any, Any]] = {
                name: (None, new) for name, new in wanted.items() if new is not None
            }
            result.changes.append(Change(row.employee_number, "created", fields, row.name))
            continue
        old = before[user.id]
        fields = {name: (old[name], new) for name, new in wanted.items() if old[name] != new}
        for name, new in wanted.items():
            setattr(user, name, new)  # also puts back an e-mail freed above
        if not fields:
            result.unchanged += 1
            continue
        user.version += 1
        user.updated_at = now
        session.add(user)
        if fields.get("is_active") == (True, False):
            _deactivate(session, user)
            result.deactivated += 1
            kind = "deactivated"
        else:
            result.updated += 1
            kind = "updated"
        result.changes.append(Change(row.employee_number, kind, fields, user.name))
    if deactivate_missing:
        listed = {row.employee_number for row in rows}
        matched = {user.id for user in matches.values()}
        for user in sorted(users, key=lambda u: u.employee_number or ""):
            if (
                user.employee_number is None
                or user.employee_number in listed
                or user.id in matched
                or user.id == actor.id
                or not user.is_active
            ):
                continue
            user.is_active = False
            user.version += 1
            user.updated_at = now
            session.add(user)
            _deactivate(session, user)
            result.deactivated += 1
            fields = {"is_active": (True, False)}
            result.changes.append(Change(user.employee_number, "deactivated", fields, user.name))
