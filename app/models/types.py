"""Column types and field types shared by the models."""

import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from app.i18n import N_


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


def refuse_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(N_("制御文字（NUL など）は使用できません"))
    return value


def _single_line(value: str) -> str:
    value = refuse_control_characters(value).strip()
    if _LINE_BREAK.search(value):
        raise ValueError(N_("改行やタブは使用できません"))
    return value


def _strip_if_str(value):
    return value.strip() if isinstance(value, str) else value


# Free text: kept exactly as typed, but no control characters.
Text = Annotated[str, AfterValidator(refuse_control_characters)]
# One-line text such as names and codes: trimmed, no line breaks.
Line = Annotated[str, BeforeValidator(_strip_if_str), AfterValidator(_single_line)]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError(N_("メールアドレスの形式が正しくありません"))
    return value


Email = Annotated[str, AfterValidator(normalise_email)]
