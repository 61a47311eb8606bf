"""Barcodes and QR codes drawn straight into the PDF, and shared page backgrounds.

Two things WeasyPrint does slowly, done here once the layout is known:

**Codes.** An inline SVG QR code costs a few milliseconds to parse, lay out and draw,
the same again for a barcode, and a receipt or a certificate carries both. While a
document is rendered to PDF, ``qr()`` and ``barcode()`` (core.documents.codes) put an
empty box of the code's exact size in the HTML instead, and remember the code's modules
here. After the layout, :func:`finisher` finds each box on its page and draws the code
there as filled rectangles (one per run of dark modules) at the end of the page's content
stream: the same modules at the same place, for a fraction of the cost. The browser view
(``render_html``) still gets the inline SVG.

**Backgrounds.** In a layered batch (``render_batch(..., background_key=...)``) the pages
that hold what every record of a group shares are laid out once, at the start of the
document; :func:`finisher` turns each into a Form XObject, removes it from the page tree,
and has every record page of its group paint it first. A batch then costs, a page, the
layout of what is the record's own only.

WeasyPrint's public ``write_pdf(finisher=...)`` hook hands us the PDF (pydyf objects)
before it is written: every page has one content stream and all pages share one
resources dictionary, so a page's stream can become a form of the same document.
"""

from __future__ import annotations

import contextvars
import itertools
from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup

PT_PER_PX = 0.75  # 72 PDF points / 96 CSS pixels an inch
PX_PER_MM = 96 / 25.4
ATTRIBUTE = "data-ctc-code"
#: Rows of a code overlap by this much (pt) so that no hairline shows between them.
SEAM_PT = 0.05


@dataclass(frozen=True)
class Code:
    """A code's size and its dark runs: (x, y, width, height) in mm from its top-left."""

    width_mm: float
    height_mm: float
    runs: tuple[tuple[float, float, float, float], ...]


@dataclass
class Registry:
    """The codes of one render, by the number their placeholder box carries."""

    codes: dict[str, Code] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=itertools.count)

    def add(self, code: Code) -> str:
        key = str(next(self.counter))
        self.codes[key] = code
        return key


_registry: contextvars.ContextVar[Registry | None] = contextvars.ContextVar(
    "ctc_document_codes", default=None)


def active() -> Registry | None:
    """The registry of the PDF render under way (None: render codes as SVG)."""
    return _registry.get()


def collecting(registry: Registry):
    """Make ``registry`` active (codes become placeholders); returns the reset token."""
    return _registry.set(registry)


def stop_collecting(token) -> None:
    _registry.reset(token)


def placeholder(registry: Registry, code: Code, css_class: str, label: str) -> Markup:
    key = registry.add(code)
    return Markup(
        '<span class="ctc-code {cls}" {attr}="{key}" role="img" aria-label="{label}" '
        'style="--ctc-code-w:{w:.3f}mm;--ctc-code-h:{h:.3f}mm"></span>'
    ).format(cls=css_class, attr=Markup(ATTRIBUTE), key=key, label=label,
             w=code.width_mm, h=code.height_mm)


# -- the codes' modules --------------------------------------------------------------------


def _runs(row, y_mm: float, module_mm: float, offset_mm: float, height_mm: float):
    """(x, y, w, h) of each run of dark modules in ``row``."""
    out = []
    c, n = 0, len(row)
    while c < n:
        if not row[c]:
            c += 1
            continue
        start = c
        while c < n and row[c]:
            c += 1
        out.append((offset_mm + start * module_mm, y_mm, (c - start) * module_mm, height_mm))
    return out


@lru_cache(maxsize=1024)
def qr_code(data: str, scale: float, border: int, error: str, mask: int | None = None) -> Code:
    """The QR code of ``data``: modules ``scale`` mm, ``border`` modules of quiet zone."""
    import segno

    matrix = segno.make(data, error=error, micro=False, mask=mask).matrix
    runs = []
    for r, row in enumerate(matrix):
        runs.extend(_runs(row, (border + r) * scale, scale, border * scale, scale))
    side = (len(matrix) + 2 * border) * scale
    return Code(side, side, tuple(runs))


@lru_cache(maxsize=1024)
def code128(value: str, height_mm: float, module_width_mm: float, quiet_zone_mm: float) -> Code:
    """The Code 128 barcode of ``value`` (python-barcode's encoding)."""
    import barcode

    modules = barcode.Code128(value).build()[0]
    row = [m == "1" for m in modules]
    runs = _runs(row, 0.0, module_width_mm, quiet_zone_mm, height_mm)
    width = len(row) * module_width_mm + 2 * quiet_zone_mm
    return Code(width, height_mm, tuple(runs))


# -- after the layout ------------------------------------------------------------------------


def _placed_codes(page, registry: Registry):
    """(Code, x, y, width, height) in px of each placeholder box laid out on ``page``
    (a stylesheet may have resized the box: the code is drawn to fill it)."""
    found = []
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        key = element.get(ATTRIBUTE) if element is not None else None
        if key is not None and key in registry.codes and hasattr(box, "border_box_x"):
            found.append((registry.codes[key], box.border_box_x(), box.border_box_y(),
                          box.border_width(), box.border_height()))
            continue  # one box per placeholder: not its children
        stack.extend(getattr(box, "children", ()))
    return found


def _code_ops(placed) -> bytes:
    """PDF operators drawing ``placed`` codes in WeasyPrint's page space (pt, y down)."""
    ops = ["q 0 g"]
    for code, x_px, y_px, width_px, height_px in placed:
        x0, y0 = x_px * PT_PER_PX, y_px * PT_PER_PX
        # Scaled to fit the box, centred, aspect kept: as an SVG's viewBox would be.
        k = min(width_px * PT_PER_PX / code.width_mm, height_px * PT_PER_PX / code.height_mm)
        x0 += (width_px * PT_PER_PX - code.width_mm * k) / 2
        y0 += (height_px * PT_PER_PX - code.height_mm * k) / 2
        for x, y, w, h in code.runs:
            ops.append(f"{x0 + x * k:.2f} {y0 + y * k:.2f} {w * k:.2f} {h * k + SEAM_PT:.2f} re")
    ops.append("f Q")
    return "\n".join(ops).encode()


def _page_stream(pdf, number: int):
    ref = pdf.objects[number]["Contents"]
    return pdf.objects[int(bytes(ref).split()[0])]


def make_finisher(registry: Registry | None, backgrounds: dict[int, list[int]] | None = None):
    """A ``write_pdf(finisher=...)`` drawing the registry's codes on their pages and, if
    given, painting background page ``b`` under each page of ``backgrounds[b]`` (indexes
    into ``document.pages``; the background pages leave the page tree)."""

    def finisher(document, pdf) -> None:
        kids = pdf.pages["Kids"]
        numbers = [kids[i] for i in range(0, len(kids), 3)]
        if registry is not None and registry.codes:
            for page, number in zip(document.pages, numbers, strict=True):
                placed = _placed_codes(page, registry)
                if placed:
                    _page_stream(pdf, number).stream.append(_code_ops(placed))
        if backgrounds:
            _paint_backgrounds(pdf, document, numbers, backgrounds)

    return finisher


def _paint_backgrounds(pdf, document, numbers: list[int], backgrounds: dict[int, list[int]]):
    import pydyf

    first_page = pdf.objects[numbers[0]]
    resources = pdf.objects[int(bytes(first_page["Resources"]).split()[0])]
    removed = set()
    for n, (bg_index, page_indexes) in enumerate(sorted(backgrounds.items())):
        page = document.pages[bg_index]
        bg_number = numbers[bg_index]
        form = _page_stream(pdf, bg_number)
        width, height = page.width * PT_PER_PX, page.height * PT_PER_PX
        form.extra.update({
            "Type": "/XObject", "Subtype": "/Form",
            "BBox": pydyf.Array([0, 0, width, height]),
            "Resources": pdf.objects[bg_number]["Resources"],
        })
        name = f"CtcBackground{n}"
        resources["XObject"][name] = form.reference
        for index in page_indexes:
            _page_stream(pdf, numbers[index]).stream.insert(0, f"q /{name} Do Q".encode())
        removed.add(bg_number)
    kept = [number for number in numbers if number not in removed]
    pdf.pages["Kids"] = pydyf.Array(
        [part for number in kept for part in (number, 0, "R")])
    pdf.pages["Count"] = len(kept)
    _drop_destinations(pdf, removed)


def _drop_destinations(pdf, removed: set[int]) -> None:
    """Named destinations (ids) that pointed into a removed background page."""
    import pydyf

    names = pdf.catalog.get("Names")
    dests = names.get("Dests") if names is not None else None
    if not dests or "Names" not in dests:
        return
    pairs = list(dests["Names"])
    kept = pydyf.Array()
    for name, target in zip(pairs[::2], pairs[1::2], strict=True):
        page_ref = target[0] if len(target) else None
        if page_ref is not None and int(bytes(page_ref).split()[0]) in removed:
            continue
        kept.extend([name, target])
    dests["Names"] = kept
