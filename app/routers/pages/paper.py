"""Papers to print (issue 17): a proposal as 様式第1号 for whoever may see it (blind review
respected), and the committee's review packet (審査資料) for the secretariat, as a page to
print and as a PDF made on the server."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.deps import PageUser, SessionDep, require_roles
from app.htmx import render
from app.models import User
from app.models.enums import Role
from app.presenters.paper_view import Packet, proposal_sheet, review_packet
from app.routers.pages.forms import ProposalDep
from app.services.filetypes import content_disposition
from app.services.pdf import PDF_MEDIA_TYPE, html_to_pdf
from app.templating import templates

router = APIRouter()
SecretariatPageUser = Annotated[User, Depends(require_roles(Role.secretariat, page=True))]
PACKET_TEMPLATE = "pages/paper/packet.html"
# The ranking names nobody, but it is the secretariat's: no cache keeps it.
PRIVATE = {"Cache-Control": "no-store"}


def _packet_context(packet: Packet) -> dict:
    return {"packet": packet, "query": urlencode(packet.query)}


def packet_pdf(request: Request, packet: Packet) -> Response:
    """The packet's page as a PDF attachment (also the API's answer)."""
    html = templates.get_template(PACKET_TEMPLATE).render(
        {"request": request, **_packet_context(packet)}
    )
    return Response(
        html_to_pdf(html),
        media_type=PDF_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(packet.filename), **PRIVATE},
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@router.get("/proposals/{proposal_id}/print")
def proposal_print_page(
    proposal: ProposalDep, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """様式第1号: the proposal laid out as the regulation's form, to print (A4)."""
    sheet = proposal_sheet(session, proposal, user)
    return render(request, "pages/paper/proposal.html", {"sheet": sheet})


@router.get("/ranking/packet")
def packet_page(
    request: Request,
    session: SessionDep,
    user: SecretariatPageUser,
    fiscal_year: Annotated[str | None, Query()] = None,
    round_id: Annotated[str | None, Query()] = None,
) -> Response:
    """審査資料: the cover table and one page per proposal, in the ranking's order, to print
    (the current fiscal year when neither a year nor a round is chosen)."""
    packet = review_packet(
        session, user=user, fiscal_year=_int(fiscal_year), round_id=_int(round_id)
    )
    return render(request, PACKET_TEMPLATE, _packet_context(packet), headers=PRIVATE)


@router.get("/ranking/packet.pdf")
def packet_pdf_page(
    request: Request,
    session: SessionDep,
    user: SecretariatPageUser,
    fiscal_year: Annotated[str | None, Query()] = None,
    round_id: Annotated[str | None, Query()] = None,
) -> Response:
    """審査資料 as a PDF file, made on the server."""
    packet = review_packet(
        session, user=user, fiscal_year=_int(fiscal_year), round_id=_int(round_id)
    )
    return packet_pdf(request, packet)
