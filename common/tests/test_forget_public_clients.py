"""The access log of the public pages keeps no client address, browser, referer or public
code (decision 50, issue 21): an anonymous message to the village cannot be tied to who
sent it, or from which household's plaque, through the log."""

from __future__ import annotations

import io
import logging
import runpy
from pathlib import Path

import pytest

from common.logfilters import ForgetPublicClients

ACCESS_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s "%(f)s" "%(a)s" "%({x-forwarded-for}i)s"'


def _line(path: str) -> str:
    """A gunicorn access record for `path`, written through the portal's gunicorn log
    configuration (the filters config/gunicorn.py puts on its console handler)."""
    config = runpy.run_path(str(Path(__file__).resolve().parents[2] / "config" / "gunicorn.py"))
    handler_config = config["logconfig_dict"]["handlers"]["console"]
    filters = config["logconfig_dict"]["filters"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for name in handler_config["filters"]:
        dotted = filters[name]["()"]
        module, _dot, cls = dotted.rpartition(".")
        handler.addFilter(getattr(__import__(module, fromlist=[cls]), cls)())
    atoms = {
        "h": "203.0.113.77",
        "t": "[06/Dec/2026:10:00:00 +0800]",
        "U": path,
        "r": f"POST {path} HTTP/1.1",
        "s": "200",
        "f": f"https://portal{path}",
        "a": "Mozilla/5.0 MicroMessenger/8.0.50",
        "{x-forwarded-for}i": "203.0.113.77",
    }
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, "", 0, ACCESS_FORMAT, (atoms,), None
    )
    handler.handle(record)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/h/abcDEF123456789012345/voice/", "/h/-/voice/"),
        ("/v/360121104201/market/", "/v/360121104201/market/"),
        ("/voice/r/abcdef/", "/voice/r/-/"),
        ("/market/close/abcdef/", "/market/close/-/"),
    ],
)
def test_a_public_forms_request_line_keeps_no_address_browser_referer_or_code(path, logged):
    line = _line(path)
    assert f"POST {logged} HTTP/1.1" in line
    assert "203.0.113.77" not in line
    assert "MicroMessenger" not in line
    assert "abcdef" not in line.lower()


def test_a_staff_pages_request_line_keeps_the_address():
    assert "203.0.113.77" in _line("/households/")


def test_the_filter_leaves_other_records_alone():
    record = logging.LogRecord("x", logging.INFO, "", 0, "plain %s", ("text",), None)
    assert ForgetPublicClients().filter(record)
    assert record.getMessage() == "plain text"
