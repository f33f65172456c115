"""What a PDF may carry before the portal serves it to residents: text and pictures, no
program. A notice's PDF is public once published; one with a script, an action run on
opening, a launched program or an embedded file is refused with a sentence.

PDF names can be spelt with escapes (`/J#61vaScript` is `/JavaScript`) and objects can
sit inside compressed object streams, so the check reads the names after undoing the
escapes, in the file's bytes and in every Flate stream inflated (within a budget, so a
small PDF cannot inflate to gigabytes here). What it cannot read through (an encrypted
PDF, a stream in an old text or LZW encoding that could hide objects) is refused too: a
village's notice is printed from Word or WPS, which write none of those.
"""

from __future__ import annotations

import re
import zlib

from django.utils.translation import gettext as _

#: names that make a PDF do something: scripts, actions on opening, launching a program,
#: files inside the file, Flash/3D media and XFA forms (which script themselves)
ACTIVE = frozenset(
    {"JavaScript", "JS", "OpenAction", "Launch", "EmbeddedFile", "EmbeddedFiles",
     "RichMedia", "XFA", "AA"}
)  # fmt: skip
#: filters that could hide objects from this check (Flate is inflated and read)
OPAQUE_FILTERS = frozenset(
    {"LZWDecode", "LZW", "ASCII85Decode", "A85", "ASCIIHexDecode", "AHx", "RunLengthDecode",
     "RL", "Crypt"}
)  # fmt: skip
INFLATE_BUDGET = 64 * 1024 * 1024

_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n")


class PdfRefused(ValueError):
    """str(exc) is the sentence for the uploader."""


def _names(data: bytes) -> set[str]:
    found = set()
    for match in _NAME.finditer(data):
        raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        found.add(raw.decode("latin-1"))
    return found


def _inflated_streams(data: bytes):
    """Each stream that inflates as Flate, within the budget (PdfRefused past it)."""
    budget = INFLATE_BUDGET
    view = memoryview(data)
    for match in _STREAM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(view[match.end() :], budget + 1)
        except zlib.error:
            continue  # not Flate (a JPEG, a font in another filter): no objects in it
        if len(out) > budget:
            raise PdfRefused(_("The PDF file unpacks to too much data to be checked."))
        budget -= len(out)
        yield out


def check_pdf(data: bytes) -> None:
    """Refuse (PdfRefused) a PDF that carries a program or that cannot be read through."""
    names = _names(data)
    if "Encrypt" in names:
        raise PdfRefused(_("The PDF file has a password; save it again without one."))
    if names & OPAQUE_FILTERS:
        raise PdfRefused(
            _("The PDF file uses an old encoding that cannot be checked; print it to PDF again.")
        )
    for inflated in _inflated_streams(data):
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
