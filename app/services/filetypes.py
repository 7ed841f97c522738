"""Recognising attached files: the kinds allowed, checked by extension AND content, and
the display and download names.

The extension decides the kind; the content must then be of that kind (magic bytes, the
members of OOXML/OpenDocument zips, text that decodes as UTF-8 or CP932).

Office files are zip archives, and an archive can be a bomb: a few megabytes that inflate
to gigabytes, or hundreds of thousands of members that take seconds to list. Before the
archive is opened its end record gives the number of members and the size of the member
list (refused past ZIP_MAX_ENTRIES, ZIP_MAX_DIRECTORY_BYTES); then the list gives each
member's inflated size (refused past ZIP_MAX_EXPANDED_BYTES in all, or a member inflating
ZIP_MAX_RATIO times over); the members read to recognise the kind are inflated as a stream
that stops at a cap. Nothing inflates the whole archive.
"""

import codecs
import re
import struct
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from app.errors import Invalid, PayloadTooLarge, UnsupportedMediaType
from app.i18n import N_

NO_FILENAME = N_("ファイル名がありません。")
UNSUPPORTED_TYPE = N_(
    "この種類のファイルは添付できません。添付できるのは PDF、Office 文書、"
    "画像（PNG・JPEG・GIF・WebP）、CSV とテキストファイルです。"
)
FILENAME_MAX = 200
CHUNK = 64 * 1024
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


# -- zip archives (Office files) ---------------------------------------------------------------

# Real documents have tens to a few thousand members whose list takes some kilobytes, and
# inflate to at most some hundreds of megabytes (a large spreadsheet's XML); images and
# media inside are stored about as large as they are.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_DIRECTORY_BYTES = 2 * 1024 * 1024
ZIP_MAX_EXPANDED_BYTES = 512 * 1024 * 1024
# XML inflates 5 to 30 times, rarely 100; a run of zeros 1,000 times. Members below
# ZIP_RATIO_FROM bytes are not judged by their ratio (a tiny empty part can look extreme).
ZIP_MAX_RATIO = 200
ZIP_RATIO_FROM = 1024 * 1024
# Members read to recognise the kind ([Content_Types].xml, mimetype) are small.
ZIP_MAX_READ_BYTES = 1024 * 1024

ZIP_TOO_MANY_ENTRIES = N_(
    "このファイルは中に含まれる要素が多すぎるため添付できません"
    "（Office 文書に含められるのは %(limit)s 個までです）。"
)
ZIP_TOO_LARGE_EXPANDED = N_(
    "このファイルは展開すると大きすぎるため添付できません"
    "（展開後 %(size)s。Office 文書は展開後 %(limit)s までです）。"
)
ZIP_SUSPICIOUS_RATIO = N_(
    "このファイルは異常に高い圧縮率の部分を含むため添付できません（圧縮爆弾の疑い）。"
    "元のアプリケーションで保存し直してから添付してください。"
)

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_EOCD_SIZE = 22
_EOCD_SEARCH = _EOCD_SIZE + 0xFFFF  # the record and the longest comment


def _size_label(size: int) -> str:
    for unit, step in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= step:
            return f"{size / step:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} B"


def _directory_extent(path: Path) -> tuple[int, int] | None:
    """(members, bytes) of the archive's member list, from its end record (and the zip64
    end record when the end record says to look there); None when there is none."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        end = handle.tell()
        start = max(0, end - _EOCD_SEARCH)
        handle.seek(start)
        tail = handle.read()
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) - at < _EOCD_SIZE:
            return None
        entries, size = struct.unpack("<HI", tail[at + 10 : at + 16])
        if entries != 0xFFFF and size != 0xFFFFFFFF:
            return entries, size
        locator = tail[at - 20 : at]
        if len(locator) != 20 or not locator.startswith(_EOCD64_LOCATOR):
            return entries, size
        (record_at,) = struct.unpack("<Q", locator[8:16])
        handle.seek(record_at)
        record = handle.read(56)
        if len(record) < 56 or not record.startswith(_EOCD64):
            return None
        entries64, size64 = struct.unpack("<QQ", record[32:48])
        return entries64, size64


def _check_zip_directory(path: Path) -> None:
    """PayloadTooLarge (413) for too many members or too long a member list, read from the
    end record before any member is listed."""
    extent = _directory_extent(path)
    if extent is None:
        return  # not a readable archive: zipfile will say so
    entries, size = extent
    # A list longer (in bytes) than its stated count allows is as costly as a long count.
    if entries > ZIP_MAX_ENTRIES or size > ZIP_MAX_DIRECTORY_BYTES:
        raise PayloadTooLarge(ZIP_TOO_MANY_ENTRIES, limit=f"{ZIP_MAX_ENTRIES:,}")


def _check_zip_sizes(archive: zipfile.ZipFile) -> None:
    """PayloadTooLarge (413) past the inflated total; UnsupportedMediaType (415) for a
    member that inflates more than ZIP_MAX_RATIO times (from the member list)."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size >= ZIP_RATIO_FROM and info.file_size > ZIP_MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise UnsupportedMediaType(ZIP_SUSPICIOUS_RATIO)
    if total > ZIP_MAX_EXPANDED_BYTES:
        raise PayloadTooLarge(
            ZIP_TOO_LARGE_EXPANDED,
            size=_size_label(total),
            limit=_size_label(ZIP_MAX_EXPANDED_BYTES),
        )


def read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
    """A member's content, inflated as a stream; None once it passes `cap` bytes (whatever
    its stated size), without inflating the rest."""
    chunks: list[bytes] = []
    read = 0
    with archive.open(info) as member:
        while chunk := member.read(min(CHUNK, cap + 1 - read)):
            read += len(chunk)
            if read > cap:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def _zip_members(path: Path) -> zipfile.ZipFile | None:
    """The archive, if the file is one from its first byte (an executable with a zip
    appended, which zipfile would also open, is not), once its member list is within the
    limits (PayloadTooLarge or UnsupportedMediaType otherwise)."""
    if _head(path, 4) != ZIP:
        return None
    _check_zip_directory(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None
    try:
        _check_zip_sizes(archive)
    except BaseException:
        archive.close()
        raise
    return archive


def _ooxml(part_folder: str) -> Callable[[Path], bool]:
    """An Office Open XML package of the right application, without macros, whose
    [Content_Types].xml inflates to a small XML document."""

    def check(path: Path) -> bool:
        archive = _zip_members(path)
        if archive is None:
            return False
        with archive:
            names = archive.namelist()
            if (
                "[Content_Types].xml" not in names
                or not any(name.startswith(part_folder) for name in names)
                or any(name.lower().endswith("vbaproject.bin") for name in names)
            ):
                return False
            try:
                types = read_capped(
                    archive, archive.getinfo("[Content_Types].xml"), ZIP_MAX_READ_BYTES
                )
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
                return False
        return types is not None and b"<Types" in types

    return check


def _opendocument(mimetype: str) -> Callable[[Path], bool]:
    def check(path: Path) -> bool:
        archive = _zip_members(path)
        if archive is None:
            return False
        try:
            with archive:
                content = read_capped(archive, archive.getinfo("mimetype"), 100)
        except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
            return False
        return content is not None and content.strip() == mimetype.encode("ascii")

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
