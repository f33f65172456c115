"""Log filter that masks ID numbers in every line a handler writes (DESIGN §5).

Request lines are the danger: an ID number typed into a URL by hand (or an old bookmark)
would otherwise reach runserver's and gunicorn's access logs in full. The filter sits on
the handlers (config.settings LOGGING, config/gunicorn.py), so whatever logger a record
comes from, the line written is masked.
"""

from __future__ import annotations

import logging

from common.masking import ID_NUMBER_RE, mask_id_numbers

_FORMATTER = logging.Formatter()


class MaskIdNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler
            return True
        if ID_NUMBER_RE.search(message):
            # gunicorn's access logger passes the request atoms as a dict of args; the
            # formatted line replaces format and args alike.
            record.msg = mask_id_numbers(message)
            record.args = ()
        if record.exc_info and not record.exc_text:
            # Tracebacks quote values (a ValueError about a cell, say): masked too.
            record.exc_text = mask_id_numbers(_FORMATTER.formatException(record.exc_info))
        return True


# Public pages where a resident writes (the household page's forms, an anonymous
# receipt, a listing's close code): their request lines keep no client address, so an
# access log cannot tie an anonymous message to who sent it (decision 50).
PUBLIC_PREFIXES = ("/h/", "/v/", "/voice/r/", "/market/close/")
ADDRESS_ATOMS = {"h", "{x-forwarded-for}i", "{x-real-ip}i", "{remote_addr}e"}


class ForgetPublicClients(logging.Filter):
    """gunicorn's access records carry the request's atoms as a dict: for a public path
    the client's address (and any forwarded one) is replaced by "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if isinstance(atoms, dict) and str(atoms.get("U", "")).startswith(PUBLIC_PREFIXES):
            record.args = {k: ("-" if k in ADDRESS_ATOMS else v) for k, v in atoms.items()}
        return True
