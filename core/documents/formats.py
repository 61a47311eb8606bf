"""Named page formats: paper size, margins and the ``@page`` CSS of each.

A format is a frozen :class:`PageFormat`; :func:`get_format` looks one up by name and
applies options (``get_format("a4-label-sheet", columns=2, rows=5, gap_mm=3)``). Formats
whose ``height_mm`` is ``None`` (the receipts) are as long as their content: the renderer
lays them out on a very tall page and then shortens each page to what it holds.

This module is pure Python: importing it costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

#: Page length used to lay out receipts before they are cut to their content (2 m).
FIT_CONTENT_LAYOUT_MM = 2000.0

MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class PageFormat:
    """A paper format.

    ``margin_mm`` is (top, right, bottom, left). ``columns``, ``rows`` and ``gap_mm`` are
    for label sheets (``sheet=True``): each record fills one cell, cells flow left to right,
    top to bottom, a new page when the sheet is full.
    """

    name: str
    width_mm: float
    height_mm: float | None
    margin_mm: tuple[float, float, float, float]
    font_size_pt: float = 10.0
    sheet: bool = False
    columns: int = 1
    rows: int = 1
    gap_mm: float = 0.0
    title: str = field(default="", compare=False)

    @property
    def fit_content(self) -> bool:
        """True when the page is as long as its content (receipt rolls)."""
        return self.height_mm is None

    @property
    def printable_width_mm(self) -> float:
        return round(self.width_mm - self.margin_mm[1] - self.margin_mm[3], 3)

    @property
    def printable_height_mm(self) -> float | None:
        if self.height_mm is None:
            return None
        return round(self.height_mm - self.margin_mm[0] - self.margin_mm[2], 3)

    @property
    def cells_per_page(self) -> int:
        return self.columns * self.rows if self.sheet else 1

    @property
    def cell_size_mm(self) -> tuple[float, float]:
        """(width, height) of one label on a sheet."""
        width = (self.printable_width_mm - (self.columns - 1) * self.gap_mm) / self.columns
        height = (self.printable_height_mm - (self.rows - 1) * self.gap_mm) / self.rows
        return round(width, 3), round(height, 3)

    @property
    def css_class(self) -> str:
        return "fmt-" + self.name

    @property
    def key(self) -> tuple:
        """Hashable identity used by the renderer's caches."""
        return (self.name, self.width_mm, self.height_mm, self.margin_mm, self.font_size_pt,
                self.sheet, self.columns, self.rows, self.gap_mm)

    def cell_position_mm(self, index: int) -> tuple[float, float]:
        """(left, top) of cell ``index`` (0-based, within its page) inside the page area."""
        width, height = self.cell_size_mm
        row, column = divmod(index % self.cells_per_page, self.columns)
        return (round(column * (width + self.gap_mm), 3), round(row * (height + self.gap_mm), 3))

    def page_css(self, *, layout: bool = True) -> str:
        """The ``@page`` rule and the format's layout CSS.

        ``layout=False`` gives the rule a browser should see (receipts get ``auto`` height);
        ``layout=True`` the one WeasyPrint lays out with (receipts get a 2 m page).
        """
        top, right, bottom, left = self.margin_mm
        if self.height_mm is None:
            height = f"{FIT_CONTENT_LAYOUT_MM}mm" if layout else "auto"
        else:
            height = f"{self.height_mm}mm"
        size = f"{self.width_mm}mm {height}"
        if not layout and self.height_mm is None:
            size = f"{self.width_mm}mm"
        rules = [
            f"@page {{ size: {size}; margin: {top}mm {right}mm {bottom}mm {left}mm; }}",
            f"html {{ font-size: {self.font_size_pt}pt; }}",
        ]
        if not layout:
            screen = f"width: {self.printable_width_mm}mm;"
            if self.height_mm is not None:
                screen += f" min-height: {self.printable_height_mm}mm;"
            if self.sheet:
                screen = f"width: {self.printable_width_mm}mm; padding: 0;"
            rules.append(f"@media screen {{ .ctc-record, .sheet {{ {screen} }} }}")
        if self.sheet:
            width, height = self.cell_size_mm
            rules.append(
                f".sheet {{ position: relative; width: {self.printable_width_mm}mm; "
                f"height: {self.printable_height_mm}mm; break-after: page; }}"
            )
            rules.append(".sheet:last-child { break-after: auto; }")
            rules.append(
                f".cell {{ position: absolute; width: {width}mm; height: {height}mm; "
                "overflow: hidden; }"
            )
            for column in range(self.columns):
                left_mm, _ = self.cell_position_mm(column)
                rules.append(f".cell.c{column} {{ left: {left_mm}mm; }}")
            for row in range(self.rows):
                _, top_mm = self.cell_position_mm(row * self.columns)
                rules.append(f".cell.r{row} {{ top: {top_mm}mm; }}")
        return "\n".join(rules) + "\n"


FORMATS: dict[str, PageFormat] = {
    f.name: f
    for f in (
        PageFormat("receipt-80mm", 80, None, (3, 4, 4, 4), 9, title="Receipt roll 80 mm (72 mm printed)"),
        PageFormat("receipt-58mm", 58, None, (3, 5, 4, 5), 8, title="Receipt roll 58 mm (48 mm printed)"),
        PageFormat("label-100x150", 100, 150, (4, 4, 4, 4), 10, title="Shipping label 100 × 150 mm"),
        PageFormat("a4-portrait", 210, 297, (15, 15, 15, 15), 10.5, title="A4 portrait"),
        PageFormat("a4-landscape", 297, 210, (12, 15, 12, 15), 10.5, title="A4 landscape"),
        PageFormat(
            "a4-label-sheet", 210, 297, (10, 7, 10, 7), 8, sheet=True, columns=3, rows=8,
            gap_mm=2.5, title="A4 sheet of labels (3 × 8 by default)",
        ),
    )
}

_OPTIONS = {"columns", "rows", "gap_mm", "margin_mm", "font_size_pt"}


def get_format(page_format: str | PageFormat, **options) -> PageFormat:
    """Look a format up by name (or pass a :class:`PageFormat` through) and apply options.

    Options: ``columns``, ``rows``, ``gap_mm`` (label sheets), ``margin_mm``,
    ``font_size_pt``.
    """
    if isinstance(page_format, PageFormat):
        fmt = page_format
    else:
        try:
            fmt = FORMATS[page_format]
        except KeyError:
            known = ", ".join(sorted(FORMATS))
            raise ValueError(f"unknown page format {page_format!r}; known: {known}") from None
    unknown = set(options) - _OPTIONS
    if unknown:
        raise ValueError(f"unknown page format options: {sorted(unknown)}")
    if not options:
        return fmt
    if "margin_mm" in options:
        options["margin_mm"] = tuple(float(m) for m in options["margin_mm"])
    fmt = replace(fmt, **options)
    if fmt.sheet and (fmt.columns < 1 or fmt.rows < 1):
        raise ValueError("a label sheet needs at least one column and one row")
    if fmt.sheet and min(fmt.cell_size_mm) <= 0:
        raise ValueError(f"{fmt.columns} × {fmt.rows} labels with {fmt.gap_mm} mm gaps do not fit")
    return fmt
