"""The one builder of file responses: every file the portal hands out carries the same
headers, so none can be run in the portal's origin.

- `Content-Disposition: attachment`, except pictures shown in a page (`inline`), with
  the file name in UTF-8 (RFC 6266);
- `X-Content-Type-Options: nosniff`: the browser takes the type given, never guesses
  HTML or script from the bytes;
- a sandboxing Content-Security-Policy: opened on its own, a file runs no script, loads
  nothing and cannot reach the portal's cookies or pages;
- `Cache-Control: private, no-store`: no shared PC or proxy keeps a copy.

Personal data goes out through `households.downloads.personal_download`, which records
the download and then calls this.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SANDBOX = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def file_response(
    content: bytes | Iterable[bytes],
    *,
    filename: str,
    content_type: str,
    inline: bool = False,
) -> HttpResponse | StreamingHttpResponse:
    """`content` whole (bytes) or as chunks (streamed)."""
    response: HttpResponse | StreamingHttpResponse
    if isinstance(content, bytes | bytearray):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or (
        "inline" if inline else "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, no-store"
    return response
