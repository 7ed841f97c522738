"""The edit form saving itself (issue 17, item 1): POST /proposals/{id}/autosave, the same
service and version check as 「下書きを保存」, a quiet 「保存しました HH:MM」 in Japan time
and the form's new version; refusals say why; one timeline entry per stretch of editing;
role by role."""

import re
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.models import Proposal, ProposalEvent
from app.models.enums import Role, Status
from app.wareki import JST
from tests.conftest import PageClient
from tests.helpers import COMPLETE, proposal_in

HX = {"HX-Request": "true"}


def fields(**changes) -> dict:
    return {
        "title": "庁内文書の電子化",
        "kind": "improvement",
        "category": "other",
        **COMPLETE,
        **changes,
    }


def stored(session: Session, proposal: Proposal) -> Proposal:
    session.expire_all()
    found = session.get(Proposal, proposal.id)
    assert found is not None
    return found


def updates(session: Session, proposal: Proposal) -> list[ProposalEvent]:
    session.expire_all()
    query = select(ProposalEvent).where(
        ProposalEvent.proposal_id == proposal.id, ProposalEvent.action == "update"
    )
    return list(session.exec(query).all())


def test_autosave_saves_and_answers_the_time_and_the_new_version(
    page_as, make_user, session: Session
) -> None:
    author = make_user()
    proposal = proposal_in(session, Status.draft, author=author, title="庁内文書の電子化")
    page: PageClient = page_as(author)
    form = page.get(f"/proposals/{proposal.id}/edit").text
    assert 'id="autosave-status"' in form and f'hx-post="/proposals/{proposal.id}/autosave"' in form
    assert 'id="f-version"' in form and "data-unsaved-warning" in form

    first_version = proposal.version
    before = datetime.now(JST)
    saved = page.post_form(
        f"/proposals/{proposal.id}/autosave",
        fields(summary="窓口の受付を予約制にし、待ち時間をなくす"),
        headers=HX,
    )
    after = datetime.now(JST)
    assert saved.status_code == 200, saved.text
    match = re.search(r"保存しました (\d\d:\d\d)", saved.text)
    assert match and match.group(1) in {before.strftime("%H:%M"), after.strftime("%H:%M")}
    version = stored(session, proposal).version
    assert version == first_version + 1
    assert f'id="f-version" value="{version}" hx-swap-oob="true"' in saved.text
    assert stored(session, proposal).summary == "窓口の受付を予約制にし、待ち時間をなくす"

    # Saving again a few seconds later joins the same timeline entry.
    again = page.post_form(
        f"/proposals/{proposal.id}/autosave",
        fields(summary="窓口の受付を予約制にする（オンライン）", version=str(version)),
        headers=HX,
    )
    assert again.status_code == 200
    (event,) = updates(session, proposal)
    assert event.changes["summary"] == [
        COMPLETE["summary"],
        "窓口の受付を予約制にする（オンライン）",
    ]
    # An older entry is left alone.
    event.created_at = event.created_at - timedelta(hours=1)
    session.add(event)
    session.commit()
    third = page.post_form(
        f"/proposals/{proposal.id}/autosave",
        fields(summary="三度目", version=str(stored(session, proposal).version)),
        headers=HX,
    )
    assert third.status_code == 200
    assert len(updates(session, proposal)) == 2


def test_autosave_refusals_say_why_and_write_nothing(page_as, make_user, session: Session) -> None:
    author = make_user()
    proposal = proposal_in(session, Status.draft, author=author, title="庁内文書の電子化")
    page: PageClient = page_as(author)
    url = f"/proposals/{proposal.id}/autosave"

    blank = page.post_form(url, fields(title=" ", version=str(proposal.version)), headers=HX)
    assert blank.status_code == 422
    assert "自動保存できませんでした: 件名:" in blank.text and "hx-swap-oob" not in blank.text

    page.post_form(url, fields(summary="先に保存", version=str(proposal.version)), headers=HX)
    stale = page.post_form(
        url, fields(summary="古い版から", version=str(proposal.version)), headers=HX
    )
    assert stale.status_code == 412
    assert "他の人が先にこの提案を更新したため、自動保存を止めました" in stale.text
    assert "data-autosave-stopped" in stale.text
    assert stored(session, proposal).summary == "先に保存"

    forged = page.post(url, data={**fields(), "csrf_token": "x"}, headers=HX)
    assert forged.status_code == 403

    submitted = proposal_in(session, Status.submitted, author=author)
    late = page.post_form(
        f"/proposals/{submitted.id}/autosave", fields(version=str(submitted.version)), headers=HX
    )
    assert late.status_code == 409 and "もう編集できない" in late.text
    assert stored(session, submitted).title != "庁内文書の電子化"


def test_autosave_role_by_role(page_as, make_user, session: Session) -> None:
    author = make_user()
    co_author = make_user()
    stranger = make_user()
    proposal = proposal_in(session, Status.returned, author=author, co_authors=[co_author])
    url = f"/proposals/{proposal.id}/autosave"

    # A co-author may save the text, not the list of co-authors.
    ok = page_as(co_author).post_form(
        url, fields(summary="共同提案者が直した", co_author_ids=[], version=str(proposal.version)),
        headers=HX,
    )  # fmt: skip
    assert ok.status_code == 200, ok.text
    saved = stored(session, proposal)
    assert saved.summary == "共同提案者が直した" and saved.co_author_ids == [co_author.id]
    # Another person's edit is a timeline entry of its own.
    page_as(author).post_form(
        url, fields(summary="提案者が直した", version=str(saved.version)), headers=HX
    )
    assert [e.actor_id for e in updates(session, proposal)] == [co_author.id, author.id]

    version = str(stored(session, proposal).version)
    for outsider in (stranger, make_user(Role.secretariat), make_user(Role.admin)):
        answer = page_as(outsider).post_form(
            url, fields(summary="よそ者", version=version), headers=HX
        )
        assert answer.status_code == 404, outsider
    assert stored(session, proposal).summary == "提案者が直した"
