"""Log filters on every handler (DESIGN §5): no ID number and no public code in a line.

Request lines are the danger: an ID number typed into a URL by hand (or an old bookmark)
would otherwise reach runserver's and gunicorn's access logs in full, and a household's
public code in a line (`POST /h/<code>/voice/`) with its second, browser and referer
would tie an anonymous message to the household it was sent from (issue 21). The filter
sits on the handlers (config.settings LOGGING, config/gunicorn.py), so whatever logger a
record comes from, the line written is masked; the proxy's log masks the same paths
(deploy/nginx.conf).
"""

from __future__ import annotations

import logging
import re

from common.masking import mask_id_numbers

_FORMATTER = logging.Formatter()
#: a household's plaque code, an anonymous receipt, a listing's close code in a path
PUBLIC_CODE_RE = re.compile(r"(/h/|/voice/r/|/market/close/)[^/\s?\"'#]+")


def forget_public_codes(text: str) -> str:
    return PUBLIC_CODE_RE.sub(r"\1-", text)


class MaskIdNumbers(logging.Filter):
    """ID numbers masked and public codes replaced by "-" in the line written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler
            return True
        cleaned = forget_public_codes(mask_id_numbers(message))
        if cleaned != message:
            # gunicorn's access logger passes the request atoms as a dict of args; the
            # formatted line replaces format and args alike.
            record.msg = cleaned
            record.args = ()
        if record.exc_info and not record.exc_text:
            # Tracebacks quote values (a ValueError about a cell, say): masked too.
            record.exc_text = mask_id_numbers(_FORMATTER.formatException(record.exc_info))
        return True


# Public pages where a resident writes (the household page's forms, an anonymous
# receipt, a listing's close code): their request lines keep no client address, so an
# access log cannot tie an anonymous message to who sent it (decision 50).
PUBLIC_PREFIXES = ("/h/", "/v/", "/voice/r/", "/market/close/")
# what identifies the client or the page it came from: its address, browser and referer
ADDRESS_ATOMS = {
    "h",
    "{x-forwarded-for}i",
    "{x-real-ip}i",
    "{remote_addr}e",
    "a",
    "{user-agent}i",
    "f",
    "{referer}i",
}


class ForgetPublicClients(logging.Filter):
    """gunicorn's access records carry the request's atoms as a dict: for a public path
    the client's address (and any forwarded one), browser and referer are replaced by
    "-" (MaskIdNumbers then replaces the public code in the line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if isinstance(atoms, dict) and str(atoms.get("U", "")).startswith(PUBLIC_PREFIXES):
            record.args = {k: ("-" if k in ADDRESS_ATOMS else v) for k, v in atoms.items()}
        return True
