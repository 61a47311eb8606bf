"""Documents: Jinja templates to PDF with WeasyPrint, bundled fonts, barcodes, QR codes.

Public API (see docs/documents.md)::

    render_pdf(template, context, page_format="a4-portrait", *, copy=False) -> bytes
    render_batch(template, contexts, page_format, *, background_key=None) -> bytes
    render_zip(template, contexts, page_format, filename_key, *, background_key=None) -> bytes
    render_html(template, context, page_format="a4-portrait", *, copy=False) -> str
    barcode_svg(value, *, height_mm=12, module_width_mm=0.3, text=True) -> Markup
    qr_svg(data, *, scale=0.5, border=4) -> Markup
    khmer_wrap(text) -> str
    init_app(app)

This module stays light: WeasyPrint (~0.5 s to import) is only imported by the functions
that render, the first time one is called.
"""

from __future__ import annotations

from collections.abc import Callable

from core.documents.codes import barcode_svg, qr_svg
from core.documents.formats import FORMATS, PageFormat, get_format
from core.documents.khmer import khmer_wrap

__all__ = [
    "FORMATS",
    "PageFormat",
    "barcode_svg",
    "get_format",
    "init_app",
    "khmer_wrap",
    "qr_svg",
    "render_batch",
    "render_html",
    "render_pdf",
    "render_zip",
]


def render_pdf(template: str, context: dict, page_format: str | PageFormat = "a4-portrait",
               *, copy: bool = False) -> bytes:
    """Render one record to PDF.

    ``template`` is a Jinja template name (``"documents/sample_receipt.html"``) found by the
    app's loader; it extends ``documents/base.html``. ``copy=True`` marks the document as a
    copy ("COPY / ច្បាប់ចម្លង"): reprints of issued documents use it.
    """
    from core.documents import render

    return render.render_pdf(template, context, page_format, copy=copy)


def render_batch(template: str, contexts: list[dict], page_format: str | PageFormat, *,
                 background_key: str | tuple | Callable[[dict], object] | None = None) -> bytes:
    """Render many records into ONE PDF (one layout): a page each, or a cell each on a
    label sheet. A record whose context has ``is_copy=True`` is marked as a copy.

    ``background_key`` makes a *layered* batch, for one-page records whose boxes have
    fixed places (certificates): records with the same key (a context key, a tuple of
    keys, or a function of the context) share a background, which the template draws
    when its ``part`` variable is ``"background"``; it is laid out once per key and put
    under each of their pages, whose template draws only the record's own boxes
    (``part == "overlay"``). Single renders get ``part == "full"``. If a background or a
    record does not fit on one page, the batch is rendered whole instead (same result,
    slower)."""
    from core.documents import render

    return render.render_batch(template, contexts, page_format, background_key=background_key)


def render_zip(template: str, contexts: list[dict], page_format: str | PageFormat,
               filename_key: str | Callable[[dict], str], *,
               background_key: str | tuple | Callable[[dict], object] | None = None) -> bytes:
    """A ZIP of one PDF per record. ``filename_key`` is a context key or a function of the
    context; names are made safe, given ``.pdf`` and de-duplicated. ``background_key`` as
    for :func:`render_batch`."""
    from core.documents import render

    return render.render_zip(template, contexts, page_format, filename_key,
                             background_key=background_key)


def render_html(template: str, context: dict, page_format: str | PageFormat = "a4-portrait",
                *, copy: bool = False) -> str:
    """The same document as an HTML page for the browser's print dialog: same template,
    same CSS and ``@page`` rule, fonts served by the documents blueprint."""
    from core.documents import render

    return render.render_html(template, context, page_format, copy=copy)


def init_app(app) -> None:
    """Register the Jinja globals ``barcode`` and ``qr``, the filter ``khmer_wrap``, the
    core document templates folder and the blueprint that serves fonts to browsers."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    from core.documents.environment import TEMPLATES_DIR, register_globals
    from core.documents.views import bp

    register_globals(app.jinja_env)
    loader = app.jinja_loader
    folders = getattr(loader, "searchpath", None) or []
    loaders = getattr(loader, "loaders", None) or []
    already = str(TEMPLATES_DIR) in folders or any(
        str(TEMPLATES_DIR) in (getattr(x, "searchpath", None) or []) for x in loaders
    )
    if not already:
        extra = FileSystemLoader(str(TEMPLATES_DIR))
        app.jinja_loader = ChoiceLoader([loader, extra]) if loader is not None else extra
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
