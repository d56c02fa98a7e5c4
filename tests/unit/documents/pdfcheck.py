"""Looking at our PDFs as a printer and a scanner would: rasterise, threshold, decode, read the text."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image
from pypdf import PdfReader

MM = 72 / 25.4


def raster(pdf: bytes, page: int, dpi: float, thermal: bool = False) -> Image.Image:
    """One page as a grayscale image; `thermal` prints it like a label printer: no anti-aliasing, pure black/white."""
    doc = pdfium.PdfDocument(pdf)
    try:
        bitmap = doc[page].render(scale=dpi / 72, grayscale=True, no_smoothpath=thermal, no_smoothtext=thermal)
        image = bitmap.to_pil().convert("L")
    finally:
        doc.close()
    if thermal:
        image = image.point(lambda v: 255 if v >= 128 else 0, mode="1").convert("L")
    return image


def barcodes(image: Image.Image) -> list[tuple[zxingcpp.BarcodeFormat, str]]:
    # No downscaling: the code must read at the resolution it was printed at.
    found = zxingcpp.read_barcodes(image, try_downscale=False)
    return [(b.format, b.text) for b in found]


def code128_texts(pdf: bytes, page: int, dpi: float, thermal: bool = False) -> list[str]:
    return [text for fmt, text in barcodes(raster(pdf, page, dpi, thermal)) if fmt == zxingcpp.BarcodeFormat.Code128]


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def page_size_mm(pdf: bytes, page: int = 0) -> tuple[float, float]:
    box = reader(pdf).pages[page].mediabox
    return float(box.width) / MM, float(box.height) / MM


def font_names(pdf: bytes, page: int = 0) -> set[str]:
    resources = reader(pdf).pages[page]["/Resources"]
    fonts = resources.get_object()["/Font"].get_object()
    return {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}


def ink(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Dark pixels inside box (left, top, right, bottom)."""
    histogram = image.crop(box).histogram()
    return sum(histogram[:128])
