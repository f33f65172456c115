"""What a PDF may carry before the portal serves it to residents: text and pictures, no
program. A notice's PDF is public once published; one with a script, an action run on
opening, a launched program or an embedded file is refused with a sentence.

PDF names can be spelt with escapes (`/J#61vaScript` is `/JavaScript`) and objects can
sit inside compressed object streams (`/Type /ObjStm`), so the check reads the names
after undoing the escapes, in the file's bytes and in every object stream inflated
(within a budget, so a small PDF cannot inflate to gigabytes here). Other streams (page
contents, pictures, fonts) hold no objects and are not opened. What it cannot read
through (an encrypted PDF, an object stream in another encoding) is refused too: Word,
WPS and ReportLab write none of those.
"""

from __future__ import annotations

import re
import zlib

from django.utils.translation import gettext as _

#: names that make a PDF do something: scripts, actions on opening, launching a program,
#: files inside the file, Flash/3D media and XFA forms (which script themselves)
ACTIVE = frozenset(
    {
        "JavaScript",
        "JS",
        "OpenAction",
        "Launch",
        "EmbeddedFile",
        "EmbeddedFiles",
        "RichMedia",
        "XFA",
        "AA",
    }
)
#: the one encoding of object streams this check reads (as writers use it)
FLATE = frozenset({"FlateDecode", "Fl"})
INFLATE_BUDGET = 64 * 1024 * 1024
#: every standard filter name, long and short (PDF 32000-1 §7.4)
_FILTERS = frozenset(
    {
        "FlateDecode",
        "Fl",
        "LZWDecode",
        "LZW",
        "ASCII85Decode",
        "A85",
        "ASCIIHexDecode",
        "AHx",
        "RunLengthDecode",
        "RL",
        "CCITTFaxDecode",
        "CCF",
        "DCTDecode",
        "DCT",
        "JBIG2Decode",
        "JPXDecode",
        "Crypt",
    }
)

_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"(?<!end)stream\r?\n")


class PdfRefused(ValueError):
    """str(exc) is the sentence for the uploader."""


def _names(data: bytes) -> set[str]:
    found = set()
    for match in _NAME.finditer(data):
        raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        found.add(raw.decode("latin-1"))
    return found


def _object_streams(data: bytes):
    """The inflated contents of each object stream, within the budget; PdfRefused for
    one that cannot be read through."""
    budget = INFLATE_BUDGET
    view = memoryview(data)
    for match in _STREAM.finditer(data):
        # the stream's dictionary: from its object's "obj" keyword to "stream"
        head = _names(data[data.rfind(b"obj", 0, match.start()) : match.start()])
        if "ObjStm" not in head:
            continue
        if head & _FILTERS - FLATE:
            raise PdfRefused(
                _("The PDF file uses an encoding that cannot be checked; print it to PDF again.")
            )
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(view[match.end() :], budget + 1)
        except zlib.error as exc:
            raise PdfRefused(
                _("The PDF file uses an encoding that cannot be checked; print it to PDF again.")
            ) from exc
        if len(out) > budget:
            raise PdfRefused(_("The PDF file unpacks to too much data to be checked."))
        budget -= len(out)
        yield out


def check_pdf(data: bytes) -> None:
    """Refuse (PdfRefused) a PDF that carries a program or that cannot be read through."""
    names = _names(data)
    if "Encrypt" in names:
        raise PdfRefused(_("The PDF file has a password; save it again without one."))
    for inflated in _object_streams(data):
        names |= _names(inflated)
    active = names & ACTIVE
    if active:
        raise PdfRefused(
            _(
                "The PDF file contains a script, an action or an embedded file (%(names)s). "
                "Only plain documents can be published: print it to PDF again."
            )
            % {"names": ", ".join(sorted(active))}
        )
