"""Optimistic concurrency: versions, ETags and If-Match."""

from app.errors import PreconditionFailed
from app.i18n import N_

STALE = N_(
    "この内容は他の人が先に更新しました。最新の内容を読み込み直してから、もう一度操作してください。"
)


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> int | None:
    """The version an If-Match header names; None when absent or `*`; -1 when unreadable
    (which then never matches)."""
    if header is None or header.strip() in ("", "*"):
        return None
    value = header.strip().split(",")[0].strip()
    value = value.removeprefix("W/").strip('"')
    return int(value) if value.isdigit() else -1


def check_version(current: int, expected: int | None) -> None:
    """Raises PreconditionFailed (412) when the caller edited an older version."""
    if expected is not None and expected != current:
        raise PreconditionFailed(STALE)
