"""Execution (issue 6) through the API: start, milestones, progress updates and the
completion report; who may write them (the implementing department and the secretariat,
nobody else); the derived progress and overdue on the proposal; the department's board —
and that a request that fails writes nothing.

The clock is fixed (TODAY) so "past due", "today" and "in the future" are exact: the
fixtures are in conftest.py, the helpers in support.py.
"""

from types import SimpleNamespace

import pytest

from app.models.enums import Role
from tests.api.execution.support import TODAY


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch) -> None:
    monkeypatch.setattr("app.wareki.today_jst", lambda: TODAY)


@pytest.fixture
def cast(make_user, make_department) -> SimpleNamespace:
    home = make_department("住民課")
    implementing = make_department("情報政策課")
    elsewhere = make_department("総務課")
    return SimpleNamespace(
        home=home,
        implementing=implementing,
        elsewhere=elsewhere,
        author=make_user(department=home, name="提案 太郎"),
        co_author=make_user(department=elsewhere, name="共同 花子"),
        doer=make_user(department=implementing, name="実施 一郎"),
        colleague=make_user(department=implementing, name="実施 二郎"),
        retired=make_user(department=implementing, is_active=False),
        secretariat=make_user(Role.secretariat, department=elsewhere),
        finance=make_user(Role.finance, department=elsewhere),
        reviewer=make_user(Role.reviewer, department=elsewhere),
        supervisor=make_user(Role.supervisor, department=home),  # of the author's department
        admin=make_user(Role.admin, department=elsewhere),
        other_staff=make_user(department=elsewhere),
    )
