"""A notification is read in the reader's language: it keeps its title's message id and
parameters (the Japanese title stays for the mail and for rows made before)."""

from sqlmodel import Session

from app.models import Notification
from app.models.enums import Role
from tests.helpers import COMPLETE


def test_a_notice_title_follows_the_readers_language(
    api_as, make_user, page_as, session: Session
) -> None:
    author = make_user()
    secretariat = make_user(Role.secretariat)
    api = api_as(author)
    created = api.post("/api/v1/proposals", json={"title": "押印の廃止", **COMPLETE}).json()
    assert api.post(f"/api/v1/proposals/{created['id']}/submit", json={}).status_code == 200

    reader = api_as(secretariat)
    japanese = reader.get("/api/v1/notifications").json()["items"]
    assert japanese[0]["title"] == "新しい提案: 「押印の廃止」が提出されました"
    english = reader.get("/api/v1/notifications", headers={"Accept-Language": "en"}).json()
    assert english["items"][0]["title"] == 'New proposal: "押印の廃止" was submitted'

    page = page_as(secretariat)
    assert "新しい提案: 「押印の廃止」が提出されました" in page.get("/notifications").text
    page.post_form("/lang", {"lang": "en", "next": "/notifications"})
    assert "New proposal: &#34;押印の廃止&#34; was submitted" in page.get("/notifications").text

    # A row made before titles kept their message is shown as it was written.
    session.add(Notification(user_id=secretariat.id, kind="old", title="古いお知らせ"))
    session.commit()
    titles = [n["title"] for n in reader.get("/api/v1/notifications").json()["items"]]
    assert "古いお知らせ" in titles
