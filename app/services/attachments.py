"""Files attached to a proposal.

Stored outside the web root under `settings.upload_dir/<proposal id>/<uuid4 hex>`, never
under the user's file name. An upload is streamed to `upload_dir/.incoming/` while its
bytes are counted and hashed, its content is checked against the kind its extension
names, and only then is it moved into the proposal's folder and its row committed (with
an `attach` event and a new proposal version). Any failure removes the file again, so a
refused upload leaves neither a row nor a file. Deleting removes the row (with a `detach`
event) and then the file: the audit trail keeps the name, size and id, not the content.
"""

import codecs
import hashlib
import logging
import os
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from sqlmodel import Session, col, select

from app.config import Settings
from app.errors import (
    Forbidden,
    Invalid,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from app.i18n import N_
from app.models import Attachment, Proposal, User
from app.models.enums import Status
from app.services.concurrency import check_version
from app.services.events import record_event
from app.services.lifecycle import claim
from app.services.pagination import PageParams, paginate
from app.services.visibility import get_visible_proposal

log = logging.getLogger(__name__)

ATTACHMENT_NOT_FOUND = N_("指定された添付ファイルが見つかりません。")
ONLY_AUTHOR_ATTACHES = N_("添付ファイルを追加・削除できるのは提案者と共同提案者だけです。")
NOT_ATTACHABLE = N_(
    "現在の状態（%(status)s）では添付ファイルを追加・削除できません。"
    "追加・削除できるのは下書きと差戻しの提案です。"
)
NO_FILENAME = N_("ファイル名がありません。")
EMPTY_FILE = N_("空のファイルは添付できません。")
TOO_LARGE = N_("ファイルが大きすぎます。添付できるのは %(limit)s までです。")
UNSUPPORTED_TYPE = N_(
    "この種類のファイルは添付できません。添付できるのは PDF、Office 文書、"
    "画像（PNG・JPEG・GIF・WebP）、CSV とテキストファイルです。"
)
CONTENT_MISMATCH = N_("ファイルの内容が拡張子（.%(extension)s）の形式と一致しません。")
STORED_FILE_MISSING = N_("添付ファイルの保存データが見つかりません。管理者に連絡してください。")

ATTACHABLE = (Status.draft, Status.returned)
FILENAME_MAX = 200
CHUNK = 64 * 1024
# Multipart framing around the file is a few hundred bytes; beyond this a declared
# Content-Length cannot be an allowed upload.
CONTENT_LENGTH_SLACK = 64 * 1024
INCOMING = ".incoming"
STORAGE_NAME = re.compile(r"[0-9a-f]{32}")
# Characters dropped from a display name: control, format (bidi overrides such as U+202E),
# surrogate and line/paragraph separators.
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


# -- recognising the kinds of file ----------------------------------------------------------

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"


def _head(path: Path, size: int = 16) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _signature(*prefixes: bytes) -> Callable[[Path], bool]:
    def check(path: Path) -> bool:
        head = _head(path)
        return any(head.startswith(prefix) for prefix in prefixes)

    return check


def _webp(path: Path) -> bool:
    head = _head(path)
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _zip_members(path: Path) -> zipfile.ZipFile | None:
    """The archive, if the file is one from its first byte (an executable with a zip
    appended, which zipfile would also open, is not)."""
    if _head(path, 4) != ZIP:
        return None
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _ooxml(part_folder: str) -> Callable[[Path], bool]:
    """An Office Open XML package of the right application, without macros."""

    def check(path: Path) -> bool:
        archive = _zip_members(path)
        if archive is None:
            return False
        with archive:
            names = archive.namelist()
        return (
            "[Content_Types].xml" in names
            and any(name.startswith(part_folder) for name in names)
            and not any(name.lower().endswith("vbaproject.bin") for name in names)
        )

    return check


def _opendocument(mimetype: str) -> Callable[[Path], bool]:
    def check(path: Path) -> bool:
        archive = _zip_members(path)
        if archive is None:
            return False
        try:
            with archive:
                info = archive.getinfo("mimetype")
                if info.file_size > 100:
                    return False
                return archive.read(info).strip() == mimetype.encode("ascii")
        except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            return False

    return check


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _text(path: Path) -> bool:
    """No NUL byte, and UTF-8 (with or without BOM) or CP932 (Shift_JIS, as Japanese
    Excel writes CSV)."""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if b"\x00" in chunk:
                return False
    return _decodes(path, "utf-8-sig") or _decodes(path, "cp932")


@dataclass(frozen=True)
class FileKind:
    content_type: str
    matches: Callable[[Path], bool]


_PDF = FileKind("application/pdf", _signature(b"%PDF-"))
_JPEG = FileKind("image/jpeg", _signature(b"\xff\xd8\xff"))
_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."

# The extension decides the kind; the content must then be of that kind. The stored
# content type is the kind's, never the client's claim (so never text/html or SVG).
KINDS: dict[str, FileKind] = {
    "pdf": _PDF,
    "docx": FileKind(_OOXML + "wordprocessingml.document", _ooxml("word/")),
    "xlsx": FileKind(_OOXML + "spreadsheetml.sheet", _ooxml("xl/")),
    "pptx": FileKind(_OOXML + "presentationml.presentation", _ooxml("ppt/")),
    "doc": FileKind("application/msword", _signature(OLE)),
    "xls": FileKind("application/vnd.ms-excel", _signature(OLE)),
    "ppt": FileKind("application/vnd.ms-powerpoint", _signature(OLE)),
    "odt": FileKind(_ODF + "text", _opendocument(_ODF + "text")),
    "ods": FileKind(_ODF + "spreadsheet", _opendocument(_ODF + "spreadsheet")),
    "odp": FileKind(_ODF + "presentation", _opendocument(_ODF + "presentation")),
    "png": FileKind("image/png", _signature(b"\x89PNG\r\n\x1a\n")),
    "jpg": _JPEG,
    "jpeg": _JPEG,
    "gif": FileKind("image/gif", _signature(b"GIF87a", b"GIF89a")),
    "webp": FileKind("image/webp", _webp),
    "csv": FileKind("text/csv", _text),
    "txt": FileKind("text/plain", _text),
}


# -- names ------------------------------------------------------------------------------------


def clean_filename(raw: str | None) -> str:
    """The name to display: the last path part, NFC (macOS sends decomposed kana), without
    control characters, at most FILENAME_MAX characters (the extension kept). Invalid (422)
    when nothing is left."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in DROPPED_CATEGORIES)
    name = name.strip()
    if name in ("", ".", ".."):
        raise Invalid.field("file", NO_FILENAME)
    if len(name) > FILENAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) < 10:
            name = stem[: FILENAME_MAX - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:FILENAME_MAX]
    return name


def extension_of(filename: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    return extension.lower() if dot and stem else ""


def kind_for(filename: str) -> FileKind:
    """The kind the extension names; UnsupportedMediaType (415) for any other extension."""
    kind = KINDS.get(extension_of(filename))
    if kind is None:
        raise UnsupportedMediaType(UNSUPPORTED_TYPE)
    return kind


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the UTF-8 original (RFC 6266, 5987)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r'[^\x20-\x7e]|["\\%;]', "_", ascii_name).strip()
    stem, dot, extension = ascii_name.rpartition(".")
    if not dot:
        stem, extension = ascii_name, ""
    stem = re.sub(r"\s+", " ", stem).strip(" ._")
    if not re.search(r"[A-Za-z0-9]", stem):
        stem = "attachment"  # nothing readable survived (a wholly Japanese name)
    ascii_name = stem + (f".{extension}" if extension else "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


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


def _remove(path: Path) -> None:
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
        _remove(target)
        raise
    return _Saved(target, size, digest.hexdigest())


# -- the service ----------------------------------------------------------------------------


def _check_may_change(proposal: Proposal, user: User) -> None:
    if not proposal.is_author(user.id):
        raise Forbidden(ONLY_AUTHOR_ATTACHES)


def _check_status(proposal: Proposal) -> None:
    if Status(proposal.status) not in ATTACHABLE:
        raise InvalidTransition(NOT_ATTACHABLE, status=proposal.status)


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
            proposal_id=proposal.id,
            filename=name,
            content_type=kind.content_type,
            size=saved.size,
            sha256=saved.sha256,
            storage_name=storage_name,
            uploaded_by_id=user.id,
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
        _remove(saved.path)
        _remove(final)
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
    _remove(path)
