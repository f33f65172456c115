"""Uploads over the in-memory size wait encrypted on disk (common.uploads)."""

from __future__ import annotations

import io
import os

import pytest

from common.uploads import SEAL_EVERY, SealedSpool, SealedUploadHandler
from tests.factories import make_id_number


def _written(data: bytes, piece: int = 65536) -> SealedSpool:
    spool = SealedSpool()
    for start in range(0, len(data), piece):
        spool.write(data[start : start + piece])
    spool.finish()
    return spool


def test_the_disk_holds_no_number_and_the_reader_gets_every_byte():
    number = make_id_number()
    data = (f"{number},YB02,48200,2026-10\n" * 120_000).encode()  # 3.6 MB: several seals
    spool = _written(data)
    descriptor = spool._sealed.fileno()
    on_disk = os.pread(descriptor, 2 * len(data), 0)  # as another process would see it
    assert number.encode() not in on_disk
    assert len(on_disk) > len(data)  # sealed, not elsewhere
    assert spool.read() == data
    spool.seek(0)
    assert spool.read(10) == data[:10]
    assert spool.seek(0, io.SEEK_END) == len(data)
    assert spool.read() == b""
    assert spool.seek(SEAL_EVERY + 5) == SEAL_EVERY + 5
    assert spool.read(7) == data[SEAL_EVERY + 5 : SEAL_EVERY + 12]
    spool.seek(0)
    assert b"".join(iter(lambda: spool.read(1000), b"")) == data
    spool.close()
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(descriptor)  # the temporary file is gone with the spool


def test_the_handler_hands_the_view_a_file_that_reads_back():
    data = os.urandom(3 * SEAL_EVERY + 17)
    handler = SealedUploadHandler()
    handler.new_file("file", "yb.csv", "text/csv", len(data))
    for start in range(0, len(data), handler.chunk_size):
        handler.receive_data_chunk(data[start : start + handler.chunk_size], start)
    upload = handler.file_complete(len(data))
    assert upload.size == len(data)
    assert upload.name == "yb.csv"
    assert b"".join(upload.chunks()) == data
    assert b"".join(upload.chunks()) == data  # read again from the start
    upload.close()
