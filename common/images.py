"""The one way the portal opens an uploaded picture (registry documents, hazard photos,
notice pictures): as one of the formats its form accepts, its size checked before a pixel
is decoded, re-encoded as a JPEG with nothing but its pixels.

Pillow guesses a file's format from its bytes among every plugin it has, whatever the
name says: an EPS file named `photo.jpg` is opened as PostScript, and loading it runs
Ghostscript on the uploader's program. So the formats are named on every open, and the
EPS plugin is told there is no Ghostscript at all (`EpsImagePlugin.gs_binary`), so no
other caller can reach it either; the runtime image has no Ghostscript (Dockerfile).

A small file can hold a huge picture (a 37 KB PNG of 10,000 × 10,000 pixels decodes to
hundreds of MB): the header's width and height are checked before decoding, a JPEG is
decoded at a reduced scale when it is larger than kept photos need, and the kept copy is
at most KEPT_SIDE pixels on its longer side.
"""

from __future__ import annotations

import io
import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import EpsImagePlugin, Image, ImageOps, UnidentifiedImageError

EpsImagePlugin.gs_binary = False  # never run Ghostscript, whoever opens an EPS

#: what the photo forms accept (documents, hazard photos)
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
#: a 48-megapixel phone's photo is 8000 × 6000; anything larger is not a photo. A JPEG
#: decodes at a fraction of its size (draft), so its pixels cost little; a PNG or WebP
#: decodes whole (4 bytes a pixel), so it is held to fewer.
MAX_PIXELS = 50_000_000
MAX_PIXELS_WHOLE = 20_000_000
#: the longer side of a kept photo: an ID card or a hazard reads well at this size
KEPT_SIDE = 2560

# Pillow's own bomb check (a warning at MAX_IMAGE_PIXELS, an error at twice) as a last
# line for any open that does not come through here.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _not_taken(formats: tuple[str, ...]) -> ValidationError:
    names = ", ".join("WebP" if f == "WEBP" else f for f in formats)
    return ValidationError(
        _("This file is not a picture the form takes (%(formats)s).") % {"formats": names}
    )


def clean_photo(
    data: bytes, *, formats: tuple[str, ...] = PHOTO_FORMATS, max_pixels: int = MAX_PIXELS
) -> bytes:
    """The photo re-encoded as JPEG with no EXIF (GPS position, camera, time), XMP, ICC
    profile or comment; upright (the EXIF orientation applied first); at most KEPT_SIDE
    pixels a side. A file that is not one of `formats`, or too large, is a
    ValidationError with a sentence for the uploader."""
    too_large = _("The picture is too large (%(w)d × %(h)d pixels); take a smaller one.")
    try:
        with warnings.catch_warnings():
            # between MAX_IMAGE_PIXELS and twice that Pillow warns: refused just below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(formats))
    except Image.DecompressionBombError as exc:
        raise ValidationError(_("The picture is too large; take a smaller one.")) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise _not_taken(formats) from exc
    try:
        with image:
            limit = max_pixels if image.format == "JPEG" else min(max_pixels, MAX_PIXELS_WHOLE)
            if image.width * image.height > limit:
                raise ValidationError(too_large % {"w": image.width, "h": image.height})
            # a JPEG decodes straight to a fraction of its size (1/2 … 1/8)
            image.draft("RGB", (KEPT_SIDE, KEPT_SIDE))
            image.load()
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((KEPT_SIDE, KEPT_SIDE))
            upright = upright.convert("RGB")
    except (OSError, Image.DecompressionBombError, ValueError) as exc:
        raise _not_taken(formats) from exc
    # Pillow carries `info` (comment, XMP, ICC) from an opened image into a saved copy:
    # the pixels go into a new image that has none.
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=88)
    return out.getvalue()
