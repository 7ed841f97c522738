"""和暦 (Japanese era) dates and fiscal years (年度: 1 April – 31 March).

Data is stored in ISO form; these functions only make display labels. The label makers
never raise, whatever date they get (before 明治, or at the ends of the calendar): a page
that shows a bad date must still render, so they fall back to the ISO form.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")

# (first day, era name), newest first.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 1, 25), "明治"),
)


def _era_year(name: str, year: int) -> str:
    return f"{name}{'元' if year == 1 else year}年"


def era_of(day: date) -> tuple[str, int]:
    """The era and the year within it for a date (2019-05-01 → ('令和', 1))."""
    for start, name in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day} is before the Meiji era")


def to_local_date(value: date | datetime) -> date:
    """A datetime as its date in Japan (naive datetimes are taken as UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(JST).date()
    return value


def wareki_date(value: date | datetime | None) -> str:
    """令和7年4月1日; 令和元年5月1日 for the first year; '' for None; the ISO date for a
    day before 明治 (or one that cannot be moved to Japan time)."""
    if value is None:
        return ""
    try:
        day = to_local_date(value)
    except (OverflowError, ValueError):
        return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    try:
        name, year = era_of(day)
    except ValueError:
        return day.isoformat()
    return f"{_era_year(name, year)}{day.month}月{day.day}日"


def fiscal_year_of(value: date | datetime) -> int:
    """The fiscal year (the Gregorian year it starts in) holding this date, in Japan time."""
    day = to_local_date(value)
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(fiscal_year: int | None) -> str:
    """令和7年度 for 2025; 令和元年度 for 2019; 昭和63年度 for 1988; 1141年度 for a year
    before 明治."""
    if fiscal_year is None:
        return ""
    try:
        name, year = _fiscal_era(fiscal_year)
    except ValueError:
        return f"{fiscal_year}年度"
    return f"{name}{'元' if year == 1 else year}年度"


def _fiscal_era(fiscal_year: int) -> tuple[str, int]:
    # A fiscal year is named by the era of its calendar year's end: FY2019 began on
    # 1 April 2019, still 平成31年, yet is 令和元年度; FY1988 ran into 平成 (8 January 1989)
    # and stays 昭和63年度. ValueError before 明治 or outside the calendar.
    return era_of(date(fiscal_year, 12, 31))


def fiscal_year_short(fiscal_year: int) -> str:
    """The era initial and year, for proposal numbers: 2025 → 'R7' (the Gregorian year
    before 明治)."""
    try:
        name, year = _fiscal_era(fiscal_year)
    except ValueError:
        return str(fiscal_year)
    initial = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T", "明治": "M"}[name]
    return f"{initial}{year}"


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    """First and last day: (1 April, 31 March of the next year)."""
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


def today_jst() -> date:
    return datetime.now(JST).date()


def local_datetime(value: datetime | None) -> str:
    """A timestamp in Japan time as 令和7年4月1日 9:05."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        local = value.astimezone(JST)
    except (OverflowError, ValueError):
        return value.isoformat(timespec="minutes")
    return f"{wareki_date(local)} {local.hour}:{local.minute:02d}"
