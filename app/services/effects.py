"""What an effect is worth in yen, counting staff time once (docs: README "Effects").

The three sets of effects (estimated by the author, target at the decision, actual in the
completion report) each have 削減時間 (staff hours saved a year) and 削減額 (yen saved a
year). 削減額 is money saved other than staff time — 印刷費, 郵送料, 委託料, 消耗品… — and
staff time goes in 削減時間 only, converted once at the hourly staff cost
(HOURLY_STAFF_COST_YEN). The yearly effect is therefore

    削減時間 × 人件費換算単価 ＋ 削減額.

Before the forms said so, some reports put the hours' conversion in 削減額 as well
(120 時間 and 480,000円 at 4,000円/時間), and the total counted the same staff time twice.
A 削減額 equal to the hours' conversion (to the yen, at the current rate) is taken to be
that: it is left out of the total, which then counts the staff time once, and the pages
say so beside the figure. The one rule is here, in Python for a proposal's table and as
SQL for the sums of the dashboard and /stats.
"""

from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.sql import ColumnElement


def hours_as_yen(hours: float | None, hourly_cost_yen: int) -> int | None:
    return round(hours * hourly_cost_yen) if hours is not None else None


def staff_time_twice(hours: float | None, savings_yen: int | None, hourly_cost_yen: int) -> bool:
    """削減額 repeats the hours' conversion: the staff time was entered twice."""
    if not hours or savings_yen is None or not hourly_cost_yen:
        return False
    return abs(savings_yen - hours * hourly_cost_yen) <= 0.5


def other_savings(hours: float | None, savings_yen: int | None, hourly_cost_yen: int) -> int:
    """削減額 as the total counts it: money other than staff time."""
    if savings_yen is None or staff_time_twice(hours, savings_yen, hourly_cost_yen):
        return 0
    return savings_yen


def total_yen(hours: float | None, savings_yen: int | None, hourly_cost_yen: int) -> int | None:
    """The yearly effect in yen, staff time counted once; None when neither is given."""
    if hours is None and savings_yen is None:
        return None
    return (hours_as_yen(hours, hourly_cost_yen) or 0) + other_savings(
        hours, savings_yen, hourly_cost_yen
    )


def staff_time_twice_clause(hours: Any, savings_yen: Any, hourly_cost_yen: int) -> ColumnElement:
    """`staff_time_twice` as an SQL condition (on either database)."""
    if not hourly_cost_yen:
        return and_(hours.is_(None), hours.is_not(None))  # never
    return and_(
        hours > 0,
        savings_yen.is_not(None),
        func.abs(savings_yen - hours * hourly_cost_yen) <= 0.5,
    )
