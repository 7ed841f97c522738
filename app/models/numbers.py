"""Numeric input as people type it: full-width digits, commas and units (１，２００円)."""

import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from app.i18n import N_

_UNITS = re.compile(r"(円|万円|時間|h|hours?|yen)$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,\s_]")


def normalise_number_text(value: Any) -> Any:
    """'１，２００円' → '1200'; numbers pass through; booleans are refused."""
    if isinstance(value, bool):
        raise ValueError(N_("数値で入力してください。"))
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    text = text.replace("−", "-").replace("ー", "-") if text[:1] in "−ー" else text
    text = _SEPARATORS.sub("", text)
    multiplier = 10_000 if text.endswith("万円") else 1
    text = _UNITS.sub("", text)
    if text == "":
        return None
    if multiplier != 1:
        try:
            return int(float(text) * multiplier)
        except ValueError:
            raise ValueError(N_("数値で入力してください。")) from None
    return text


# The bounds before the validator, so the schema carries them as minimum/maximum. Amounts
# are stored in integer columns (32-bit on PostgreSQL): 2,147,483,647 yen (約21億円) at most.
YEN_MAX = 2**31 - 1
Yen = Annotated[int, Field(ge=0, le=YEN_MAX), BeforeValidator(normalise_number_text)]
Hours = Annotated[float, Field(ge=0, le=10**7), BeforeValidator(normalise_number_text)]
