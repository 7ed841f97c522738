"""Reading the staff roster file (API.md "Staff roster import"): the personnel system's CSV
in UTF-8 (with or without BOM) or else Shift_JIS/CP932, its first line exactly `HEADER`.

Every line is checked on its own and against the lines before it (a 職員番号, an e-mail
or a department code named twice); the errors carry the line, counted from the header as
1 with blank lines included, as a text editor counts them (blank lines are skipped), and
a Japanese msgid with its parameters. services/roster.py matches and applies the rows.
"""

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from app.errors import PayloadTooLarge
from app.i18n import N_
from app.models.enums import EmploymentType
from app.models.types import normalise_email, refuse_control_characters
from app.models.user import normalise_employee_number

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
MAX_ROWS = 10_000
MAX_LENGTHS = {"氏名": 100, "フリガナ": 100, "所属コード": 20, "所属名": 100, "役職": 50}

TOO_MANY_ROWS = N_("名簿の行数が多すぎます（%(rows)s行まで）。")
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


@dataclass
class RowError:
    line: int
    msg: str  # a Japanese msgid with %(name)s parameters
    params: dict[str, Any] = field(default_factory=dict)


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


class FileError(Exception):
    """A file that cannot be read past some line: its one error."""

    def __init__(self, line: int, msg: str, **params: Any) -> None:
        super().__init__(msg)
        self.error = RowError(line, msg, params)


def decode(data: bytes) -> str:
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
    raise FileError(data[:furthest].count(b"\n") + 1, NOT_DECODABLE)


def _trim_trailing_empty(record: list[str]) -> list[str]:
    # Spreadsheets often save a few empty columns after the last one.
    while len(record) > len(HEADER) and not record[-1].strip():
        record = record[:-1]
    return record


def parse(text: str) -> tuple[list[Row], list[RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    errors: list[RowError] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    department_names: dict[str, tuple[str, int]] = {}
    records = 0
    while True:
        # A record's line is the physical line it starts on (a quoted cell may hold more).
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise FileError(line, NOT_CSV) from None
        if line == 1:
            header = [cell.strip().lstrip("\ufeff") for cell in _trim_trailing_empty(record)]
            if tuple(header) != HEADER:
                raise FileError(1, BAD_HEADER, header=",".join(HEADER))
            continue
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        records += 1
        if records > MAX_ROWS:
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
        raise FileError(1, EMPTY_FILE)
    if not rows and not errors:
        raise FileError(1, NO_ROWS)
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
