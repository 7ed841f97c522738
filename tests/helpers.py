"""Builders shared by the proposal tests."""

import io
from datetime import timedelta
from html.parser import HTMLParser

from sqlmodel import Session

from app.models import Proposal, User
from app.models.enums import Status
from app.models.proposal import ProposalCreate
from app.models.types import utcnow
from app.services.proposals import create_proposal

COMPLETE = {
    "summary": "窓口の受付を予約制にする",
    "current_situation": "窓口が混雑している",
    "proposal_text": "オンライン予約を導入する",
    "expected_effect": "待ち時間の短縮",
}
SUBMITTED_OR_LATER = {
    Status.submitted,
    Status.not_accepted,
    Status.in_review,
    Status.adopted,
    Status.deferred,
    Status.rejected,
    Status.budgeted,
    Status.in_progress,
    Status.completed,
}


def proposal_in(
    session: Session,
    status: Status,
    *,
    author: User,
    co_authors: list[User] = (),
    title: str = "窓口予約システムの導入",
    **fields,
) -> Proposal:
    """A proposal written by `author`, put straight into `status` (as the earlier
    transitions would have left it) so a test can start from any state."""
    data = ProposalCreate(
        title=title, co_author_ids=[u.id for u in co_authors], **{**COMPLETE, **fields}
    )
    proposal = create_proposal(session, data=data, user=author)
    if status in SUBMITTED_OR_LATER or status == Status.returned:
        proposal.submitted_at = utcnow() - timedelta(days=1)
        proposal.department_id = author.department_id
    if status not in (
        Status.draft,
        Status.submitted,
        Status.returned,
        Status.not_accepted,
        Status.withdrawn,
    ):
        proposal.number = f"R8-{proposal.id:04d}"
        proposal.accepted_at = utcnow()
    if status == Status.in_review:
        # As if one reviewer had scored it, so the decision's guard is met.
        proposal.reviews_in, proposal.reviewers_assigned, proposal.score = 1, 1, 60.0
    proposal.status = status.value
    session.add(proposal)
    session.commit()
    session.refresh(proposal)
    return proposal


def pdf_text(content: bytes) -> list[str]:
    """Each page's text, as pypdf reads it back from the file's fonts (their ToUnicode
    maps): Japanese comes back only when the glyphs really are in the PDF."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return [page.extract_text() for page in reader.pages]


def pdf_fonts(content: bytes) -> dict[str, bool]:
    """The fonts the pages use: name → whether the font file is embedded."""
    from pypdf import PdfReader

    fonts: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts


class _FormReader(HTMLParser):
    """The action and the named inputs of one form (by id) of a page."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.action = form_id, False, None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside, self.action = True, a.get("action")
        elif self.inside and tag == "input" and a.get("name") and a.get("type") == "hidden":
            self.fields[a["name"] or ""] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def form_fields(html: str, form_id: str) -> tuple[str | None, dict[str, str]]:
    """(action, hidden fields) of the form `form_id` in `html`: what a browser posts."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.action, reader.fields
