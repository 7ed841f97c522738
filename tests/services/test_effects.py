"""Issue 17 item 5: staff time is counted once. 削減額 is money other than staff time; the
hours are converted once at the hourly cost; a 削減額 that repeats the hours' conversion
(480,000円 for 120 時間 at 4,000円) is the same staff time entered twice and is not added
again."""

import pytest

from app.services import effects

RATE = 4_000


@pytest.mark.parametrize(
    ("hours", "savings", "total", "twice"),
    [
        (120, 480_000, 480_000, True),  # the case: not 960,000
        (120, 90_000, 570_000, False),  # 480,000 for the hours + 90,000 of printing
        (120, 0, 480_000, False),
        (0, 480_000, 480_000, False),  # no hours: the yen are all other money
        (None, 50_000, 50_000, False),
        (12.5, 50_000, 50_000, True),  # 12.5 × 4,000
        (12.5, 50_001, 100_001, False),
        (30, None, 120_000, False),
        (None, None, None, False),
    ],
)
def test_total_counts_staff_time_once(hours, savings, total, twice) -> None:
    assert effects.total_yen(hours, savings, RATE) == total
    assert effects.staff_time_twice(hours, savings, RATE) is twice


def test_without_an_hourly_cost_nothing_is_taken_for_staff_time() -> None:
    assert effects.total_yen(120, 0, 0) == 0
    assert effects.staff_time_twice(120, 0, 0) is False
    assert effects.total_yen(120, 5_000, 0) == 5_000
