"""HTML to PDF on the server with WeasyPrint (no browser): the page's own HTML and print
CSS, laid out by pango with the Japanese fonts fontconfig finds (fonts-noto-cjk), the
glyphs used embedded in the file.

Nothing is fetched while rendering but the app's own static files, read from disk: the
page links /static/css/print.css, and any other address (a URL in a proposal's text
cannot become one, text is escaped, but still) is refused, so a PDF never makes the
server reach the network.

WeasyPrint is imported when a PDF is made, not when the app starts: it needs Debian's pango
(`libpango-1.0-0 libpangoft2-1.0-0`), and a server without it still serves everything else,
answering 503 with what to install for the PDFs only."""

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from app.errors import Unavailable
from app.i18n import N_

STATIC_DIR = (Path(__file__).resolve().parent.parent / "static").resolve()
# The address the HTML is read as coming from; only its /static/ paths are answered.
BASE_URL = "https://teian.invalid/"
PDF_MEDIA_TYPE = "application/pdf"


NO_PANGO = N_(
    "PDF を作るためのライブラリ（pango）がサーバーにありません。管理者に "
    "libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk のインストールを依頼してください。"
    "印刷用のページはそのまま使えます。"
)


def static_file(url: str):
    """The app's static file at `url` (under BASE_URL's /static/) as WeasyPrint's answer;
    ValueError for any other address."""
    from weasyprint.urls import URLFetcherResponse

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
    """The document as PDF, laid out for print (`@media print`, `@page`). Unavailable (503)
    when the server lacks pango."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # pango's shared libraries are missing
        raise Unavailable(NO_PANGO) from exc

    class StaticFilesOnly(URLFetcher):
        """Answers the app's static files from disk and refuses everything else."""

        def fetch(self, url: str, headers: dict[str, str] | None = None):
            return static_file(url)

    document = HTML(
        string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnly(), media_type="print"
    )
    pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
