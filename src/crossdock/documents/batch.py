"""One print job from many PDFs: the carriers' own label files and ours, page after page."""

from __future__ import annotations

import io
from collections.abc import Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from crossdock.domain.errors import DomainError

# The PDF header may follow some junk, but readers only look for it near the start.
_HEADER_WINDOW = 1024


def merge_pdfs(files: Sequence[bytes]) -> bytes:
    """Every page of every file, in order, as one PDF. Raises ValueError naming the first file that is not a PDF."""
    if not files:
        raise DomainError("no PDF files to merge")
    writer = PdfWriter()
    for index, data in enumerate(files):
        reader = _open(index, data)
        try:
            for page in reader.pages:
                writer.add_page(page)
        except Exception as exc:     # a damaged page tree can fail in many ways deep inside pypdf
            raise DomainError(f"file {index} is a damaged PDF: {exc}") from exc
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open(index: int, data: bytes) -> PdfReader:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DomainError(f"file {index} is not a PDF: got {type(data).__name__}, expected bytes")
    if b"%PDF-" not in bytes(data[:_HEADER_WINDOW]):
        start = bytes(data[:16])
        raise DomainError(f"file {index} is not a PDF: it starts with {start!r}")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DomainError(f"file {index} is a password-protected PDF")
        _ = len(reader.pages)           # page tree errors surface here, not at the later copy
    except DomainError:
        raise
    except PdfReadError as exc:
        raise DomainError(f"file {index} is not a readable PDF: {exc}") from exc
    except Exception as exc:     # pypdf meets broken files with assorted errors; the caller needs the index
        raise DomainError(f"file {index} is not a readable PDF: {type(exc).__name__}: {exc}") from exc
    return reader
