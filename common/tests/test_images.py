"""Uploaded pictures are opened only as the formats their form takes, their size is
checked before a pixel is decoded, and no upload can make the portal run Ghostscript
(issue 21: an EPS named .jpg did, through Pillow's EPS plugin)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image

from common.images import KEPT_SIDE, clean_photo

EPS = b"""%!PS-Adobe-3.0 EPSF-3.0
%%BoundingBox: 0 0 100 100
%%EndComments
newpath 0 0 moveto 100 100 lineto stroke
(/etc/passwd) (r) file
showpage
%%EOF
"""


def _picture(size=(40, 30), fmt="PNG", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format=fmt, **save)
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels in a few dozen bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_an_eps_named_jpg_is_refused_and_runs_no_ghostscript(ghostscript_calls):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        clean_photo(EPS)
    assert "JPEG" in refused.value.messages[0]
    assert "图片" in refused.value.messages[0]
    assert ghostscript_calls == []


def test_a_tiny_file_claiming_a_huge_picture_is_refused_before_decoding():
    data = _png_header_only(10_000, 10_000)  # 100 million pixels in 45 bytes
    assert len(data) < 100
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        clean_photo(data)
    assert "过大" in refused.value.messages[0]


def test_a_picture_that_decodes_whole_is_held_to_fewer_pixels():
    """A PNG decodes whole (no draft): 5,000 × 4,001 is refused where a JPEG would pass."""
    with pytest.raises(ValidationError):
        clean_photo(_png_header_only(5_000, 4_001))
    with pytest.raises(ValidationError) as unreadable:  # at the limit: read (and empty)
        clean_photo(_png_header_only(5_000, 4_000))
    assert "过大" not in unreadable.value.messages[0]


def test_the_pixel_limit_is_checked_on_each_side_of_its_line():
    assert clean_photo(_picture((10, 10)), max_pixels=100)
    with pytest.raises(ValidationError):
        clean_photo(_picture((10, 11)), max_pixels=100)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_the_photo_formats_are_taken_and_kept_as_jpeg(fmt):
    kept = clean_photo(_picture(fmt=fmt))
    with Image.open(io.BytesIO(kept)) as image:
        assert (image.format, image.size) == ("JPEG", (40, 30))


def test_a_format_the_form_does_not_take_is_refused():
    gif = _picture(fmt="GIF")
    with pytest.raises(ValidationError):
        clean_photo(gif)
    assert clean_photo(gif, formats=("JPEG", "PNG", "GIF"))  # the notices' form takes GIF


def test_a_large_photo_is_kept_at_most_kept_side_pixels_and_loses_its_metadata():
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    data = _picture((KEPT_SIDE * 2, KEPT_SIDE), fmt="JPEG", exif=exif, comment=b"secret")
    kept = clean_photo(data)
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (KEPT_SIDE, KEPT_SIDE // 2)
        assert not image.getexif()
        assert "comment" not in image.info
