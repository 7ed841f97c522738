"""HTML to PDF on the server with WeasyPrint (no browser): the page's own HTML and print
CSS, laid out by pango with the Japanese fonts fontconfig finds (fonts-noto-cjk), the
glyphs used embedded in the file.

Nothing is fetched while rendering but the app's own static files, read from disk: the
page links /static/css/print.css, and any other address (a URL in a proposal's text
cannot become one, text is escaped, but still) is refused, so a PDF never makes the
server reach the network."""

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = (Path(__file__).resolve().parent.parent / "static").resolve()
# The address the HTML is read as coming from; only its /static/ paths are answered.
BASE_URL = "https://teian.invalid/"
PDF_MEDIA_TYPE = "application/pdf"


class StaticFilesOnly(URLFetcher):
    """Answers the app's static files from disk and refuses everything else."""

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        base = urlsplit(BASE_URL)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            raise ValueError(f"not fetched while making a PDF: {url}")
        if not parts.path.startswith("/static/"):
            raise ValueError(f"not a static file: {url}")
        path = (STATIC_DIR / parts.path.removeprefix("/static/")).resolve()
        if not path.is_relative_to(STATIC_DIR) or not path.is_file():
            raise ValueError(f"no such static file: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def html_to_pdf(html: str) -> bytes:
    """The document as PDF, laid out for print (`@media print`, `@page`)."""
    document = HTML(
        string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnly(), media_type="print"
    )
    pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
