"""和暦 dates and fiscal-year labels, including the era boundaries and 元年."""

from datetime import UTC, date, datetime

import pytest

from app.templating import env
from app.wareki import (
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_short,
    local_datetime,
    wareki_date,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 4, 1), "令和7年4月1日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(2020, 1, 1), "令和2年1月1日"),
    ],
)
def test_wareki_date(day: date, expected: str) -> None:
    assert wareki_date(day) == expected


def test_wareki_date_uses_japan_time_for_timestamps() -> None:
    # 2026-03-31 15:30 UTC is already 1 April 00:30 in Japan.
    moment = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
    assert wareki_date(moment) == "令和8年4月1日"
    assert fiscal_year_of(moment) == 2026
    assert local_datetime(moment) == "令和8年4月1日 0:30"


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2025, 4, 1), 2025),
        (date(2026, 1, 15), 2025),
        (date(2025, 12, 31), 2025),
    ],
)
def test_fiscal_year_turns_on_1_april(day: date, fiscal_year: int) -> None:
    assert fiscal_year_of(day) == fiscal_year


@pytest.mark.parametrize(
    ("fiscal_year", "label", "short"),
    [
        (2025, "令和7年度", "R7"),
        (2019, "令和元年度", "R1"),
        (2020, "令和2年度", "R2"),
        (2018, "平成30年度", "H30"),
        (1989, "平成元年度", "H1"),
        (1988, "昭和63年度", "S63"),
    ],
)
def test_fiscal_year_labels(fiscal_year: int, label: str, short: str) -> None:
    assert fiscal_year_label(fiscal_year) == label
    assert fiscal_year_short(fiscal_year) == short


def test_fiscal_year_bounds() -> None:
    assert fiscal_year_bounds(2025) == (date(2025, 4, 1), date(2026, 3, 31))


def test_jinja_filters_render_wareki() -> None:
    template = env.from_string(
        "{{ d|wareki_date }} / {{ fy|fiscal_year_label }} / {{ n|yen }} / {{ none|yen }}"
    )
    assert (
        template.render(d=date(2019, 5, 1), fy=2019, n=1200, none=None)
        == "令和元年5月1日 / 令和元年度 / 1,200円 / —"
    )
