"""The leak scanner (DESIGN §5): a full ID number must not sit in any table, access record
or log line. Used after every database test (conftest) and at the end of the suite."""

from __future__ import annotations

import logging
import re

from django.db import connection

from common.logfilters import MaskIdNumbers

# An ID number standing on its own: not a run of digits inside a hash or a cipher text.
ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def find_in_text(text: str) -> list[str]:
    return ID_PATTERN.findall(text)


def scan_tables() -> list[tuple[str, str]]:
    """(table, value) for every value of every column of every table holding an ID number."""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (names from introspection)
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, str | bytes | memoryview) or value is not None:
                        text = (
                            value.decode(errors="replace")
                            if isinstance(value, bytes)
                            else str(value)
                        )
                        if find_in_text(text):
                            hits.append((table, text[:80]))
    return hits


class CaptureHandler(logging.Handler):
    """Keeps every line a handler of the portal would write, after the portal's filter."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.addFilter(MaskIdNumbers())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


CAPTURED = CaptureHandler()


def log_request_line(sender, environ, **kwargs) -> None:
    """The request line as runserver and gunicorn write it, for every request of the suite
    (the test client has no server, so the line is logged the way the server logs it)."""
    query = environ.get("QUERY_STRING", "")
    target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
    protocol = environ.get("SERVER_PROTOCOL", "HTTP/1.1")
    logging.getLogger("django.server").info(
        '"%s %s %s"', environ["REQUEST_METHOD"], target, protocol
    )
