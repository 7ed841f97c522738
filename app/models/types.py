"""Column types and field types shared by the models."""

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Protocol

from pydantic import AfterValidator, BeforeValidator, Field, Strict
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel._compat import SQLModelConfig

from app.i18n import N_

# SQLModel types `model_config` as its own TypedDict (pydantic's ConfigDict plus `table`):
# the same dict at run time, but the type checker wants this one on SQLModel classes.
ModelConfig = SQLModelConfig


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on both databases (SQLite stores no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# C0 controls except TAB, LF, CR; DEL; C1 controls. NUL is refused by PostgreSQL itself,
# the rest would corrupt CSV exports and confuse readers, so both databases refuse them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\r\n\t]")
# Lone UTF-16 surrogates (JSON "\ud800") are not characters: no database can store them and
# no UTF-8 answer can echo them. Bodies are refused at decoding (app/routers/routing.py);
# the text types refuse them too, whatever the source.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
NOT_UNICODE = N_("文字として読み取れない値（不正なサロゲート）が含まれています")


def refuse_control_characters(value: str) -> str:
    if _SURROGATE.search(value):
        raise ValueError(NOT_UNICODE)
    if _CONTROL.search(value):
        raise ValueError(N_("制御文字（NUL など）は使用できません"))
    return value


def _single_line(value: Any) -> Any:
    """Refuses control characters and line breaks anywhere in what was sent, then trims."""
    if not isinstance(value, str):
        return value
    refuse_control_characters(value)
    if _LINE_BREAK.search(value):
        raise ValueError(N_("改行やタブは使用できません"))
    return value.strip()


# The same rules as JSON Schema patterns, so /openapi.json says what is validated.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
NON_BLANK_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"

# Free text: kept exactly as typed, but no control characters.
Text = Annotated[
    str,
    AfterValidator(refuse_control_characters),
    Field(json_schema_extra={"pattern": TEXT_PATTERN}),
]
# One-line text such as names and codes: no line breaks, tabs or control characters;
# trimmed.
Line = Annotated[
    str, BeforeValidator(_single_line), Field(json_schema_extra={"pattern": LINE_PATTERN})
]
REQUIRED = N_("必須項目です。")
NON_BLANK_TEXT_PATTERN = (
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f]"
    r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
)


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError(REQUIRED)
    return value


def not_blank(message: str = REQUIRED) -> Callable[[str], str]:
    """The check of a free text that must hold more than spaces; `message` when blank."""

    def check(value: str) -> str:
        if not value.strip():
            raise ValueError(message)
        return value

    return check


# Free text (kept as typed) that must hold more than spaces: each such type is written out
# as `Annotated[str, NON_CONTROL, AfterValidator(not_blank(message)), NON_BLANK_TEXT_SCHEMA]`.
NON_CONTROL = AfterValidator(refuse_control_characters)
NON_BLANK_TEXT_SCHEMA = Field(json_schema_extra={"pattern": NON_BLANK_TEXT_PATTERN, "minLength": 1})

NonBlankText = Annotated[str, NON_CONTROL, AfterValidator(not_blank()), NON_BLANK_TEXT_SCHEMA]
# A reason wherever one is required (return, not-accept, decide, budget denial, recusal).
ReasonText = Annotated[
    str,
    NON_CONTROL,
    AfterValidator(not_blank(N_("理由を入力してください。"))),
    NON_BLANK_TEXT_SCHEMA,
]


# A one-line text that must say something: at least one character besides spaces.
NonBlankLine = Annotated[
    str,
    BeforeValidator(_single_line),
    AfterValidator(_not_blank),
    Field(json_schema_extra={"pattern": NON_BLANK_LINE_PATTERN, "minLength": 1}),
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError(N_("メールアドレスの形式が正しくありません"))
    return value


Email = Annotated[
    str,
    AfterValidator(normalise_email),
    Field(json_schema_extra={"pattern": r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$", "maxLength": 254}),
]


# true or false, nothing else (JSON 0, 1 or "yes" are refused as the schema says); the
# pages turn their checkboxes and radio buttons into booleans before validating.
Flag = Annotated[bool, Strict()]

# 年度: the Gregorian year it starts in; the range the whole API accepts.
FiscalYear = Annotated[
    int, Field(ge=2000, le=2100, description="年度 (the Gregorian year it starts in)")
]

# Ids: positive and within the database's integer columns (32-bit on PostgreSQL; a larger
# number could name nothing, and SQLite cannot even bind one past 2^63), so an id out of
# range is 422 before any query. Used for path, query and body ids alike.
ID_MAX = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX)]

# Dates people enter (due dates, start and end dates, measured dates, …): ISO YYYY-MM-DD
# between 2000-01-01 and 2100-12-31. The schema says so with a pattern (JSON Schema has
# no date bounds), and the validation is exactly that pattern plus a real calendar date.
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
DATE_PATTERN = r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"
_ISO_DAY = re.compile(DATE_PATTERN)
DATE_OUT_OF_RANGE = N_("日付は2000-01-01から2100-12-31までの範囲で入力してください。")
DATE_FORMAT = N_("日付は YYYY-MM-DD の形式で入力してください。")


def _iso_day(value: Any) -> Any:
    if isinstance(value, datetime):
        raise ValueError(DATE_FORMAT)
    if isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(DATE_FORMAT)
    else:
        raise ValueError(DATE_FORMAT)
    if not _ISO_DAY.match(text):
        raise ValueError(DATE_OUT_OF_RANGE)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(DATE_FORMAT) from None


Day = Annotated[
    date,
    BeforeValidator(_iso_day),
    Field(
        description="YYYY-MM-DD, 2000-01-01 to 2100-12-31",
        json_schema_extra={"pattern": DATE_PATTERN},
    ),
]


def no_null_defaults(schema: dict[str, Any], model: Any = None) -> None:
    """For a PATCH model's `json_schema_extra`: optional fields that may not be null show
    no `default: null` in the schema (they may be left out, not set to null)."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None and "anyOf" not in prop:
            del prop["default"]


class _Row(Protocol):
    id: int | None


def id_of(row: _Row) -> int:
    """The primary key of a row that has been flushed or loaded (`id` is None only before
    the first flush, and no caller passes such a row on)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id before it is flushed")
    return row.id
