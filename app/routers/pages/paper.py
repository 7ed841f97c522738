"""Papers to print (issue 17): a proposal as 様式第1号 for whoever may see it (blind review
respected), and the committee's review packet (審査資料) for the secretariat, as a page to
print and as a PDF made on the server."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.deps import PageUser, SessionDep, require_roles
from app.htmx import render
from app.models import User
from app.models.enums import Role
from app.presenters.paper_view import (
    PACKET_TEMPLATE,
    packet_context,
    packet_pdf,
    proposal_sheet,
    review_packet,
)
from app.routers.pages.forms import ProposalDep
from app.services.filetypes import content_disposition
from app.services.pdf import PDF_MEDIA_TYPE

router = APIRouter()
SecretariatPageUser = Annotated[User, Depends(require_roles(Role.secretariat, page=True))]
# The ranking names nobody, but it is the secretariat's: no cache keeps it.
PRIVATE = {"Cache-Control": "no-store"}


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF to download."""
    return Response(
        content,
        media_type=PDF_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(filename), **PRIVATE},
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
    return render(request, PACKET_TEMPLATE, packet_context(packet), headers=PRIVATE)


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
    return pdf_response(packet_pdf(request, packet), packet.filename)
