"""Recognising attached files: the kinds allowed, checked by extension AND content, and
the display and download names.

The extension decides the kind; the content must then be of that kind (magic bytes, the
members of OOXML/OpenDocument zips, text that decodes as UTF-8 or CP932).
"""

import codecs
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from app.errors import Invalid, UnsupportedMediaType
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
