"""Uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE, kept encrypted while the request
reads them (DESIGN §5).

Django writes such an upload to a temporary file as it arrives, in plain text: a
department's feed or a village's registry sheet, full ID numbers and all, would sit in
/tmp for the length of the request. This handler takes Django's place: the chunks are
sealed a megabyte at a time with the portal's key (common.crypto's chunked format) into
an anonymous temporary file, and the UploadedFile it hands the view decrypts as it is
read. It can be read again from the start (seek(0)); a seek to the end costs nothing
(its size is known), any other seek reads forward to the position.
"""

from __future__ import annotations

import io
import tempfile
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from common.crypto import decrypt_stream, seal_chunk
from common.tables import ChunkReader

SEAL_EVERY = 1024 * 1024


class SealedSpool(io.RawIOBase):
    """Bytes written plain, kept encrypted in an anonymous temporary file, read plain."""

    def __init__(self) -> None:
        self._sealed = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115
        self._pending = bytearray()
        self._size = 0
        self._pos = 0
        self._reader = ChunkReader(iter(()))
        self._started = False  # reading has begun from the sealed file

    # --- writing, while the upload arrives
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._pending += data
        self._size += len(data)
        if len(self._pending) >= SEAL_EVERY:
            self._seal()
        return len(data)

    def _seal(self) -> None:
        if self._pending:
            seal_chunk(bytes(self._pending), self._sealed)
            self._pending.clear()

    def finish(self) -> None:
        self._seal()
        self.seek(0)

    # --- reading, by the view
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._reader.readinto(buffer)
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        target = max(0, min(base + offset, self._size))
        if target == self._size:  # the end: nothing left to read
            self._reader, self._pos = ChunkReader(iter(())), target
            return target
        if target < self._pos or not self._started:
            self._sealed.seek(0)
            self._reader, self._pos = ChunkReader(decrypt_stream(self._sealed)), 0
            self._started = True
        while self._pos < target and self.read(min(SEAL_EVERY, target - self._pos)):
            pass
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._sealed.close()  # an anonymous temporary file: gone with it
        super().close()


class SealedUploadHandler(FileUploadHandler):
    """In FILE_UPLOAD_HANDLERS in place of Django's TemporaryFileUploadHandler."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.spool = SealedSpool()
        # django-stubs types the file as a text IO; any file object works
        self.file = UploadedFile(
            self.spool,  # type: ignore[arg-type]  # any file object works (above)
            self.file_name,
            self.content_type,
            0,
            self.charset,
            self.content_type_extra,
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.spool.write(raw_data)

    def file_complete(self, file_size: int) -> UploadedFile:
        self.spool.finish()
        self.file.size = file_size
        return self.file

    def upload_interrupted(self) -> None:
        if hasattr(self, "file"):
            self.file.close()
