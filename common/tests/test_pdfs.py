"""A PDF that carries a program is refused before it can be published; a plain one
(as Word, WPS or ReportLab print it) passes (issue 21)."""

from __future__ import annotations

import io
import zlib

import pytest
from django.utils import translation
from reportlab.pdfgen import canvas

from common.pdfs import PdfRefused, check_pdf


def _plain_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 750, "2026 village accounts")
    page.showPage()
    page.save()
    return buffer.getvalue()


def _with(body: bytes) -> bytes:
    """A small PDF whose catalogue holds `body`."""
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + body + b" >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
        b"%%EOF\n"
    )


def _in_object_stream(body: bytes) -> bytes:
    """The action inside a compressed object stream, invisible in the file's bytes."""
    packed = zlib.compress(b"3 0 " + body)
    return (
        b"%PDF-1.5\n4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\ntrailer\n<< /Root 3 0 R >>\n%%EOF\n"
    )


def test_a_plain_pdf_passes():
    check_pdf(_plain_pdf())


@pytest.mark.parametrize(
    "pdf",
    [
        _with(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        _with(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),  # escaped names
        _with(b"/OpenAction 5 0 R"),
        _with(b"/AA << /O << /S /Launch /F (cmd.exe) >> >>"),
        _with(b"/Names << /EmbeddedFiles << /Names [(a.exe) 6 0 R] >> >>"),
        _in_object_stream(b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (x) >> >>"),
    ],
    ids=["javascript", "escaped-names", "open-action", "launch", "embedded-file", "objstm"],
)
def test_a_pdf_with_a_program_is_refused_with_a_sentence(pdf):
    with translation.override("zh-hans"), pytest.raises(PdfRefused) as refused:
        check_pdf(pdf)
    assert "PDF" in str(refused.value)
    assert "脚本" in str(refused.value)


def test_a_pdf_that_cannot_be_read_through_is_refused():
    with pytest.raises(PdfRefused):
        check_pdf(_with(b"/Encrypt 7 0 R"))
    ascii85 = _in_object_stream(b"<< /Type /Catalog >>").replace(
        b"/Filter /FlateDecode", b"/Filter /ASCII85Decode"
    )
    with pytest.raises(PdfRefused):
        check_pdf(ascii85)  # an object stream this check cannot read


def test_a_stream_that_inflates_past_the_budget_is_refused(monkeypatch):
    from common import pdfs

    monkeypatch.setattr(pdfs, "INFLATE_BUDGET", 1000)
    with pytest.raises(PdfRefused):
        check_pdf(_in_object_stream(b"<< /Type /Catalog >>" + b" " * 1001))
    check_pdf(_in_object_stream(b"<< /Type /Catalog >>" + b" " * 900))
