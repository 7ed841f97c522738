"""Attachments: upload (type, size and name checks), list, download, delete — who may do
what in which status, the audit events, and that a refused upload leaves nothing behind."""

import base64
import hashlib
import io
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.config import Settings
from app.errors import Invalid
from app.main import create_app
from app.models import Attachment, ProposalEvent
from app.models.enums import Role
from app.services.filetypes import clean_filename
from tests.conftest import bearer_token

# -- tiny real files ----------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
GIF = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."


def png() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            # OpenDocument wants `mimetype` first and uncompressed.
            compression = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compression)
    return buffer.getvalue()


def ooxml(main_part: str) -> bytes:
    return zipped(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            main_part: b'<?xml version="1.0"?><root/>',
        }
    )


def opendocument(kind: str) -> bytes:
    return zipped(
        {
            "mimetype": (ODF + kind).encode(),
            "content.xml": b'<?xml version="1.0"?><office:document-content/>',
            "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest/>',
        }
    )


ALLOWED = [
    ("改善提案書.pdf", PDF, "application/pdf"),
    ("業務フロー.docx", ooxml("word/document.xml"), OOXML + "wordprocessingml.document"),
    ("集計表.xlsx", ooxml("xl/workbook.xml"), OOXML + "spreadsheetml.sheet"),
    ("説明資料.pptx", ooxml("ppt/presentation.xml"), OOXML + "presentationml.presentation"),
    ("旧様式.doc", OLE, "application/msword"),
    ("旧集計表.xls", OLE, "application/vnd.ms-excel"),
    ("旧説明資料.ppt", OLE, "application/vnd.ms-powerpoint"),
    ("文書.odt", opendocument("text"), ODF + "text"),
    ("表計算.ods", opendocument("spreadsheet"), ODF + "spreadsheet"),
    ("発表.odp", opendocument("presentation"), ODF + "presentation"),
    ("窓口写真.png", png(), "image/png"),
    ("現場写真.JPG", JPEG, "image/jpeg"),
    ("現場写真2.jpeg", JPEG, "image/jpeg"),
    ("アイコン.gif", GIF, "image/gif"),
    ("画面.webp", WEBP, "image/webp"),
    ("職員名簿.csv", "氏名,所属\r\n山田 花子,総務課\r\n".encode("cp932"), "text/csv"),
    ("集計.csv", "\ufeff項目,件数\r\n窓口,3\r\n".encode(), "text/csv"),
    ("メモ.txt", "窓口の待ち時間について\n".encode(), "text/plain"),
]

REFUSED = [
    ("setup.exe", EXE, "an executable"),
    ("提案書.pdf", EXE, "an executable renamed .pdf"),
    ("写真.png", PDF, "a PDF renamed .png"),
    ("写真.jpg", png(), "a PNG renamed .jpg"),
    ("図.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
    ("図.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG renamed .png"),
    ("page.html", b"<html><body>hi</body></html>", "HTML"),
    ("集計表.xlsx", ooxml("word/document.xml"), "a docx renamed .xlsx"),
    ("集計表.xlsx", zipped({"xl/workbook.xml": b"<x/>"}), "a zip without [Content_Types].xml"),
    ("業務フロー.docx", EXE + ooxml("word/document.xml"), "an executable with a docx appended"),
    (
        "マクロ.docx",
        zipped({"[Content_Types].xml": CONTENT_TYPES, "word/vbaProject.bin": b"\x00"}),
        "macros",
    ),
    ("文書.odt", opendocument("spreadsheet"), "an ods renamed .odt"),
    ("旧様式.doc", ooxml("word/document.xml"), "a docx renamed .doc"),
    ("メモ.txt", "メモ".encode("utf-16"), "UTF-16 text (NUL bytes)"),
    ("メモ.txt", b"\x81", "bytes that are neither UTF-8 nor CP932"),
    ("README", b"plain text", "no extension"),
    ("archive.zip", zipped({"a.txt": b"a"}), "a zip"),
]

# -- helpers ----------------------------------------------------------------------------------

PROPOSAL = {
    "title": "窓口予約システムの導入",
    "summary": "窓口の受付を予約制にする",
    "current_situation": "窓口が混雑している",
    "proposal_text": "オンライン予約を導入する",
    "expected_effect": "待ち時間の短縮",
}


@pytest.fixture
def upload_dir(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def app(settings: Settings, db_engine, upload_dir: Path):
    """The app with an upload folder of this test's own, so leftovers can be counted."""
    return create_app(settings.model_copy(update={"upload_dir": upload_dir}), engine=db_engine)


def new_proposal(api: TestClient, **fields) -> dict:
    response = api.post("/api/v1/proposals", json={**PROPOSAL, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def upload(api: TestClient, proposal_id: int, name: str, content: bytes, content_type: str = ""):
    return api.post(
        f"/api/v1/proposals/{proposal_id}/attachments",
        files={"file": (name, content, content_type or "application/octet-stream")},
    )


def stored_files(upload_dir: Path) -> list[Path]:
    return [p for p in upload_dir.rglob("*") if p.is_file()] if upload_dir.exists() else []


def attachment_count(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Attachment)).one()


def actions(api: TestClient, proposal_id: int) -> list[str]:
    events = api.get(f"/api/v1/proposals/{proposal_id}/events")
    assert events.status_code == 200, events.text
    return [e["action"] for e in events.json()["items"]]


def assert_nothing_written(session: Session, upload_dir: Path, api, proposal: dict) -> None:
    assert attachment_count(session) == 0
    assert stored_files(upload_dir) == []
    assert actions(api, proposal["id"]) == ["create"]
    assert api.get(f"/api/v1/proposals/{proposal['id']}").json()["version"] == proposal["version"]


# -- uploading and downloading --------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "content_type"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_each_allowed_kind_round_trips(
    api_as, make_user, session: Session, upload_dir: Path, name, content, content_type
) -> None:
    author = make_user()
    api = api_as(author)
    proposal = new_proposal(api)
    # The client's claimed type is ignored: the stored one is the kind's.
    created = upload(api, proposal["id"], name, content, "text/html")
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"id", "filename", "content_type", "size", "created_at"}
    assert body["filename"] == name
    assert body["content_type"] == content_type
    assert body["size"] == len(content)

    row = session.get(Attachment, body["id"])
    assert row is not None and row.sha256 == hashlib.sha256(content).hexdigest()
    assert row.uploaded_by_id == author.id
    # Stored under the proposal's folder, under a generated name, never the user's.
    assert stored_files(upload_dir) == [upload_dir / str(proposal["id"]) / row.storage_name]
    assert len(row.storage_name) == 32 and name not in row.storage_name

    download = api.get(f"/api/v1/proposals/{proposal['id']}/attachments/{body['id']}")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == content_type
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert disposition.isascii()


def test_japanese_filename_in_content_disposition(api_as, make_user) -> None:
    api = api_as(make_user())
    proposal = new_proposal(api)
    attachment = upload(api, proposal["id"], "令和7年度 改善提案書.pdf", PDF).json()
    response = api.get(f"/api/v1/proposals/{proposal['id']}/attachments/{attachment['id']}")
    assert response.headers["content-disposition"] == (
        'attachment; filename="7.pdf"; '
        "filename*=UTF-8''%E4%BB%A4%E5%92%8C7%E5%B9%B4%E5%BA%A6%20"
        "%E6%94%B9%E5%96%84%E6%8F%90%E6%A1%88%E6%9B%B8.pdf"
    )
    wholly_japanese = upload(api, proposal["id"], "改善提案書.pdf", PDF).json()
    response = api.get(f"/api/v1/proposals/{proposal['id']}/attachments/{wholly_japanese['id']}")
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="attachment.pdf"'
    )
    assert response.headers["cache-control"] == "private, no-store"


def test_html_renamed_txt_is_kept_but_served_as_plain_text(api_as, make_user) -> None:
    api = api_as(make_user())
    proposal = new_proposal(api)
    html = b"<html><script>alert(document.cookie)</script></html>"
    created = upload(api, proposal["id"], "page.txt", html, "text/html")
    assert created.status_code == 201, created.text
    assert created.json()["content_type"] == "text/plain"
    response = api.get(f"/api/v1/proposals/{proposal['id']}/attachments/{created.json()['id']}")
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content == html


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("C:\\Users\\yamada\\Desktop\\資料.pdf", "資料.pdf"),
        ("../../etc/提案.pdf", "提案.pdf"),
        (unicodedata.normalize("NFD", "データ.pdf"), "データ.pdf"),  # as macOS sends it
        ("資料\u202efdp.exe.pdf", "資料fdp.exe.pdf"),  # a bidi override is dropped
        ("  資料.pdf ", "資料.pdf"),
        ("長" * 300 + ".pdf", "長" * 196 + ".pdf"),
    ],
)
def test_filenames_are_cleaned_for_display(api_as, make_user, raw: str, expected: str) -> None:
    api = api_as(make_user())
    proposal = new_proposal(api)
    created = upload(api, proposal["id"], raw, PDF)
    assert created.status_code == 201, created.text
    assert created.json()["filename"] == expected
    assert len(created.json()["filename"]) <= 200


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("資料\t\r\n\x00.pdf", "資料.pdf"),  # control characters (browsers escape some)
        ("\u200b資料\u2028.pdf", "資料.pdf"),  # zero-width space, line separator
        ("a" * 250, "a" * 200),
    ],
)
def test_clean_filename(raw: str, expected: str) -> None:
    assert clean_filename(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "  ", "\x01\x02", "dir/", "C:\\", "..", "."])
def test_clean_filename_refuses_empty_names(raw) -> None:
    with pytest.raises(Invalid):
        clean_filename(raw)


def test_list_is_the_collection_envelope(api_as, make_user) -> None:
    api = api_as(make_user())
    proposal = new_proposal(api)
    other = new_proposal(api)
    names = ["一.pdf", "二.txt", "三.png"]
    for name, content in zip(names, [PDF, "二".encode(), png()], strict=True):
        assert upload(api, proposal["id"], name, content).status_code == 201
    upload(api, other["id"], "別の提案.pdf", PDF)
    listed = api.get(f"/api/v1/proposals/{proposal['id']}/attachments").json()
    assert [a["filename"] for a in listed["items"]] == names
    assert (listed["total"], listed["limit"], listed["offset"]) == (3, 50, 0)
    page = api.get(
        f"/api/v1/proposals/{proposal['id']}/attachments", params={"limit": 1, "offset": 1}
    ).json()
    assert [a["filename"] for a in page["items"]] == ["二.txt"] and page["total"] == 3
    listed_other = api.get(f"/api/v1/proposals/{other['id']}/attachments").json()
    assert listed_other["total"] == 1


# -- refusals that write nothing ----------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "why"), REFUSED, ids=[r[2] for r in REFUSED])
def test_refused_types_are_415_and_write_nothing(
    api_as, make_user, session: Session, upload_dir: Path, name, content, why
) -> None:
    api = api_as(make_user())
    proposal = new_proposal(api)
    response = upload(api, proposal["id"], name, content, "application/pdf")
    assert response.status_code == 415, (why, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]
    assert_nothing_written(session, upload_dir, api, proposal)


def test_too_large_is_413_and_writes_nothing(
    settings: Settings, db_engine, make_user, session: Session, tmp_path: Path
) -> None:
    upload_dir = tmp_path / "small-uploads"
    small = settings.model_copy(update={"upload_max_bytes": 1000, "upload_dir": upload_dir})
    author = make_user()
    with TestClient(create_app(small, engine=db_engine)) as api:
        api.headers["Authorization"] = f"Bearer {bearer_token(db_engine, settings, author)}"
        proposal = new_proposal(api)
        too_big = upload(api, proposal["id"], "議事録.txt", "あ".encode() * 334)  # 1002 bytes
        assert too_big.status_code == 413, too_big.text
        assert too_big.headers["content-type"] == "application/problem+json"
        assert "1000 B" in too_big.json()["detail"]
        assert_nothing_written(session, upload_dir, api, proposal)
        # Far over the limit: refused from Content-Length, before the body is read —
        # even before the caller is known.
        huge = b"a" * (200 * 1024)
        assert upload(api, proposal["id"], "巨大.txt", huge).status_code == 413
        anonymous = TestClient(api.app)
        assert upload(anonymous, proposal["id"], "巨大.txt", huge).status_code == 413
        assert_nothing_written(session, upload_dir, api, proposal)
        exactly = upload(api, proposal["id"], "議事録.txt", b"a" * 1000)
        assert exactly.status_code == 201 and exactly.json()["size"] == 1000


def test_empty_file_missing_file_and_empty_name_are_422(
    api_as, make_user, session: Session, upload_dir: Path
) -> None:
    api = api_as(make_user())
    proposal = new_proposal(api)
    path = f"/api/v1/proposals/{proposal['id']}/attachments"
    for response in (
        upload(api, proposal["id"], "空.txt", b""),
        upload(api, proposal["id"], "../", PDF),
        api.post(path, data={"other": "x"}),
    ):
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"][-1] == "file"
    assert_nothing_written(session, upload_dir, api, proposal)


# -- who may do what, in which status ---------------------------------------------------------


def test_others_cannot_see_a_draft_s_attachments(api_as, make_user, session, upload_dir) -> None:
    author = make_user()
    api = api_as(author)
    proposal = new_proposal(api)
    attachment = upload(api, proposal["id"], "資料.pdf", PDF).json()
    base = f"/api/v1/proposals/{proposal['id']}/attachments"
    for caller in (make_user(), make_user(Role.secretariat), make_user(Role.admin)):
        other = api_as(caller)
        assert other.get(base).status_code == 404
        assert other.get(f"{base}/{attachment['id']}").status_code == 404
        assert upload(other, proposal["id"], "横入り.pdf", PDF).status_code == 404
        assert other.delete(f"{base}/{attachment['id']}").status_code == 404
    assert attachment_count(session) == 1 and len(stored_files(upload_dir)) == 1


def test_secretariat_reads_after_submission_but_cannot_change(
    api_as, make_user, session: Session, upload_dir: Path
) -> None:
    author = make_user()
    api = api_as(author)
    proposal = new_proposal(api)
    attachment = upload(api, proposal["id"], "資料.pdf", PDF).json()
    base = f"/api/v1/proposals/{proposal['id']}/attachments"
    assert api.post(f"/api/v1/proposals/{proposal['id']}/submit", json={}).status_code == 200

    secretariat = api_as(make_user(Role.secretariat))
    listed = secretariat.get(base).json()
    assert [a["id"] for a in listed["items"]] == [attachment["id"]]
    download = secretariat.get(f"{base}/{attachment['id']}")
    assert download.status_code == 200 and download.content == PDF
    # Not an author: 403, before the file itself is looked at (415/422 would come later).
    assert upload(secretariat, proposal["id"], "追加.exe", EXE).status_code == 403
    assert upload(secretariat, proposal["id"], "空.pdf", b"").status_code == 403
    assert secretariat.delete(f"{base}/{attachment['id']}").status_code == 403
    # Another staff member still cannot see it at all.
    stranger = api_as(make_user())
    assert stranger.get(f"{base}/{attachment['id']}").status_code == 404
    assert stranger.get(base).status_code == 404
    assert attachment_count(session) == 1 and len(stored_files(upload_dir)) == 1


def test_authors_cannot_change_attachments_after_submission(
    api_as, make_user, session: Session, upload_dir: Path
) -> None:
    author = make_user()
    api = api_as(author)
    proposal = new_proposal(api)
    attachment = upload(api, proposal["id"], "資料.pdf", PDF).json()
    api.post(f"/api/v1/proposals/{proposal['id']}/submit", json={})
    base = f"/api/v1/proposals/{proposal['id']}/attachments"

    refused = upload(api, proposal["id"], "追加.pdf", PDF)
    assert refused.status_code == 409, refused.text
    assert "submitted" in refused.json()["detail"]
    assert api.delete(f"{base}/{attachment['id']}").status_code == 409
    # An empty file is 422, which comes before 409.
    assert upload(api, proposal["id"], "空.pdf", b"").status_code == 422
    assert attachment_count(session) == 1 and len(stored_files(upload_dir)) == 1
    assert actions(api, proposal["id"]) == ["create", "attach", "submit"]

    # Returned to the author: attachments may change again.
    secretariat = api_as(make_user(Role.secretariat))
    returned = secretariat.post(
        f"/api/v1/proposals/{proposal['id']}/return", json={"reason": "資料を追加してください"}
    )
    assert returned.status_code == 200, returned.text
    assert upload(api, proposal["id"], "追加資料.pdf", PDF).status_code == 201
    assert api.delete(f"{base}/{attachment['id']}").status_code == 204


def test_co_author_may_attach_and_delete(api_as, make_user) -> None:
    co_author = make_user()
    proposal = new_proposal(api_as(make_user()), co_author_ids=[co_author.id])
    api = api_as(co_author)
    created = upload(api, proposal["id"], "共同資料.pdf", PDF)
    assert created.status_code == 201
    path = f"/api/v1/proposals/{proposal['id']}/attachments/{created.json()['id']}"
    assert api.delete(path).status_code == 204


def test_anonymous_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/proposals/1/attachments").status_code == 401
    assert client.get("/api/v1/proposals/1/attachments/1").status_code == 401
    assert upload(client, 1, "資料.pdf", PDF).status_code == 401
    assert client.delete("/api/v1/proposals/1/attachments/1").status_code == 401


def test_unknown_proposal_or_attachment_is_404(api_as, make_user) -> None:
    api = api_as(make_user())
    proposal = new_proposal(api)
    other = new_proposal(api)
    attachment = upload(api, proposal["id"], "資料.pdf", PDF).json()
    assert upload(api, 999_999, "資料.pdf", PDF).status_code == 404
    assert api.get("/api/v1/proposals/999999/attachments").status_code == 404
    assert api.get(f"/api/v1/proposals/{proposal['id']}/attachments/999999").status_code == 404
    # An attachment reached through another proposal's path is not found.
    wrong = f"/api/v1/proposals/{other['id']}/attachments/{attachment['id']}"
    assert api.get(wrong).status_code == 404
    assert api.delete(wrong).status_code == 404


# -- events, versions, deleting -------------------------------------------------------------


def test_upload_and_delete_write_events_and_move_the_version(
    api_as, make_user, session: Session, upload_dir: Path
) -> None:
    author = make_user()
    api = api_as(author)
    proposal = new_proposal(api)
    created = upload(api, proposal["id"], "改善提案書.pdf", PDF).json()
    after_upload = api.get(f"/api/v1/proposals/{proposal['id']}").json()
    assert after_upload["version"] == proposal["version"] + 1
    assert after_upload["updated_at"] >= proposal["updated_at"]

    path = f"/api/v1/proposals/{proposal['id']}/attachments/{created['id']}"
    deleted = api.delete(path)
    assert deleted.status_code == 204 and deleted.content == b""
    assert api.get(path).status_code == 404
    assert api.get(f"/api/v1/proposals/{proposal['id']}/attachments").json()["total"] == 0
    assert attachment_count(session) == 0
    assert stored_files(upload_dir) == []  # the file goes with the row
    assert (
        api.get(f"/api/v1/proposals/{proposal['id']}").json()["version"] == proposal["version"] + 2
    )

    events = api.get(f"/api/v1/proposals/{proposal['id']}/events").json()["items"]
    assert [e["action"] for e in events] == ["create", "attach", "detach"]
    expected = {"filename": "改善提案書.pdf", "size": len(PDF), "attachment_id": created["id"]}
    assert events[1]["changes"] == expected and events[1]["actor_id"] == author.id
    assert events[2]["changes"] == expected
    assert session.exec(select(func.count()).select_from(ProposalEvent)).one() == 3


def test_stale_if_match_is_412_and_writes_nothing(
    api_as, make_user, session: Session, upload_dir: Path
) -> None:
    api = api_as(make_user())
    proposal = new_proposal(api)
    stale = {"If-Match": f'"{proposal["version"] + 5}"'}
    response = api.post(
        f"/api/v1/proposals/{proposal['id']}/attachments",
        files={"file": ("資料.pdf", PDF, "application/pdf")},
        headers=stale,
    )
    assert response.status_code == 412
    assert_nothing_written(session, upload_dir, api, proposal)
    current = {"If-Match": api.get(f"/api/v1/proposals/{proposal['id']}").headers["etag"]}
    created = api.post(
        f"/api/v1/proposals/{proposal['id']}/attachments",
        files={"file": ("資料.pdf", PDF, "application/pdf")},
        headers=current,
    )
    assert created.status_code == 201
    path = f"/api/v1/proposals/{proposal['id']}/attachments/{created.json()['id']}"
    assert api.delete(path, headers=current).status_code == 412  # the upload moved it on
    assert attachment_count(session) == 1


def test_a_failed_commit_removes_the_stored_file(
    api_as, make_user, session: Session, upload_dir: Path, monkeypatch
) -> None:
    api = api_as(make_user())
    proposal = new_proposal(api)

    def broken_commit(self) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(Session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        upload(api, proposal["id"], "資料.pdf", PDF)
    monkeypatch.undo()
    assert_nothing_written(session, upload_dir, api, proposal)


def test_upload_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/proposals/{proposal_id}/attachments"])
    one = paths["/api/v1/proposals/{proposal_id}/attachments/{attachment_id}"]
    assert {"get", "delete"} <= set(one)


def test_a_lost_stored_file_is_404_not_a_crash(api_as, make_user, upload_dir: Path) -> None:
    api = api_as(make_user())
    proposal = new_proposal(api)
    created = upload(api, proposal["id"], "資料.pdf", PDF).json()
    for path in stored_files(upload_dir):
        path.unlink()
    response = api.get(f"/api/v1/proposals/{proposal['id']}/attachments/{created['id']}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
