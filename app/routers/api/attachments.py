"""A proposal's attachments under /api/v1/proposals/{id}/attachments."""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, UploadFile
from fastapi.responses import FileResponse

from app.deps import ApiUser, IfMatch, SessionDep, SettingsDep
from app.models.attachment import AttachmentPublic
from app.models.page import Page
from app.models.types import Id
from app.routers.api.common import envelope
from app.routers.routing import CheckedRoute
from app.services import attachments as attachments_service
from app.services.filetypes import KINDS, content_disposition
from app.services.pagination import PageParams, page_params

ProposalId = Annotated[Id, Path(description="the proposal's id")]
AttachmentId = Annotated[Id, Path(description="the attachment's id")]


class UploadLimitRoute(CheckedRoute):
    """Refuses (413) a request whose declared Content-Length is far over the upload limit
    before its body is read; the exact limit is enforced while the file is copied."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            attachments_service.check_content_length(
                request.headers.get("content-length"),
                request.app.state.settings.upload_max_bytes,
            )
            return await handler(request)

        return guarded


router = APIRouter(tags=["attachments"], route_class=UploadLimitRoute)

PATH = "/proposals/{proposal_id}/attachments"
# The stored type of the file's kind (never the uploader's claim).
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, with `Content-Disposition: attachment`.",
        "content": {
            kind.content_type: {"schema": {"type": "string", "format": "binary"}}
            for kind in KINDS.values()
        },
    }
}


@router.get(PATH, response_model=Page[AttachmentPublic])
def read_attachments(
    proposal_id: ProposalId,
    session: SessionDep,
    user: ApiUser,
    page: Annotated[PageParams, Depends(page_params)],
) -> dict:
    """The proposal's attachments, oldest first (anyone who may see the proposal)."""
    rows, total = attachments_service.list_attachments(
        session, proposal_id=proposal_id, user=user, page=page
    )
    return envelope([AttachmentPublic.model_validate(a) for a in rows], total, page)


@router.post(PATH, response_model=AttachmentPublic, status_code=201)
def create_attachment(
    proposal_id: ProposalId,
    file: UploadFile,
    session: SessionDep,
    user: ApiUser,
    settings: SettingsDep,
    if_match: IfMatch,
) -> AttachmentPublic:
    """Attach a file (PDF, Office, image, CSV, text) to a draft or returned proposal."""
    attachment = attachments_service.add_attachment(
        session,
        proposal_id=proposal_id,
        user=user,
        filename=file.filename,
        stream=file.file,
        settings=settings,
        expected_version=if_match,
    )
    return AttachmentPublic.model_validate(attachment)


@router.get(PATH + "/{attachment_id}", response_class=FileResponse, responses=FILE_RESPONSE)
def download_attachment(
    proposal_id: ProposalId,
    attachment_id: AttachmentId,
    session: SessionDep,
    user: ApiUser,
    settings: SettingsDep,
) -> FileResponse:
    """Download an attachment (anyone who may see the proposal)."""
    attachment, path = attachments_service.open_attachment(
        session, proposal_id=proposal_id, attachment_id=attachment_id, user=user, settings=settings
    )
    return FileResponse(
        path,
        headers={
            # Set here, not as media_type, so no charset is invented for CP932 text.
            "Content-Type": attachment.content_type,
            "Content-Disposition": content_disposition(attachment.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.delete(PATH + "/{attachment_id}", status_code=204)
def delete_attachment(
    proposal_id: ProposalId,
    attachment_id: AttachmentId,
    session: SessionDep,
    user: ApiUser,
    settings: SettingsDep,
    if_match: IfMatch,
) -> Response:
    """Remove an attachment from a draft or returned proposal (its authors)."""
    attachments_service.delete_attachment(
        session,
        proposal_id=proposal_id,
        attachment_id=attachment_id,
        user=user,
        settings=settings,
        expected_version=if_match,
    )
    return Response(status_code=204)
