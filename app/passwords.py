"""The password policy (docs/security.md, "Passwords"): at least 12 characters, at most
128, not a common password (even with digits or symbols around it, or in other case),
not digits and symbols alone, not one or two characters repeated, and not containing the local part of the user's e-mail.

`password_problem` returns the Japanese message id of the first rule broken, or None;
the user models, the services and `create-admin` all ask it.
"""

import re
from functools import lru_cache
from pathlib import Path

from app.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 128
TOO_SHORT = N_("パスワードは12文字以上にしてください")
TOO_LONG = N_("パスワードは128文字以内にしてください")
TOO_COMMON = N_(
    "よく使われるパスワードや推測されやすいパスワードは使用できません。"
    "単語をいくつか組み合わせた長いパスワードにしてください"
)
HAS_EMAIL = N_("パスワードにメールアドレスの @ より前の部分を含めないでください")
_COMMON_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
_AROUND = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text("utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, email: str | None = None) -> str | None:
    """The message id of the first rule `password` breaks, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    lowered = password.lower()
    core = _AROUND.sub("", lowered)
    if (
        not core
        or core in common_passwords()
        or lowered in common_passwords()
        or len(set(lowered)) <= 2
    ):
        return TOO_COMMON
    local = (email or "").split("@", 1)[0].lower()
    if len(local) >= 3 and local in lowered:
        return HAS_EMAIL
    return None
