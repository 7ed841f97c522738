"""Issue 12: the server is killed (SIGKILL) in the middle of a stream of writes —
proposal creates, uploads, submissions, accepts, reviewer assignments and reviews — then
restarted on the same database and upload folder, and everything is still consistent
(docs/integrity.md, "Crash safety")."""

import os
import signal
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
from sqlalchemy import func, text
from sqlmodel import Session, select

from app.config import Settings
from app.models import Attachment, Proposal, ProposalCounter, ProposalEvent, Review
from app.models.enums import Role
from app.services.attachments import INCOMING, stored_path
from app.services.review import counted_reviews
from app.services.upload_orphans import sweep
from tests.api.review_support import scores
from tests.conftest import bearer_token
from tests.helpers import COMPLETE
from tests.live import live_server

WRITE_SECONDS = 3.0


class Writer(threading.Thread):
    """Repeats one kind of write until told to stop or the server is gone."""

    def __init__(self, url: str, token: str, step) -> None:
        super().__init__(daemon=True)
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        self.step, self.stop, self.done = step, threading.Event(), 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.step(self.http)
                self.done += 1
            except (httpx.HTTPError, OSError):
                return  # the server was killed


def author_step(http: httpx.Client) -> None:
    created = http.post("/api/v1/proposals", json={"title": "停電試験の提案", **COMPLETE})
    pid = created.json()["id"]
    http.post(
        f"/api/v1/proposals/{pid}/attachments",
        files={"file": ("メモ.txt", "窓口の待ち時間の記録\n".encode() * 200, "text/plain")},
    )
    http.post(f"/api/v1/proposals/{pid}/submit", json={})


def secretariat_step(reviewer_id: int):
    def step(http: httpx.Client) -> None:
        waiting = http.get("/api/v1/proposals", params={"status": "submitted", "limit": 5})
        for item in waiting.json()["items"]:
            http.post(f"/api/v1/proposals/{item['id']}/accept", json={})
            http.put(
                f"/api/v1/proposals/{item['id']}/reviewers", json={"reviewer_ids": [reviewer_id]}
            )
        time.sleep(0.01)

    return step


def reviewer_step(http: httpx.Client) -> None:
    assigned = http.get("/api/v1/reviews/assigned")
    for item in assigned.json()["items"][:5]:
        http.put(
            f"/api/v1/proposals/{item['id']}/reviews/mine",
            json={"scores": scores(4, 3, 3, 2, 4, 5), "comment": "停電前の採点"},
        )
    time.sleep(0.01)


def check_consistent(session: Session, settings: Settings) -> None:
    session.expire_all()
    if settings.is_sqlite:
        assert session.exec(text("PRAGMA integrity_check")).one()[0] == "ok"
        assert session.exec(text("PRAGMA foreign_key_check")).all() == []
    proposals = session.exec(select(Proposal)).all()
    assert proposals, "the writers wrote nothing before the kill"
    for proposal in proposals:
        last = session.exec(
            select(ProposalEvent.to_status)
            .where(ProposalEvent.proposal_id == proposal.id)
            .where(ProposalEvent.to_status.is_not(None))
            .order_by(ProposalEvent.id.desc())
        ).first()
        assert last == proposal.status, (proposal.id, proposal.status, last)
        counted = counted_reviews(session, proposal.id)
        assert proposal.reviews_in == len(counted), proposal.id
    serials = defaultdict(list)
    for proposal in proposals:
        if proposal.number:
            serial = proposal.number.rsplit("-", 1)[1]
            serials[proposal.fiscal_year].append(int(serial))
    for fiscal_year, numbers in serials.items():
        counter = session.get(ProposalCounter, fiscal_year)
        assert sorted(numbers) == list(range(1, counter.last_serial + 1)), fiscal_year
    referenced = set()
    for attachment in session.exec(select(Attachment)).all():
        path = stored_path(settings, attachment)
        assert path.is_file() and path.stat().st_size == attachment.size, attachment.id
        referenced.add(path)
    root = Path(settings.upload_dir).resolve()
    stored = {p for p in root.rglob("*") if p.is_file() and INCOMING not in p.parts}
    assert stored == referenced
    assert not list((root / INCOMING).glob("*"))


def test_a_killed_server_leaves_a_consistent_database(
    settings: Settings, db_engine, session: Session, make_user, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"upload_dir": tmp_path / "uploads"})
    author, secretariat = make_user(), make_user(Role.secretariat)
    reviewer = make_user(Role.reviewer)
    tokens = {u.id: bearer_token(db_engine, settings, u) for u in (author, secretariat, reviewer)}
    with live_server(settings) as server:
        writers = [
            Writer(server.url, tokens[author.id], author_step),
            Writer(server.url, tokens[author.id], author_step),
            Writer(server.url, tokens[secretariat.id], secretariat_step(reviewer.id)),
            Writer(server.url, tokens[reviewer.id], reviewer_step),
        ]
        for writer in writers:
            writer.start()
        time.sleep(WRITE_SECONDS)
        os.kill(server.process.pid, signal.SIGKILL)
        for writer in writers:
            writer.stop.set()
            writer.join(timeout=15)
        assert sum(w.done for w in writers) > 10
    # Restarted on the same database and folder: it starts, and answers.
    with live_server(settings) as again:
        assert httpx.get(f"{again.url}/api/v1/health").json()["database"] == "ok"
    swept = sweep(session, settings=settings, min_age_seconds=0)
    check_consistent(session, settings)
    reviews = session.exec(select(func.count()).select_from(Review)).one()
    print(
        f"after the kill: {len(session.exec(select(Proposal)).all())} proposals, "
        f"{reviews} reviews, swept {swept}"
    )


def test_the_sweep_removes_only_old_unreferenced_files(
    settings: Settings, session: Session, make_user, api_as
) -> None:
    api = api_as(make_user())
    pid = api.post("/api/v1/proposals", json={"title": "添付の掃除"}).json()["id"]
    response = api.post(
        f"/api/v1/proposals/{pid}/attachments",
        files={"file": ("メモ.txt", "記録\n".encode(), "text/plain")},
    )
    assert response.status_code == 201, response.text
    kept = stored_path(settings, session.get(Attachment, response.json()["id"]))
    root = Path(settings.upload_dir).resolve()
    (root / INCOMING).mkdir(parents=True, exist_ok=True)
    partial = root / INCOMING / ("a" * 32 + ".part")
    orphan = root / str(pid) / ("b" * 32)
    for path in (partial, orphan):
        path.write_bytes(b"interrupted")
    young = sweep(session, settings=settings, min_age_seconds=3600)
    assert (young.partial, young.orphans) == (0, 0) and orphan.exists()
    old = time.time() - 7200
    for path in (partial, orphan, kept):
        os.utime(path, (old, old))
    swept = sweep(session, settings=settings, min_age_seconds=3600)
    assert (swept.partial, swept.orphans) == (1, 1)
    assert not partial.exists() and not orphan.exists() and kept.is_file()
