"""The staff roster import (人事異動; API.md "Staff roster import"): the personnel system's
CSV export, matched by 職員番号, each spring.

- The file is UTF-8 (with or without BOM) or else Shift_JIS/CP932; its first line is
  exactly `HEADER`. Lines count from the header as 1, blank lines included, as a text
  editor counts them; blank lines are skipped.
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

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.errors import InvalidTransition, PayloadTooLarge
from app.i18n import N_
from app.models import Department, User, UserRole
from app.models.enums import EmploymentType, Role
from app.models.types import normalise_email, refuse_control_characters, utcnow
from app.models.user import normalise_employee_number
from app.services import sessions

HEADER = (
    "職員番号",
    "氏名",
    "フリガナ",
    "所属コード",
    "所属名",
    "役職",
    "雇用形態",
    "メールアドレス",
    "在職",
)
# 雇用形態 as the personnel system writes it (with or without 職員).
EMPLOYMENT_TYPES: dict[str, EmploymentType] = {
    "正規": EmploymentType.regular,
    "正規職員": EmploymentType.regular,
    "会計年度任用": EmploymentType.fiscal_year_appointed,
    "会計年度任用職員": EmploymentType.fiscal_year_appointed,
    "再任用": EmploymentType.reappointed,
    "再任用職員": EmploymentType.reappointed,
    "その他": EmploymentType.other,
}
# A town hall has hundreds of staff; a city's roster of 10,000 is about 1.5 MB.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
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
MAX_LENGTHS = {"氏名": 100, "フリガナ": 100, "所属コード": 20, "所属名": 100, "役職": 50}

TOO_LARGE = N_("名簿ファイルが大きすぎます（%(megabytes)s MB まで）。")
TOO_MANY_ROWS = N_("名簿の行数が多すぎます（%(rows)s行まで）。")
CONFLICT = N_("取込中に別の変更と重なりました。もう一度取り込んでください。")
NOT_DECODABLE = N_("文字コードを UTF-8 または Shift_JIS（CP932）として読み取れません。")
NOT_CSV = N_("CSV として読み取れません（引用符の閉じ忘れや、大きすぎる項目があります）。")
EMPTY_FILE = N_("ファイルが空です。1行目に見出し行が必要です。")
BAD_HEADER = N_("1行目（見出し）は「%(header)s」としてください。")
NO_ROWS = N_("職員の行がありません。")
COLUMN_COUNT = N_("列の数が%(expected)s列ではありません（%(count)s列あります）。")
REQUIRED = N_("「%(column)s」を入力してください。")
TOO_LONG = N_("「%(column)s」は%(max)s文字以内にしてください。")
CONTROL = N_("「%(column)s」に改行・タブ・制御文字は使えません。")
BAD_NUMBER = N_("「職員番号」は英数字とハイフン（20文字以内）で入力してください。")
BAD_EMAIL = N_("「メールアドレス」の形式が正しくありません。")
BAD_EMPLOYMENT = N_(
    "「雇用形態」は 正規・会計年度任用・再任用・その他 のいずれかにしてください（「%(value)s」）。"
)
BAD_ACTIVE = N_("「在職」は 1（在職）または 0（退職など）にしてください（「%(value)s」）。")
NAME_WITHOUT_CODE = N_("「所属名」を入れた行には「所属コード」も入力してください。")
CODE_WITHOUT_NAME = N_("「所属コード」を入れた行には「所属名」も入力してください。")
DEPARTMENT_NAME_DIFFERS = N_(
    "所属コード %(code)s の所属名が %(other)s 行目（「%(name)s」）と異なります。"
)
DUPLICATE_NUMBER = N_("職員番号 %(number)s は %(other)s 行目にもあります。")
DUPLICATE_EMAIL = N_("メールアドレス %(email)s は %(other)s 行目にもあります。")
EMAIL_TAKEN = N_("メールアドレス %(email)s は別の職員（%(name)s）が使っています。")
NOT_YOURSELF = N_("ご自身（取込を行っている管理者）を退職（在職 0）にはできません。")


@dataclass
class RowError:
    line: int
    msg: str  # a Japanese msgid with %(name)s parameters
    params: dict[str, Any] = field(default_factory=dict)


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


@dataclass
class Row:
    line: int
    employee_number: str
    name: str
    name_kana: str | None
    department_code: str | None
    department_name: str | None
    position: str | None
    employment_type: str
    email: str
    is_active: bool


class _FileError(Exception):
    def __init__(self, line: int, msg: str, **params: Any) -> None:
        super().__init__(msg)
        self.error = RowError(line, msg, params)


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
        rows, errors = _parse(_decode(data))
    except _FileError as exc:
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


def _decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else CP932; neither is an error at the line where the one
    that read further failed."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        encodings: tuple[str, ...] = ("utf-8",)  # a BOM says UTF-8
    else:
        encodings = ("utf-8", "cp932")
    furthest = 0
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            # The encoding that read further is the likelier one: its failure is the line.
            furthest = max(furthest, exc.start)
    raise _FileError(data[:furthest].count(b"\n") + 1, NOT_DECODABLE)


def _trim_trailing_empty(record: list[str]) -> list[str]:
    # Spreadsheets often save a few empty columns after the last one.
    while len(record) > len(HEADER) and not record[-1].strip():
        record = record[:-1]
    return record


def _parse(text: str) -> tuple[list[Row], list[RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    errors: list[RowError] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    department_names: dict[str, tuple[str, int]] = {}
    line = 0
    while True:
        # A record's line is the physical line it starts on (a quoted cell may hold more).
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise _FileError(line, NOT_CSV) from None
        if line == 1:
            header = [cell.strip().lstrip("\ufeff") for cell in _trim_trailing_empty(record)]
            if tuple(header) != HEADER:
                raise _FileError(1, BAD_HEADER, header=",".join(HEADER))
            continue
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        if len(rows) + len(errors) >= MAX_ROWS:
            raise PayloadTooLarge(TOO_MANY_ROWS, rows=MAX_ROWS)
        row, row_errors = _read_row(line, _trim_trailing_empty(record))
        errors += row_errors
        if row is None:
            continue
        before = len(errors)
        other = seen_numbers.setdefault(row.employee_number, line)
        if other != line:
            errors.append(
                RowError(line, DUPLICATE_NUMBER, {"number": row.employee_number, "other": other})
            )
        other = seen_emails.setdefault(row.email, line)
        if other != line:
            errors.append(RowError(line, DUPLICATE_EMAIL, {"email": row.email, "other": other}))
        if row.department_code is not None and row.department_name is not None:
            name, other = department_names.setdefault(
                row.department_code, (row.department_name, line)
            )
            if name != row.department_name:
                params = {"code": row.department_code, "other": other, "name": name}
                errors.append(RowError(line, DEPARTMENT_NAME_DIFFERS, params))
        if len(errors) == before:
            rows.append(row)
    if reader.line_num == 0:
        raise _FileError(1, EMPTY_FILE)
    if not rows and not errors:
        raise _FileError(1, NO_ROWS)
    return rows, errors


def _text(value: str, column: str, line: int, errors: list[RowError]) -> str | None:
    """A one-line cell, trimmed; None when empty."""
    value = value.strip()
    try:
        refuse_control_characters(value)
        if any(c in value for c in "\r\n\t"):
            raise ValueError(CONTROL)
    except ValueError:
        errors.append(RowError(line, CONTROL, {"column": column}))
        return None
    limit = MAX_LENGTHS.get(column)
    if limit is not None and len(value) > limit:
        errors.append(RowError(line, TOO_LONG, {"column": column, "max": limit}))
        return None
    return value or None


def _read_row(line: int, record: list[str]) -> tuple[Row | None, list[RowError]]:
    errors: list[RowError] = []
    if len(record) != len(HEADER):
        errors.append(RowError(line, COLUMN_COUNT, {"expected": len(HEADER), "count": len(record)}))
        return None, errors
    cells = dict(zip(HEADER, record, strict=True))
    values = {column: _text(cells[column], column, line, errors) for column in HEADER}
    for column in ("職員番号", "氏名", "雇用形態", "メールアドレス", "在職"):
        if values[column] is None and cells[column].strip() == "":
            errors.append(RowError(line, REQUIRED, {"column": column}))

    number = None
    if values["職員番号"] is not None:
        try:
            number = normalise_employee_number(values["職員番号"])
        except ValueError:
            errors.append(RowError(line, BAD_NUMBER))
    email = None
    if values["メールアドレス"] is not None:
        try:
            email = normalise_email(values["メールアドレス"])
        except ValueError:
            errors.append(RowError(line, BAD_EMAIL))
    employment = None
    if values["雇用形態"] is not None:
        employment = EMPLOYMENT_TYPES.get(unicodedata.normalize("NFKC", values["雇用形態"]))
        if employment is None:
            errors.append(RowError(line, BAD_EMPLOYMENT, {"value": values["雇用形態"]}))
    active = None
    if values["在職"] is not None:
        active = {"1": True, "0": False}.get(unicodedata.normalize("NFKC", values["在職"]))
        if active is None:
            errors.append(RowError(line, BAD_ACTIVE, {"value": values["在職"]}))
    code = values["所属コード"]
    code = unicodedata.normalize("NFKC", code) if code is not None else None
    if code is None and values["所属名"] is not None and cells["所属コード"].strip() == "":
        errors.append(RowError(line, NAME_WITHOUT_CODE))
    if code is not None and values["所属名"] is None and cells["所属名"].strip() == "":
        errors.append(RowError(line, CODE_WITHOUT_NAME))
    kana = values["フリガナ"]
    if errors:
        return None, errors
    assert number and email and employment and active is not None and values["氏名"]
    return Row(
        line=line,
        employee_number=number,
        name=values["氏名"],
        # Personnel systems often export half-width katakana (ｼｮｸｲﾝ).
        name_kana=unicodedata.normalize("NFKC", kana) if kana else None,
        department_code=code,
        department_name=values["所属名"],
        position=values["役職"],
        employment_type=employment.value,
        email=email,
        is_active=active,
    ), errors


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
    sessions.revoke_all(session, user_id=user.id)


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
            fields = {name: (None, new) for name, new in wanted.items() if new is not None}
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
