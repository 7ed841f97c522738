import pytest

from app.models.enums import Role


@pytest.fixture
def cast(make_user, make_department) -> dict:
    """One user per actor of tests/lifecycle/cast.py, and the implementing department."""
    home = make_department("住民税務課")
    elsewhere = make_department("建設課")
    implementing = make_department("情報政策課")
    return {
        "author": make_user(department=home, name="提案 太郎"),
        "co_author": make_user(department=elsewhere, name="共同 花子"),
        "secretariat": make_user(Role.secretariat, department=elsewhere),
        "supervisor": make_user(Role.supervisor, department=home),
        "other_supervisor": make_user(Role.supervisor, department=elsewhere),
        "reviewer": make_user(Role.reviewer, department=elsewhere),
        "finance": make_user(Role.finance, department=elsewhere),
        "implementer": make_user(department=implementing),
        "other_staff": make_user(department=home),
        "admin": make_user(Role.admin, department=elsewhere),
        "_implementing": implementing,
    }
