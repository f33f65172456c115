"""The one export service: every file of personal data that leaves the portal goes out
here, and is recorded (who, what, which region, how many rows, why) in the access log in
the same request that hands it out (DESIGN §5). The registry's lists, its export jobs
and error workbooks, the alert queue, the portraits, the voice of the people, the
points report, the matters, the feeds' rejections: each view builds its rows, then
calls `personal_download`. A file with nothing personal in it (a template) goes out
through `common.downloads.file_response` unrecorded; tests/test_downloads.py walks every
URL that answers with an attachment and holds each to one of the two.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from common.downloads import XLSX_TYPE, file_response
from households import services
from households.masking import mask_id_numbers
from households.models import AccessKind
from villages.models import Region
from villages.scoping import common_region_code, region_codes


def region_of(user, roles: Iterable[str] | None = None) -> Region | None:
    """The narrowest region holding everything the user may read (with `roles`): their
    region, or for several regions the one they share (a county, a township)."""
    code = common_region_code(region_codes(user, roles))
    return Region.objects.filter(code=code).first() if code else None


def personal_download(
    *,
    user,
    what: str,
    rows: int,
    content: bytes | Iterable[bytes],
    filename: str,
    content_type: str = XLSX_TYPE,
    region: Region | None = None,
    roles: Iterable[str] | None = None,
    full: bool = False,
    reason: str = "",
    filters: str = "",
) -> HttpResponse | StreamingHttpResponse:
    """Record the download, then answer with the file. `what` names the list for the
    access log, `rows` how many rows leave, `region` where they come from (default: the
    user's region for `roles`); `full` with the `reason` when ID and phone numbers are
    whole."""
    detail = _("%(what)s: %(count)d rows") % {"what": what, "count": rows}
    if filters:
        detail += _("; filters: %(filters)s") % {"filters": mask_id_numbers(filters)[:200]}
    services.access_record(
        user=user,
        kind=AccessKind.EXPORT_FULL if full else AccessKind.EXPORT_MASKED,
        region=region or region_of(user, roles),
        reason=reason,
        detail=detail[:300],
    )
    return file_response(content, filename=filename, content_type=content_type)
