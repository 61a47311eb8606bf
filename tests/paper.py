"""Paper checks shared by the plugins' test_paper_fit.py: walk a laid-out WeasyPrint page
(core.documents.render.render_document) and list what is printed off the printable area,
outside a label sheet's cell, or cut off by a box that clips (``overflow: hidden``).

Every position is in CSS px (96 a inch) as WeasyPrint lays out; reports are in mm from the
paper's top-left corner, so a failure reads like a ruler on the printout.
"""

from __future__ import annotations

import re

from core.documents.formats import get_format
from tests.core.test_document_vectors import code_boxes

PX_PER_MM = 96 / 25.4
SLACK_PX = 0.5  # rounding of the layout; far below a printer's dot (0.125 mm = 0.47 px)


def mm(px: float) -> float:
    return round(px / PX_PER_MM, 1)


def walk(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from walk(child)


def printed(page) -> list[tuple[str, float, float, float, float]]:
    """(what, left, top, right, bottom) in px of every run of text and every barcode or QR
    code on the page."""
    out = [(box.text, box.position_x, box.position_y, box.position_x + box.width,
            box.position_y + box.height)
           for box in walk(page._page_box) if type(box).__name__ == "TextBox" and box.text.strip()]
    out += [(element.get("class") or "code", x, y, x + w, y + h)
            for element, x, y, w, h in code_boxes(page)]
    return out


def printable_area(page_format) -> tuple[float, float, float | None, float | None]:
    """(left, top, right, bottom) of the printable area in px; bottom is None on a roll."""
    fmt = get_format(page_format)
    top, right, bottom, left = fmt.margin_mm
    return (left * PX_PER_MM, top * PX_PER_MM, (fmt.width_mm - right) * PX_PER_MM,
            None if fmt.height_mm is None else (fmt.height_mm - bottom) * PX_PER_MM)


def outside(items, area) -> list[tuple[str, float, float, float, float]]:
    """The items (from :func:`printed`) not wholly inside ``area`` (left, top, right,
    bottom; None = unbounded), as (what, left, top, right, bottom) in mm."""
    left, top, right, bottom = area
    return [(text, mm(x0), mm(y0), mm(x1), mm(y1)) for text, x0, y0, x1, y1 in items
            if x0 < left - SLACK_PX or y0 < top - SLACK_PX
            or (right is not None and x1 > right + SLACK_PX)
            or (bottom is not None and y1 > bottom + SLACK_PX)]


def off_paper(document, page_format) -> list:
    """What any page of ``document`` prints outside the format's printable area."""
    area = printable_area(page_format)
    return [found for page in document.pages for found in outside(printed(page), area)]


def cells(page, page_format) -> list[tuple[object, tuple[float, float, float, float]]]:
    """(cell box, its area in px) of each label-sheet cell on the page."""
    fmt = get_format(page_format)
    left, top, _right, _bottom = printable_area(fmt)
    width, height = (v * PX_PER_MM for v in fmt.cell_size_mm)
    out = []
    for box in walk(page._page_box):
        element = getattr(box, "element", None)
        if element is None or "cell" not in (element.get("class") or "").split():
            continue
        x, y = box.border_box_x(), box.border_box_y()
        # the cell's own place on the sheet, from the format (not from its box)
        column = round((x - left) / (width + fmt.gap_mm * PX_PER_MM))
        row = round((y - top) / (height + fmt.gap_mm * PX_PER_MM))
        cx, cy = (v * PX_PER_MM for v in fmt.cell_position_mm(row * fmt.columns + column))
        out.append((box, (left + cx, top + cy, left + cx + width, top + cy + height)))
    return out


def out_of_cells(document, page_format) -> list:
    """What any record of a label sheet prints outside its own cell (a cell clips its
    content, so this is text cut off or missing from the label)."""
    found = []
    for page in document.pages:
        for cell, area in cells(page, page_format):
            items = printed_in(cell, page)
            found += outside(items, area)
    return found


def short(text: str, n: int = 24) -> str:
    text = text.replace("\u200b", "")
    return text if len(text) <= n else text[:n] + "…"


def printed_in(box, page) -> list[tuple[str, float, float, float, float]]:
    items = [(b.text, b.position_x, b.position_y, b.position_x + b.width,
              b.position_y + b.height)
             for b in walk(box) if type(b).__name__ == "TextBox" and b.text.strip()]
    codes = {id(e) for e in (getattr(b, "element", None) for b in walk(box)) if e is not None}
    items += [(element.get("class") or "code", x, y, x + w, y + h)
              for element, x, y, w, h in code_boxes(page) if id(element) in codes]
    return items


def clipped(document) -> list[tuple[str, str, float, float, float, float]]:
    """Text or codes laid out (partly) outside a box that clips (``overflow: hidden``):
    (the clipping box's classes, what, left, top, right, bottom in mm). Such text is not
    printed, or only in part."""
    found = []
    for page in document.pages:
        for box in walk(page._page_box):
            style = getattr(box, "style", None)
            if style is None or style["overflow"] == "visible" or not hasattr(box, "padding_box_x"):
                continue
            element = getattr(box, "element", None)
            if element is not None and "cell" in (element.get("class") or "").split():
                continue  # label-sheet cells: see out_of_cells
            x0, y0 = box.padding_box_x(), box.padding_box_y()
            area = (x0, y0, x0 + box.padding_width(), y0 + box.padding_height())
            name = (element.get("class") if element is not None else "") or box.element_tag
            for child in box.children:
                for what, *where in outside(printed_in(child, page), area):
                    found.append((name, short(what), *where, "clip", *(mm(v) for v in area)))
    return found


def one_per_page(document, records: int = 1) -> None:
    assert len(document.pages) == records, (
        f"{records} record(s) laid out on {len(document.pages)} pages: something spilled over")


# -- the longest values the forms allow ------------------------------------------------------

KHMER_WORDS = ("ព្រះករុណា", "សម្តេច", "ស្រីស្រស់", "ក្សត្រិយ៍", "នរោត្តម", "សីហមុនី",
               "ចន្ទសុផល", "វិសាលបញ្ញា", "ឧត្តមសេនីយ៍", "សុវណ្ណភូមិ", "ព្រះរាជាណាចក្រ",
               "កម្ពុជា", "ឌីជីថល", "បច្ចេកវិទ្យា", "ព័ត៌មាន", "ស្ត្រី")
LATIN_WORDS = ("WANNAMWONG", "MAHAWONGSAWAT", "SOMCHAIWONG", "MWANGWAMBWA", "WORAWUTHIKUL",
               "MOMWANNAKHAM", "HAWKSWORTH-WAMBUGU")


def longest(words, limit: int, sep: str = " ", tag: str = "") -> str:
    """Whole words (clusters never cut) joined by ``sep``, as close to ``limit``
    characters as they come without passing it. ``tag`` starts it: values of different
    fields must differ, so that :func:`missing` finds each where it belongs."""
    out, i = tag, 0
    while True:
        word = words[i % len(words)]
        nxt = out + sep + word if out else word
        if len(nxt) > limit:
            break
        out, i = nxt, i + 1
    for word in sorted(words, key=len):  # fill the end with the shortest words that fit
        while len(out + sep + word) <= limit:
            out += sep + word
    return out


def khmer(limit: int, sep: str = " ", tag: str = "") -> str:
    return longest(KHMER_WORDS, limit, sep, tag)


def latin(limit: int, tag: str = "") -> str:
    return longest(LATIN_WORDS, limit, tag=tag)


def split_clusters(document) -> list[str]:
    """Lines of text that start inside a Khmer cluster (a vowel sign, a sign or a
    subscript consonant carried to the next line) or end on a coeng: a cluster split by
    a line break, which shapes wrongly."""
    found = []
    for page in document.pages:
        for box in walk(page._page_box):
            if type(box).__name__ != "TextBox":
                continue
            text = box.text.replace("\u200b", "")
            if text and ("\u17b6" <= text[0] <= "\u17d3" or text[0] == "\u17dd"
                         or text.endswith("\u17d2")):
                found.append(text)
    return found


def cut_short(document) -> set[str]:
    """The classes of the blocks whose text ends early with an ellipsis (``line-clamp``:
    the lines after it are discarded, so :func:`clipped` cannot see them). A template does
    this on purpose; each test says which blocks may."""
    found = set()
    for page in document.pages:
        for box in walk(page._page_box):
            for line in getattr(box, "children", ()):
                if getattr(line, "block_ellipsis", "none") != "none":
                    element = getattr(box, "element", None)
                    found.add((element.get("class") if element is not None else "") or "?")
    return found


def _squeeze(text: str) -> str:
    return re.sub(r"[\s\u200b]+", "", text)


def missing(document, values) -> list[str]:
    """The values not laid out whole, in order, anywhere in the document. Walking boxes
    cannot see what was never laid out: lines pushed past the page by an absolutely
    placed box, or the rest of a box that breaks onto a page the record does not have."""
    text = _squeeze("".join(box.text for page in document.pages for box in walk(page._page_box)
                            if type(box).__name__ == "TextBox"))
    return [short(value) for value in values if value and _squeeze(value) not in text]
