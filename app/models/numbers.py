"""Numeric input as people type it: full-width digits, commas and units (１，２００円,
５万, 12時間); anything else is refused with a message that says what to type."""

import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from app.i18n import N_

_UNITS = re.compile(r"(円|時間|h|hours?|yen)$", re.IGNORECASE)
_TEN_THOUSANDS = re.compile(r"万$")
_SEPARATORS = re.compile(r"[,\s_]")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")

NOT_A_NUMBER = N_("数値で入力してください。")
NOT_AN_AMOUNT = N_("金額は数字で入力してください（例: 50000、５万）。")
NOT_HOURS = N_("時間は数字で入力してください（例: 120、１２０時間）。")


def normalise_number_text(value: Any, message: str = NOT_A_NUMBER) -> Any:
    """'１，２００円' → '1200', '５万' and '5万円' → 50000; numbers pass through; booleans
    and text that is no number (約5万円, たくさん) are refused with `message`."""
    if isinstance(value, bool):
        raise ValueError(message)
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    text = text.replace("−", "-").replace("ー", "-") if text[:1] in "−ー" else text
    text = _SEPARATORS.sub("", text)
    text = _UNITS.sub("", text)
    multiplier = 10_000 if _TEN_THOUSANDS.search(text) else 1
    text = _TEN_THOUSANDS.sub("", text)
    if text == "":
        return None
    if not _NUMBER.fullmatch(text):
        raise ValueError(message)
    if multiplier != 1:
        return int(float(text) * multiplier)
    return text


def _amount(value: Any) -> Any:
    return normalise_number_text(value, NOT_AN_AMOUNT)


def _hours(value: Any) -> Any:
    return normalise_number_text(value, NOT_HOURS)


# The bounds before the validator, so the schema carries them as minimum/maximum. Amounts
# are stored in integer columns (32-bit on PostgreSQL): 2,147,483,647 yen (約21億円) at most.
YEN_MAX = 2**31 - 1
Yen = Annotated[int, Field(ge=0, le=YEN_MAX), BeforeValidator(_amount)]
Hours = Annotated[float, Field(ge=0, le=10**7), BeforeValidator(_hours)]

# The two effects, as the forms and the API describe them (app/services/effects.py).
HoursSaved = Annotated[
    Hours,
    Field(
        description="staff hours saved a year (削減時間): staff time is counted here only, "
        "converted to yen at HOURLY_STAFF_COST_YEN"
    ),
]
SavingsYen = Annotated[
    Yen,
    Field(
        description="yen saved a year other than staff time (削減額: 印刷費, 郵送料, 委託料…); "
        "leave staff cost out, it comes from the hours"
    ),
]
