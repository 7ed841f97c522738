"""Zip archives built byte by byte, fast enough for a test: Office files that are bombs.

Each member is given as (name, deflated data or None for stored, inflated size, CRC-32,
stored data), so a member can inflate to a gigabyte while its deflated form is built from
one repeated block, never from the gigabyte itself."""

import struct
import zlib
from dataclasses import dataclass

MiB = 1024 * 1024
CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCUMENT = b'<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body/></w:document>'


@dataclass
class Member:
    name: str
    data: bytes  # as stored in the archive (deflated when `deflated`)
    size: int  # inflated
    crc: int
    deflated: bool


def stored(name: str, content: bytes) -> Member:
    return Member(name, content, len(content), zlib.crc32(content), deflated=False)


def deflated(name: str, content: bytes) -> Member:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = compressor.compress(content) + compressor.flush()
    return Member(name, data, len(content), zlib.crc32(content), deflated=True)


def repeated(name: str, block: bytes, times: int) -> Member:
    """`block` repeated `times` times, deflated from one compressed copy (a full flush
    makes every block's compressed form the same)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressed = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    data = compressed * times + compressor.flush()
    return Member(name, data, len(block) * times, crc, deflated=True)


def archive(members: list[Member]) -> bytes:
    """The zip: local headers with data, the member list, the end record."""
    local = bytearray()
    directory = bytearray()
    for member in members:
        name = member.name.encode()
        method = 8 if member.deflated else 0
        offset = len(local)
        fields = (20, 0, method, 0, 0, member.crc, len(member.data), member.size, len(name))
        local += struct.pack("<4s5HIIIHH", b"PK\x03\x04", *fields, 0) + name + member.data
        directory += (
            struct.pack("<4s6HIIIHHHHHII", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset) + name
        )
    count, size, at = len(members), len(directory), len(local)
    zip64 = b""
    if count > 0xFFFF:  # the end record's count has 16 bits: a zip64 end record says it
        record = struct.pack(
            "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, at
        )
        locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, at + size, 1)
        zip64, count = record + locator, 0xFFFF
    end = struct.pack("<4s4HIIH", b"PK\x05\x06", 0, 0, count, count, size, at, 0)
    return bytes(local + directory + zip64 + end)


def docx(*extra: Member) -> bytes:
    """A Word document (as far as the upload check looks) with these members added."""
    content_types = deflated("[Content_Types].xml", CONTENT_TYPES)
    return archive([content_types, deflated("word/document.xml", DOCUMENT), *extra])
