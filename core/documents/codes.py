"""Barcodes (Code 128, python-barcode) and QR codes (segno) as inline SVG.

Both return :class:`~markupsafe.Markup` ready to drop into a template
(``{{ barcode(receipt.number) }}``, ``{{ qr(verify_url) }}``). The human-readable line
under a barcode is HTML text, not SVG text, so it uses the document's bundled font.

While a document is rendered to PDF they return an empty box of the code's size instead,
and the code is drawn into the PDF after the layout (core.documents.vector): same modules,
same place, a fraction of WeasyPrint's cost for an SVG.
"""

from __future__ import annotations

import io
from functools import lru_cache

from markupsafe import Markup, escape

from core.documents import vector

_WRITER_CLASS = None


def _writer():
    """python-barcode's SVG writer, drawing all bars as ONE path.

    The stock writer emits a ``<rect>`` per bar (about 50 for a receipt number), which
    WeasyPrint draws ten times slower than a single path of the same bars.
    """
    global _WRITER_CLASS
    if _WRITER_CLASS is None:
        from barcode.writer import SVGWriter

        class PathSVGWriter(SVGWriter):
            def _init(self, code):
                if len(code) != 1:
                    raise NotImplementedError("only one line of code is supported")
                self._size = self.calculate_size(len(code[0]), 1)
                self._bars = []

            def _create_module(self, xpos, ypos, width, color):
                if color != self.background:
                    self._bars.append(
                        f"M{xpos:.3f} {ypos:.3f}h{width:.3f}v{self.module_height:.3f}"
                        f"h-{width:.3f}z"
                    )

            def _finish(self):
                width, height = self._size
                return (
                    f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.3f}mm" '
                    f'height="{height:.3f}mm" viewBox="0 0 {width:.3f} {height:.3f}">'
                    f'<path fill="{self.foreground}" d="{"".join(self._bars)}"/></svg>'
                ).encode()

        _WRITER_CLASS = PathSVGWriter
    return _WRITER_CLASS()


@lru_cache(maxsize=1024)
def _code128(value: str, height_mm: float, module_width_mm: float, quiet_zone_mm: float) -> str:
    import barcode

    out = io.BytesIO()
    barcode.Code128(value, writer=_writer()).write(
        out,
        options={
            "module_height": height_mm,
            "module_width": module_width_mm,
            "quiet_zone": quiet_zone_mm,
            "write_text": False,
            "margin_top": 0,
            "margin_bottom": 0,
        },
    )
    label = str(escape(value))
    svg = out.getvalue().decode("utf-8")
    return svg.replace("<svg ", f'<svg class="barcode-svg" role="img" aria-label="{label}" ', 1)


#: One dot of a 203 dpi thermal printer (receipt and label printers), as modules are sized.
DOT_MM = 0.125
#: Code 128's least quiet zone, in modules.
MIN_QUIET_MODULES = 10


@lru_cache(maxsize=1024)
def _module_count(value: str) -> int:
    import barcode

    return len(barcode.Code128(value).build()[0])


def fit_code128(value: str, module_width_mm: float, quiet_zone_mm: float,
                fit_mm: float) -> tuple[float, float]:
    """(module width, quiet zone) in mm for a Code 128 of ``value`` at most ``fit_mm`` wide.

    A code that fits keeps what was asked. Otherwise the quiet zones shrink first, down to
    Code 128's ten modules; then the modules shrink to the widest whole number of printer
    dots that fits (``DOT_MM``: a module split across dots prints ragged), never under one
    dot. A long number on a 58 mm roll is printed narrower instead of off the paper.
    """
    modules = _module_count(value)
    if modules * module_width_mm + 2 * quiet_zone_mm <= fit_mm:
        return module_width_mm, quiet_zone_mm
    least_quiet = MIN_QUIET_MODULES * module_width_mm
    quiet = max(least_quiet, (fit_mm - modules * module_width_mm) / 2)
    if modules * module_width_mm + 2 * quiet <= fit_mm and quiet <= quiet_zone_mm:
        return module_width_mm, quiet
    dots = int(fit_mm / ((modules + 2 * MIN_QUIET_MODULES) * DOT_MM))
    module = max(1, min(dots, round(module_width_mm / DOT_MM))) * DOT_MM
    return module, MIN_QUIET_MODULES * module


def barcode_svg(value: str, *, height_mm: float = 12, module_width_mm: float = 0.3,
                text: bool = True, quiet_zone_mm: float = 3.0,
                fit_mm: float | None = None) -> Markup:
    """A Code 128 barcode of ``value`` as inline SVG (no XML declaration).

    ``text=True`` adds the value in clear under the bars. The bars are ``module_width_mm``
    per module (0.25 mm or 0.375 mm match a 203 dpi printer exactly). ``fit_mm`` (e.g. the
    page format's ``printable_width_mm``) narrows a code that would be wider: see
    :func:`fit_code128`.
    """
    value = str(value)
    if fit_mm is not None:
        module_width_mm, quiet_zone_mm = fit_code128(
            value, float(module_width_mm), float(quiet_zone_mm), float(fit_mm))
    registry = vector.active()
    if registry is not None:
        svg = vector.placeholder(registry, vector.code128(
            value, float(height_mm), float(module_width_mm), float(quiet_zone_mm)),
            "barcode-svg", value)
    else:
        svg = _code128(value, float(height_mm), float(module_width_mm), float(quiet_zone_mm))
    if not text:
        return Markup(svg)
    return Markup('<span class="barcode">{}<span class="barcode-text">{}</span></span>').format(
        Markup(svg), value
    )


@lru_cache(maxsize=1024)
def _qr(data: str, scale: float, border: int, error: str, unit: str, mask: int | None) -> str:
    import segno

    code = segno.make(data, error=error, micro=False, mask=mask)
    return code.svg_inline(scale=scale, border=border, unit=unit or None, dark="#000")


def qr_svg(data: str, *, scale: float = 0.5, border: int = 4, error: str = "m",
           unit: str = "mm", mask: int | None = None) -> Markup:
    """A QR code of ``data`` as inline SVG.

    ``scale`` is the size of one module in ``unit`` (0.5 mm by default: a short URL gives a
    code about 16 mm wide); ``border`` the quiet zone in modules (4 is the standard);
    ``error`` the error-correction level (l, m, q, h). ``mask`` fixes the mask pattern
    (0-7) instead of letting segno score all eight (~5 ms a code): every reader decodes
    any mask, so documents printed by the hundred may fix one.
    """
    registry = vector.active()
    if registry is not None and unit == "mm":
        return vector.placeholder(registry, vector.qr_code(str(data), float(scale), int(border),
                                                           error, mask), "qr-svg", "QR")
    svg = _qr(str(data), float(scale), int(border), error, unit, mask)
    return Markup(svg.replace('class="segno"', 'class="qr-svg"', 1))
