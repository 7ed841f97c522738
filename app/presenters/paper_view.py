"""What the printed papers show (issue 17): a proposal laid out as the regulation's
様式第1号, and the committee's review packet (審査資料) — the ranking of a round or a fiscal
year with each proposal's scores by criterion. Reads only; who may see what is decided by
the services (visibility, blind review, the ranking's secretariat check)."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.requests import Request

from app.i18n import N_
from app.models import Proposal, Round, User
from app.models.types import id_of
from app.presenters.proposal_view import Names, load_names
from app.services import review as review_service
from app.services import rounds as rounds_service
from app.services.pdf import html_to_pdf
from app.services.review import blind_proposal_ids
from app.templating import templates
from app.wareki import fiscal_year_label, fiscal_year_of, today_jst

# The 決裁 box of the secretariat (総務課) that takes the proposal in: one empty box per
# stamp, highest first, as on the paper form.
STAMPS = (N_("課長"), N_("課長補佐"), N_("係長"), N_("担当"))
PACKET_TEMPLATE = "pages/paper/packet.html"


@dataclass
class Signatory:
    """A line of the 提案者欄: 氏名 and 所属."""

    name: str
    department: str
    co_author: bool


@dataclass
class ProposalSheet:
    proposal: Proposal
    names: Names
    blind: bool
    signatories: list[Signatory]
    stamps: tuple[str, ...] = STAMPS


def proposal_sheet(session: Session, proposal: Proposal, user: User) -> ProposalSheet:
    """様式第1号 for this reader. Under blind review (an assigned reviewer) the 提案者欄 is
    left empty and the supervisor's name out, as on the proposal page. The author's
    所属 is the one snapshotted at submission (the current one for a draft); co-authors'
    is their current one."""
    blind = proposal.id in blind_proposal_ids(session, user=user)
    names = load_names(session, [proposal], blind={id_of(proposal)} if blind else ())
    signatories: list[Signatory] = []
    if not blind:
        author = names.users.get(proposal.author_id)
        signatories.append(
            Signatory(
                name=names.user(proposal.author_id),
                department=names.department(
                    proposal.department_id or (author.department_id if author else None)
                ),
                co_author=False,
            )
        )
        for co_author_id in proposal.co_author_ids:
            co_author = names.users.get(co_author_id)
            signatories.append(
                Signatory(
                    name=names.user(co_author_id),
                    department=names.department(co_author.department_id if co_author else None),
                    co_author=True,
                )
            )
    return ProposalSheet(proposal=proposal, names=names, blind=blind, signatories=signatories)


@dataclass
class PacketCriterion:
    label: str
    weight: int
    mean: float | None  # the reviewers' mean level, 1–5
    points: float | None  # mean / 5 × weight


@dataclass
class PacketEntry:
    rank: int | None  # among those whose scoring is complete; None while it is not
    proposal: Proposal
    criteria: list[PacketCriterion] = field(default_factory=list)
    scoring: str = "complete"  # review_service.Scoring: complete, incomplete, unassigned


@dataclass
class Packet:
    """The committee's review packet: a cover table and one page per proposal."""

    fiscal_year: int | None
    round: Round | None
    entries: list[PacketEntry]
    made_on: date

    @property
    def scope(self) -> str:
        """What the packet covers: the round's title, the fiscal year, or both."""
        parts = []
        if self.fiscal_year is not None:
            parts.append(fiscal_year_label(self.fiscal_year))
        if self.round is not None:
            parts.append(self.round.title)
        return " ".join(parts)

    @property
    def filename(self) -> str:
        return f"審査資料_{self.scope.replace(' ', '_')}_{self.made_on.isoformat()}.pdf"

    @property
    def query(self) -> dict[str, Any]:
        """The scope as query parameters (for the links between the HTML and the PDF)."""
        query: dict[str, Any] = {}
        if self.fiscal_year is not None:
            query["fiscal_year"] = self.fiscal_year
        if self.round is not None:
            query["round_id"] = self.round.id
        return query


def review_packet(
    session: Session, *, user: User, fiscal_year: int | None = None, round_id: int | None = None
) -> Packet:
    """The in-review proposals of a round and/or a fiscal year (the current fiscal year
    when neither is given) in the ranking's order, each with its scores by criterion.
    403 unless secretariat (the ranking's own check, made first); 422 for an unknown
    round."""
    made_on = today_jst()
    if fiscal_year is None and round_id is None:
        fiscal_year = fiscal_year_of(made_on)
    rows = review_service.ranking(session, user=user, fiscal_year=fiscal_year, round_id=round_id)
    round_ = rounds_service.get_round(session, round_id=round_id) if round_id is not None else None
    reviews = review_service.counted_reviews_of(session, [id_of(p) for p in rows])
    means = review_service.breakdowns(session, reviews)
    # As on the ranking: only complete scoring is ranked (those come first); the rest follow
    # unranked, still being scored or with no reviewer.
    standings = [review_service.scoring_of(p) for p in rows]
    ranks = [
        place if stands == review_service.Scoring.complete else None
        for place, stands in enumerate(standings, start=1)
    ]
    entries = [
        PacketEntry(
            rank=rank,
            scoring=stands.value,
            proposal=proposal,
            criteria=[
                PacketCriterion(
                    label=row["label"],
                    weight=row["weight"],
                    mean=row["mean"],
                    points=(
                        round(row["mean"] / 5 * row["weight"], 1)
                        if row["mean"] is not None
                        else None
                    ),
                )
                for row in means[id_of(proposal)]
            ],
        )
        for rank, stands, proposal in zip(ranks, standings, rows, strict=True)
    ]
    return Packet(fiscal_year=fiscal_year, round=round_, entries=entries, made_on=made_on)


def packet_context(packet: Packet) -> dict[str, Any]:
    return {"packet": packet, "query": urlencode(packet.query)}


def packet_pdf(request: Request, packet: Packet) -> bytes:
    """The packet's page, the same HTML the browser prints, as a PDF made on the server."""
    html = templates.get_template(PACKET_TEMPLATE).render(
        {"request": request, **packet_context(packet)}
    )
    return html_to_pdf(html)
