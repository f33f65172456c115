"""Door plaques (一户一码门牌): a printable sheet per village, as a print view and as a
PDF written by a task with its progress (an ExportJob of kind "plaques").

A plaque holds what the public page shows and nothing more (DESIGN §5): the QR code of
the household's public address, its number, the masked head name + 家, the family motto,
lines other apps add through the portal registry (points: honours), and the village's
slogan. Six plaques to an A4 page, each 9 × 8.5 cm, to be cut and laminated.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from households.masking import mask
from households.models import HouseholdQuerySet, PublicInfo
from villages.registry import plaque_lines

PER_PAGE = 6  # 2 columns × 3 rows on A4
CHUNK = 500  # households read at a time


@dataclass(frozen=True)
class Plaque:
    household_id: int
    number: str
    name: str  # masked head name + 家
    motto: str
    lines: list[str]
    url: str

    def qr_matrix(self) -> list[list[bool]]:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(self.url)
        code.make(fit=True)
        return code.get_matrix()

    def qr_svg(self) -> SafeString:
        """The QR code as inline SVG (the print view: no image request per plaque)."""
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
        code.add_data(self.url)
        code.make(fit=True)
        svg = code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string()
        return mark_safe(svg.decode())  # noqa: S308 (made here from our own address)


def slogan_of(village_id: int) -> str:
    return (
        PublicInfo.objects.filter(region_id=village_id).values_list("slogan", flat=True).first()
        or ""
    )


def plaques(households: HouseholdQuerySet) -> Iterator[Plaque]:
    """The plaques of these households, read CHUNK at a time, lines of other apps in
    one query per app and chunk."""
    qs = households.with_head()
    ids = list(qs.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = list(qs.filter(pk__in=ids[start : start + CHUNK]).order_by("number"))
        extra = [lines([h.pk for h in chunk]) for lines in plaque_lines()]
        for household in chunk:
            yield Plaque(
                household_id=household.pk,
                number=household.number,
                name=_("%(name)s household") % {"name": mask(household.head_name or "", "name")},
                motto=household.motto,
                lines=[line for found in extra for line in found.get(household.pk, [])],
                url=household.public_url(),
            )


# --- PDF --------------------------------------------------------------------------------

FONT = "STSong-Light"  # Adobe's CID font for Simplified Chinese: every PDF reader has it


def write_pdf(
    target,
    village_name: str,
    slogan: str,
    items: Iterable[Plaque],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the plaques as an A4 PDF into `target`; returns how many."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pdf = Canvas(target, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Door plaques of %(village)s") % {"village": village_name})
    width, height = A4
    cell_w, cell_h = 9 * cm, 8.5 * cm
    left = (width - 2 * cell_w) / 2
    top = height - (height - 3 * cell_h) / 2
    done = 0
    for done, plaque in enumerate(items, 1):
        slot = (done - 1) % PER_PAGE
        if slot == 0 and done > 1:
            pdf.showPage()
        x = left + (slot % 2) * cell_w
        y = top - (slot // 2 + 1) * cell_h
        _draw(pdf, plaque, x, y, cell_w, cell_h, village_name, slogan, cm)
        if progress and done % 60 == 0:
            progress(done)
    pdf.showPage()
    pdf.save()
    if progress:
        progress(done)
    return done


def _draw(pdf, plaque: Plaque, x, y, w, h, village_name: str, slogan: str, cm) -> None:
    pdf.setDash(3, 3)
    pdf.setStrokeGray(0.6)
    pdf.rect(x, y, w, h)  # the cutting line
    pdf.setDash()
    pdf.setFillColorRGB(0.70, 0.15, 0.12)
    pdf.rect(x + 0.3 * cm, y + h - 1.3 * cm, w - 0.6 * cm, 1.0 * cm, stroke=0, fill=1)
    pdf.setFillGray(1)
    pdf.setFont(FONT, 13)
    # no "·": the CID font has no glyph for it
    heading = _("%(village)s: one household, one code") % {"village": village_name}
    pdf.drawCentredString(x + w / 2, y + h - 1.0 * cm, heading)
    pdf.setFillGray(0)
    # QR code, 4 cm square, drawn as vector modules
    matrix = plaque.qr_matrix()
    size = 4.0 * cm
    module = size / len(matrix)
    qx, qy = x + 0.5 * cm, y + h - 1.6 * cm - size
    for row, cells in enumerate(matrix):
        # each run of dark modules of a row as one rectangle: squares drawn one by one
        # leave hairline seams when rasterised, which a scanner can misread
        col = 0
        while col < len(cells):
            if not cells[col]:
                col += 1
                continue
            end = col
            while end < len(cells) and cells[end]:
                end += 1
            pdf.rect(
                qx + col * module,
                qy + size - (row + 1) * module,
                (end - col) * module,
                module * 1.02,
                stroke=0,
                fill=1,
            )
            col = end
    tx = qx + size + 0.4 * cm
    pdf.setFont(FONT, 20)
    pdf.drawString(tx, y + h - 2.4 * cm, plaque.name)
    pdf.setFont(FONT, 11)
    pdf.drawString(tx, y + h - 3.1 * cm, _("Household No. %(number)s") % {"number": plaque.number})
    line_y = y + h - 3.8 * cm
    pdf.setFont(FONT, 8.5)
    for line in plaque.lines[:3]:
        pdf.drawString(tx, line_y, line[:16])
        line_y -= 0.5 * cm
    if plaque.motto:
        pdf.setFont(FONT, 12)
        pdf.drawCentredString(x + w / 2, y + 1.5 * cm, plaque.motto[:20])
    if slogan:
        pdf.setFont(FONT, 10)
        pdf.setFillGray(0.35)
        pdf.drawCentredString(x + w / 2, y + 0.6 * cm, slogan[:24])
        pdf.setFillGray(0)


def pdf_bytes(village_name: str, slogan: str, items: Iterable[Plaque]) -> bytes:
    out = io.BytesIO()
    write_pdf(out, village_name, slogan, items)
    return out.getvalue()
