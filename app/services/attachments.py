"""Files attached to a proposal.

Stored outside the web root under `settings.upload_dir/<proposal id>/<uuid4 hex>`, never
under the user's file name. An upload is streamed to `upload_dir/.incoming/` while its
bytes are counted and hashed, its content is checked against the kind its extension
names, and only then is it moved into the proposal's folder and its row committed (with
an `attach` event and a new proposal version). Any failure removes the file again, so a
refused upload leaves neither a row nor a file. Deleting removes the row (with a `detach`
event) and then the file: the audit trail keeps the name, size and id, not the content.
"""

import hashlib
import logging
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, col, select

from app import rules
from app.config import Settings
from app.errors import (
    Invalid,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from app.i18n import N_
from app.models import Attachment, Proposal, User
from app.models.types import id_of
from app.services.concurrency import check_version, claim, lock
from app.services.events import record_event
from app.services.filetypes import clean_filename, extension_of, kind_for
from app.services.pagination import PageParams, paginate
from app.services.visibility import get_visible_proposal

log = logging.getLogger(__name__)

ATTACHMENT_NOT_FOUND = N_("指定された添付ファイルが見つかりません。")
EMPTY_FILE = N_("空のファイルは添付できません。")
TOO_LARGE = N_("ファイルが大きすぎます。添付できるのは %(limit)s までです。")
CONTENT_MISMATCH = N_("ファイルの内容が拡張子（.%(extension)s）の形式と一致しません。")
STORED_FILE_MISSING = N_("添付ファイルの保存データが見つかりません。管理者に連絡してください。")

CHUNK = 64 * 1024
# Multipart framing around the file is a few hundred bytes; beyond this a declared
# Content-Length cannot be an allowed upload.
CONTENT_LENGTH_SLACK = 64 * 1024
INCOMING = ".incoming"
STORAGE_NAME = re.compile(r"[0-9a-f]{32}")


def _limit_label(limit: int) -> str:
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if limit >= size:
            return f"{limit / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{limit} B"


def check_content_length(header: str | None, limit: int) -> None:
    """PayloadTooLarge (413) when a declared request size cannot be an allowed upload;
    checked before the body is read."""
    if header and header.strip().isdigit() and int(header) > limit + CONTENT_LENGTH_SLACK:
        raise PayloadTooLarge(TOO_LARGE, limit=_limit_label(limit))


# -- storage ------------------------------------------------------------------------------------


def _root(settings: Settings) -> Path:
    return Path(settings.upload_dir).resolve()


def stored_path(settings: Settings, attachment: Attachment) -> Path:
    if not STORAGE_NAME.fullmatch(attachment.storage_name):
        raise NotFound(STORED_FILE_MISSING)
    return _root(settings) / str(attachment.proposal_id) / attachment.storage_name


def remove_stored(path: Path) -> None:
    """Remove a stored file, logging (not raising) when the file system refuses."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.exception("could not remove the stored file %s", path)


@dataclass
class _Saved:
    path: Path
    size: int
    sha256: str


def _save(stream: BinaryIO, first: bytes, target: Path, limit: int) -> _Saved:
    """Copies the upload in chunks, counting and hashing; PayloadTooLarge (413), with the
    partial file removed, as soon as it passes `limit`."""
    digest = hashlib.sha256()
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as out:
            chunk = first
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(TOO_LARGE, limit=_limit_label(limit))
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(CHUNK)
    except BaseException:
        remove_stored(target)
        raise
    return _Saved(target, size, digest.hexdigest())


# -- the service ----------------------------------------------------------------------------


def _check_may_change(proposal: Proposal, user: User) -> None:
    rules.check_allowed(rules.Activity.attach, proposal, user, rules.Facts())


def _check_status(proposal: Proposal) -> None:
    # Files change with the text: only while its authors may edit it (draft, returned).
    rules.check_open(rules.Activity.attach, proposal)


def add_attachment(
    session: Session,
    *,
    proposal_id: int,
    user: User,
    filename: str | None,
    stream: BinaryIO,
    settings: Settings,
    expected_version: int | None = None,
) -> Attachment:
    """Attaches a file to a draft or returned proposal. NotFound (404) when the proposal
    is not visible; Forbidden (403) for anyone but its authors; Invalid (422) for a missing
    name or an empty file; UnsupportedMediaType (415) for an extension not allowed;
    InvalidTransition (409) outside draft/returned; PreconditionFailed (412) when stale;
    PayloadTooLarge (413) past `upload_max_bytes`; UnsupportedMediaType (415) when the
    content is not what the extension says. A refused upload leaves no row and no file."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    _check_may_change(proposal, user)
    name = clean_filename(filename)
    kind = kind_for(name)
    first = stream.read(CHUNK)
    if not first:
        raise Invalid.field("file", EMPTY_FILE)
    lock(session, proposal)
    _check_status(proposal)
    check_version(proposal.version, expected_version)

    root = _root(settings)
    incoming = root / INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    storage_name = uuid.uuid4().hex
    saved = _save(stream, first, incoming / f"{storage_name}.part", settings.upload_max_bytes)
    final = root / str(proposal.id) / storage_name
    try:
        if not kind.matches(saved.path):
            raise UnsupportedMediaType(CONTENT_MISMATCH, extension=extension_of(name))
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(saved.path, final)
        claim(session, proposal)
        attachment = Attachment(
            proposal_id=id_of(proposal),
            filename=name,
            content_type=kind.content_type,
            size=saved.size,
            sha256=saved.sha256,
            storage_name=storage_name,
            uploaded_by_id=id_of(user),
        )
        session.add(attachment)
        session.flush()
        record_event(
            session,
            proposal=proposal,
            actor=user,
            action="attach",
            changes={"filename": name, "size": saved.size, "attachment_id": attachment.id},
        )
        session.commit()
    except BaseException:
        session.rollback()
        remove_stored(saved.path)
        remove_stored(final)
        raise
    session.refresh(attachment)
    return attachment


def list_attachments(
    session: Session, *, proposal_id: int, user: User, page: PageParams
) -> tuple[list[Attachment], int]:
    """The proposal's attachments, oldest first, for anyone who may see it (else 404)."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    query = (
        select(Attachment)
        .where(Attachment.proposal_id == proposal.id)
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return paginate(session, query, page)


def _get_attachment(session: Session, *, proposal: Proposal, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.proposal_id != proposal.id:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    return attachment


def open_attachment(
    session: Session, *, proposal_id: int, attachment_id: int, user: User, settings: Settings
) -> tuple[Attachment, Path]:
    """The attachment and where its bytes are, for anyone who may see the proposal.
    NotFound (404) when the proposal is not visible, or the attachment is not its own."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    attachment = _get_attachment(session, proposal=proposal, attachment_id=attachment_id)
    path = stored_path(settings, attachment)
    if not path.is_file():
        log.error("attachment %s has no stored file at %s", attachment.id, path)
        raise NotFound(STORED_FILE_MISSING)
    return attachment, path


def delete_attachment(
    session: Session,
    *,
    proposal_id: int,
    attachment_id: int,
    user: User,
    settings: Settings,
    expected_version: int | None = None,
) -> None:
    """Removes an attachment (the row, with a `detach` event, then its file). NotFound
    (404) when the proposal is not visible or the attachment not its own; Forbidden (403)
    for anyone but the authors; InvalidTransition (409) outside draft/returned;
    PreconditionFailed (412) when stale."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    attachment = _get_attachment(session, proposal=proposal, attachment_id=attachment_id)
    _check_may_change(proposal, user)
    lock(session, proposal)
    _check_status(proposal)
    check_version(proposal.version, expected_version)
    path = stored_path(settings, attachment)
    claim(session, proposal)
    record_event(
        session,
        proposal=proposal,
        actor=user,
        action="detach",
        changes={
            "filename": attachment.filename,
            "size": attachment.size,
            "attachment_id": attachment.id,
        },
    )
    session.delete(attachment)
    session.commit()
    # Only once the row is gone: a failed commit leaves both in place.
    remove_stored(path)
