"""Stored files with no attachment row: what an upload interrupted between writing its
file and committing its row (a killed worker, a power cut) leaves behind, and the
`.part` files of uploads that never finished (docs/integrity.md, "Crash safety").

A row never lacks its file: an upload moves its file into place before the row is
committed, and a removal deletes the row before the file. So only this direction needs
sweeping. The sweep leaves alone anything younger than `min_age`, since another worker
may be between those two steps right now; at start-up it is one hour, and
`python -m app clean-uploads --min-age 0` sweeps everything once no worker is running.
"""

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from app.config import Settings
from app.models import Attachment
from app.services.attachments import INCOMING, STORAGE_NAME

log = logging.getLogger(__name__)
STARTUP_MIN_AGE_SECONDS = 3600


@dataclass
class Swept:
    partial: int = 0  # unfinished uploads (.part)
    orphans: int = 0  # whole files whose row was never committed


def sweep(session: Session, *, settings: Settings, min_age_seconds: float) -> Swept:
    """Removes unreferenced stored files older than `min_age_seconds`; returns the counts."""
    root = Path(settings.upload_dir).resolve()
    swept = Swept()
    if not root.is_dir():
        return swept
    cutoff = time.time() - min_age_seconds
    incoming = root / INCOMING
    if incoming.is_dir():
        for path in incoming.iterdir():
            if path.is_file() and path.stat().st_mtime <= cutoff:
                path.unlink(missing_ok=True)
                swept.partial += 1
    known = {
        (str(proposal_id), storage_name)
        for proposal_id, storage_name in session.exec(
            select(Attachment.proposal_id, Attachment.storage_name)
        ).all()
    }
    for folder in root.iterdir():
        if not folder.is_dir() or not folder.name.isdigit():
            continue
        for path in folder.iterdir():
            if (
                path.is_file()
                and STORAGE_NAME.fullmatch(path.name)
                and (folder.name, path.name) not in known
                and path.stat().st_mtime <= cutoff
            ):
                log.warning("removing stored file %s: no attachment row refers to it", path)
                path.unlink(missing_ok=True)
                swept.orphans += 1
    return swept
