"""Zip bombs as attachments (security review, issue 11, item 8).

Office files are zip archives. A .docx of one megabyte that inflates to a gigabyte was
accepted, and one with 150,000 members cost seconds of CPU per upload while the archive
was listed. Now an Office file is refused with 413 (too many members, too large inflated)
or 415 (a member inflating abnormally) with a Japanese message, judged from the archive's
end record and member list and from members inflated as a capped stream: nothing is
inflated whole, and a refused upload leaves neither a row nor a file."""

import io
import random
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from app.models import Attachment
from app.models.enums import Status
from app.services import filetypes
from tests.helpers import proposal_in
from tests.security.zip_bombs import MiB, archive, deflated, docx, repeated, stored

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload(client, proposal_id: int, name: str, content: bytes):
    return client.post(
        f"/api/v1/proposals/{proposal_id}/attachments", files={"file": (name, content, DOCX)}
    )


def stored_files(settings) -> set[Path]:
    return {p for p in Path(settings.upload_dir).rglob("*") if p.is_file()}


def attachment_rows(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Attachment)).one()


@pytest.fixture
def author_and_draft(make_user, session):
    author = make_user()
    return author, proposal_in(session, Status.draft, author=author)


def test_a_docx_inflating_to_a_gigabyte_is_refused(
    api_as, author_and_draft, session, settings
) -> None:
    author, draft = author_and_draft
    files_before = stored_files(settings)
    bomb = docx(repeated("word/media/image1.bin", bytes(MiB), 1024))  # 1 GiB of zeros
    assert len(bomb) < 2 * MiB

    answer = upload(api_as(author), draft.id, "報告書.docx", bomb)

    assert answer.status_code == 415, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "圧縮爆弾の疑い" in answer.json()["detail"]
    assert (attachment_rows(session), stored_files(settings)) == (0, files_before)


def test_members_inflating_past_the_limit_together_are_refused(
    api_as, author_and_draft, session, settings
) -> None:
    """600 members of 1 MiB, each compressed an ordinary 128 times: 600 MiB in all."""
    author, draft = author_and_draft
    files_before = stored_files(settings)
    noise = random.Random(11)
    block = bytearray(MiB)
    for at in range(0, MiB, 512):
        block[at] = noise.randrange(256)
    member = repeated("part", bytes(block), 1)
    members = [replace(member, name=f"word/media/part{i}.bin") for i in range(600)]
    bomb = docx(*members)
    assert member.size / len(member.data) < filetypes.ZIP_MAX_RATIO

    answer = upload(api_as(author), draft.id, "報告書.docx", bomb)

    assert answer.status_code == 413, answer.text
    assert answer.json()["detail"] == (
        "このファイルは展開すると大きすぎるため添付できません"
        "（展開後 600 MB。Office 文書は展開後 512 MB までです）。"
    )
    assert (attachment_rows(session), stored_files(settings)) == (0, files_before)


def test_150000_members_are_refused_before_they_are_listed(
    api_as, author_and_draft, session, settings, monkeypatch
) -> None:
    author, draft = author_and_draft
    files_before = stored_files(settings)
    bomb = docx(*[stored(f"x/{i}", b"") for i in range(150_000)])
    listed = []
    real_zipfile = zipfile.ZipFile
    monkeypatch.setattr(
        filetypes.zipfile,
        "ZipFile",
        lambda *args, **kwargs: listed.append(args) or real_zipfile(*args, **kwargs),
    )
    client = api_as(author)

    started = time.process_time()
    answer = upload(client, draft.id, "報告書.docx", bomb)
    cpu = time.process_time() - started

    assert answer.status_code == 413, answer.text
    assert answer.json()["detail"] == (
        "このファイルは中に含まれる要素が多すぎるため添付できません"
        "（Office 文書に含められるのは 10,000 個までです）。"
    )
    assert listed == []  # judged from the end record alone
    # Listing the members took about a second of CPU on its own; receiving and storing
    # the 13 MB upload takes a fraction of that.
    assert cpu < 1.0, cpu
    assert (attachment_rows(session), stored_files(settings)) == (0, files_before)


def test_a_member_list_longer_than_its_count_says_is_refused(tmp_path) -> None:
    """The end record may understate the count; the list's length in bytes still shows."""
    content = bytearray(docx(*[stored(f"x/{i:06d}", b"") for i in range(40_000)]))
    end = content.rfind(b"PK\x05\x06")
    content[end + 8 : end + 12] = (3).to_bytes(2, "little") * 2  # "3 members"
    path = tmp_path / "a.docx"
    path.write_bytes(bytes(content))

    with pytest.raises(filetypes.PayloadTooLarge):
        filetypes.KINDS["docx"].matches(path)


def test_members_read_to_recognise_the_kind_are_inflated_only_up_to_a_cap() -> None:
    big = deflated("[Content_Types].xml", b"<Types>" + b" " * (5 * MiB) + b"</Types>")
    content = archive([big, deflated("word/document.xml", b"<w/>")])
    members = zipfile.ZipFile(io.BytesIO(content))
    info = members.getinfo("[Content_Types].xml")

    assert filetypes.read_capped(members, info, filetypes.ZIP_MAX_READ_BYTES) is None
    assert filetypes.read_capped(members, info, 6 * MiB).startswith(b"<Types>")


def test_an_ordinary_docx_is_still_accepted(api_as, author_and_draft) -> None:
    author, draft = author_and_draft
    text = "".join(random.Random(3).choice("あいうえおかきくけこ") for _ in range(50_000))
    document = docx(deflated("word/styles.xml", text.encode()))

    answer = upload(api_as(author), draft.id, "報告書.docx", document)

    assert answer.status_code == 201, answer.text


def test_the_page_says_why_in_japanese(page_as, author_and_draft, session, settings) -> None:
    author, draft = author_and_draft
    files_before = stored_files(settings)
    page = page_as(author)
    bomb = docx(repeated("word/media/image1.bin", bytes(MiB), 1024))

    sent = page.post(
        f"/proposals/{draft.id}/attachments",
        data={"csrf_token": page.csrf, "version": str(draft.version)},
        files={"file": ("報告書.docx", bomb, DOCX)},
        follow_redirects=False,
    )

    assert sent.status_code == 303
    assert "圧縮爆弾の疑い" in page.get(f"/proposals/{draft.id}").text
    assert (attachment_rows(session), stored_files(settings)) == (0, files_before)
