"""HTML → PDF with WeasyPrint. Imported lazily by :mod:`core.documents`.

Per thread (Pango font maps are not thread-safe) the renderer keeps one
``FontConfiguration``, the parsed ``CSS`` of the fonts and of the base stylesheet, and
per (template, format) the full list of parsed stylesheets; every render reuses them.

Records become one HTML document: each record's template is rendered on its own (the
template extends ``documents/base.html``, which prints only the record), the fragments are
put one after the other (a page break between records, or cells of a label sheet), and
WeasyPrint lays the whole batch out once.

Receipt rolls (formats without a height) are laid out once on a 2 m page; each page's
height is then set to the bottom of its content before the PDF is written, so a receipt is
exactly as long as it needs to be, for the price of one layout.

Barcodes and QR codes are drawn into the PDF after the layout, and a layered batch
(``background_key``) lays out what a group of records shares once: see
:mod:`core.documents.vector`.
"""

from __future__ import annotations

import contextlib
import gc
import io
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable

from markupsafe import escape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from core.documents import _speedups, fonts, vector
from core.documents.environment import STATIC_DIR, companion_css, document_env
from core.documents.fetcher import allowed_roots, make_fetcher
from core.documents.formats import MM_PER_PT, PageFormat, get_format

_speedups.apply()

PX_PER_MM = 96 / 25.4
BASE_CSS_PATH = STATIC_DIR / "documents.css"
RECORD_ID = "ctc-record-{}"
_local = threading.local()


class _State:
    """One thread's reusable WeasyPrint objects, for one set of allowed roots."""

    def __init__(self, roots):
        self.roots = roots
        self.font_config = FontConfiguration()
        fetcher = make_fetcher(roots)
        self.fonts_css = CSS(
            string=fonts.font_face_css_for_pdf() + f"html {{ font-family: {fonts.FONT_STACK}; }}\n",
            font_config=self.font_config, url_fetcher=fetcher,
        )
        self.base_css = CSS(
            string=BASE_CSS_PATH.read_text(encoding="utf-8"), base_url=STATIC_DIR.as_uri() + "/",
            font_config=self.font_config, url_fetcher=fetcher,
        )
        self.format_css: dict[tuple, CSS] = {}
        self.stylesheets: dict[tuple, tuple[list[CSS], str | None]] = {}


def _state() -> _State:
    roots = tuple(allowed_roots())
    states = getattr(_local, "states", None)
    if states is None:
        states = _local.states = {}
    state = states.get(roots)
    if state is None:
        state = states[roots] = _State(list(roots))
    return state


def _stylesheets(state: _State, env, template: str, fmt: PageFormat) -> list[CSS]:
    key = (env, template, fmt.key)  # the env itself: an id() could be reused
    cached = state.stylesheets.get(key)
    if cached is not None:
        sheets, source = cached
        # With auto_reload (debug), pick up an edited stylesheet; else trust the cache.
        if not env.auto_reload or companion_css(env, template) == source:
            return sheets
    fetcher = make_fetcher(state.roots)
    format_css = state.format_css.get(fmt.key)
    if format_css is None:
        format_css = state.format_css[fmt.key] = CSS(
            string=fmt.page_css(layout=True), font_config=state.font_config,
            url_fetcher=fetcher,
        )
    sheets = [state.fonts_css, state.base_css, format_css]
    own = companion_css(env, template)
    if own:
        sheets.append(CSS(string=own, base_url=STATIC_DIR.as_uri() + "/",
                          font_config=state.font_config, url_fetcher=fetcher))
    state.stylesheets[key] = (sheets, own)
    return sheets


# -- HTML ------------------------------------------------------------------------------------


def _fragments(env, template: str, contexts: Iterable[dict], fmt: PageFormat,
               copy: bool = False, part: str = "full") -> list[str]:
    """Each record's HTML. ``part`` is "full", or for a layered batch "background" (what
    the group shares) or "overlay" (what is the record's own); templates read it."""
    tpl = env.get_template(template)
    out = []
    for context in contexts:
        ctx = dict(context)
        ctx["is_copy"] = bool(copy or ctx.get("is_copy")) and part != "background"
        ctx["page_format"] = fmt
        ctx["part"] = part
        out.append(tpl.render(ctx))
    return out


def _body(fragments: list[str], fmt: PageFormat, backgrounds: list[str] = ()) -> str:
    if not fmt.sheet:
        return "".join(
            f'<div class="ctc-record ctc-background">{fragment}</div>'
            for fragment in backgrounds
        ) + "".join(
            f'<div class="ctc-record" id="{RECORD_ID.format(i)}">{fragment}</div>'
            for i, fragment in enumerate(fragments)
        )
    per_page = fmt.cells_per_page
    pages = []
    for start in range(0, len(fragments), per_page):
        cells = []
        for i, fragment in enumerate(fragments[start:start + per_page]):
            row, column = divmod(i, fmt.columns)
            cells.append(
                f'<div class="ctc-record cell r{row} c{column}" '
                f'id="{RECORD_ID.format(start + i)}">{fragment}</div>'
            )
        pages.append('<div class="sheet">' + "".join(cells) + "</div>")
    return "".join(pages)


def _page(body: str, fmt: PageFormat, *, title: str, lang: str, style: str = "") -> str:
    head_style = f"<style>{style}</style>" if style else ""
    return (
        f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>{head_style}</head>"
        f'<body class="ctc-document {fmt.css_class}">{body}</body></html>'
    )


def _title(template: str, contexts: list[dict]) -> str:
    first = contexts[0] if contexts else {}
    return str(first.get("title") or template.rsplit("/", 1)[-1].rsplit(".", 1)[0])


def _lang(contexts: list[dict]) -> str:
    first = contexts[0] if contexts else {}
    return str(first.get("lang") or "km")


# -- layout ------------------------------------------------------------------------------------


def _fit_pages_to_content(document) -> None:
    """Shorten each page of a receipt roll to the bottom of what it holds."""
    for page in document.pages:
        page_box = page._page_box
        bottom = 0.0
        stack = list(page_box.children[:1])  # the root box; margin boxes are not content
        while stack:
            box = stack.pop()
            try:
                bottom = max(bottom, box.position_y + box.margin_height())
            except (AttributeError, TypeError):
                pass
            stack.extend(getattr(box, "children", ()))
        height = bottom + page_box.margin_bottom + page_box.padding_bottom
        height += page_box.border_bottom_width
        page.height = max(min(page.height, height), 10 * PX_PER_MM)


def _group_key(background_key) -> Callable[[dict], object]:
    if callable(background_key):
        return background_key
    keys = (background_key,) if isinstance(background_key, str) else tuple(background_key)
    return lambda context: tuple(repr(context.get(k)) for k in keys)


def _layout(template: str, contexts: list[dict], fmt: PageFormat, *, copy: bool = False,
            background_key=None):
    env = document_env()
    state = _state()
    sheets = _stylesheets(state, env, template, fmt)
    layered = background_key is not None and not fmt.sheet and not fmt.fit_content
    registry = vector.Registry()
    token = vector.collecting(registry)
    try:
        group_of: list[int] = []
        firsts: list[dict] = []
        if layered:
            key = _group_key(background_key)
            seen: dict[object, int] = {}
            for context in contexts:
                k = key(context)
                if k not in seen:
                    seen[k] = len(firsts)
                    firsts.append(context)
                group_of.append(seen[k])
            backgrounds = _fragments(env, template, firsts, fmt, part="background")
            fragments = _fragments(env, template, contexts, fmt, copy, part="overlay")
        else:
            backgrounds = []
            fragments = _fragments(env, template, contexts, fmt, copy)
    finally:
        vector.stop_collecting(token)
    body = _body(fragments, fmt, backgrounds)
    html = _page(body, fmt, title=_title(template, contexts), lang=_lang(contexts))
    fetcher = make_fetcher(state.roots)
    document = HTML(
        string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher,
    ).render(stylesheets=sheets, font_config=state.font_config)
    if fmt.fit_content:
        _fit_pages_to_content(document)
    document.fetcher = fetcher  # what was fetched / refused, for tests and debugging
    document.ctc_codes = registry
    document.ctc_backgrounds = None
    if layered:
        n_bg = len(firsts)
        starts = _record_starts(document, len(contexts))
        if starts == list(range(n_bg, n_bg + len(contexts))) and \
                len(document.pages) == n_bg + len(contexts):
            document.ctc_backgrounds = {
                g: [n_bg + i for i, group in enumerate(group_of) if group == g]
                for g in range(n_bg)
            }
        else:  # a background or a record took more than one page: render them whole
            return _layout(template, contexts, fmt, copy=copy)
    return document


def _record_starts(document, count: int) -> list[int | None]:
    """The index of the page each record starts on (None: not found)."""
    starts: dict[int, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("ctc-record-"):
                starts.setdefault(int(anchor.rsplit("-", 1)[1]), number)
    return [starts.get(i) for i in range(count)]


def _write(document, backgrounds: dict[int, list[int]] | None = None) -> bytes:
    if backgrounds is None:
        backgrounds = getattr(document, "ctc_backgrounds", None)
    return document.write_pdf(finisher=vector.make_finisher(
        getattr(document, "ctc_codes", None), backgrounds))


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while WeasyPrint works.

    A layout allocates hundreds of thousands of long-lived objects (boxes, styles), and
    the collector would scan them again and again: pausing it makes renders ~25 % faster.
    Process-wide and re-entrant: the first render in restores the previous state when the
    last one out leaves, whatever the threads do.
    """
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


# -- public functions (re-exported by core.documents) ----------------------------------------


def render_pdf(template: str, context: dict, page_format: str | PageFormat = "a4-portrait",
               *, copy: bool = False) -> bytes:
    fmt = get_format(page_format)
    with _gc_paused():
        return _write(_layout(template, [context], fmt, copy=copy))


def render_batch(template: str, contexts: list[dict], page_format: str | PageFormat, *,
                 background_key=None) -> bytes:
    contexts = list(contexts)
    if not contexts:
        raise ValueError("render_batch needs at least one record")
    fmt = get_format(page_format)
    with _gc_paused():
        return _write(_layout(template, contexts, fmt, background_key=background_key))


def render_document(template: str, contexts: list[dict], page_format: str | PageFormat,
                    *, copy: bool = False, background_key=None):
    """The laid-out WeasyPrint ``Document`` (for tests and special cases)."""
    return _layout(template, list(contexts), get_format(page_format), copy=copy,
                   background_key=background_key)


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_filename(name: str, fallback: str) -> str:
    name = unicodedata.normalize("NFC", str(name)).replace("\u200b", "")
    name = _UNSAFE.sub("-", name).strip(" .-")[:120] or fallback
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return name


def render_zip(template: str, contexts: list[dict], page_format: str | PageFormat,
               filename_key: str | Callable[[dict], str], *, background_key=None) -> bytes:
    contexts = list(contexts)
    fmt = get_format(page_format)
    names: list[str] = []
    taken: set[str] = set()
    for i, context in enumerate(contexts):
        raw = filename_key(context) if callable(filename_key) else context.get(filename_key)
        base = safe_filename(raw if raw not in (None, "") else "", f"document-{i + 1}")
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base[:-4]}-{n}.pdf"
        taken.add(name.lower())
        names.append(name)

    with _gc_paused():
        pdfs = _zip_members(template, contexts, fmt, background_key)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, pdf in zip(names, pdfs, strict=True):
            archive.writestr(name, pdf)
    return out.getvalue()


def _copy(document, pages):
    """A document of some of ``document``'s pages, drawing the same codes."""
    part = document.copy(pages)
    part.ctc_codes = getattr(document, "ctc_codes", None)
    return part


def _zip_members(template: str, contexts: list[dict], fmt: PageFormat,
                 background_key=None) -> list[bytes]:
    pdfs: list[bytes] = []
    if contexts and not fmt.sheet:
        # One layout for all records, then one PDF per record's pages.
        document = _layout(template, contexts, fmt, background_key=background_key)
        layers = document.ctc_backgrounds
        if layers:
            background_of = {page: bg for bg, pages in layers.items() for page in pages}
            pdfs = [_write(_copy(document, [document.pages[background_of[page]],
                                            document.pages[page]]), {0: [1]})
                    for page in sorted(background_of)]
        else:
            bounds = _record_starts(document, len(contexts))
            if all(b is not None for b in bounds):
                ends = bounds[1:] + [len(document.pages)]
                pdfs = [_write(_copy(document, document.pages[b:e]))
                        for b, e in zip(bounds, ends, strict=True)]
    if len(pdfs) != len(contexts):
        pdfs = [_write(_layout(template, [c], fmt)) for c in contexts]
    return pdfs


def render_html(template: str, context: dict, page_format: str | PageFormat = "a4-portrait",
                *, copy: bool = False, font_url: Callable[[str], str] | None = None) -> str:
    fmt = get_format(page_format)
    env = document_env()
    if font_url is None:
        font_url = _font_url
    style = "\n".join(filter(None, [
        fonts.font_face_css_for_browser(font_url),
        f"html {{ font-family: {fonts.FONT_STACK}; }}",
        BASE_CSS_PATH.read_text(encoding="utf-8"),
        fmt.page_css(layout=False),
        companion_css(env, template),
    ]))
    body = _body(_fragments(env, template, [context], fmt, copy), fmt)
    style = style.replace("</", "<\\/")  # keep the stylesheet inside its <style> element
    return _page(body, fmt, title=_title(template, [context]), lang=_lang([context]), style=style)


def _font_url(name: str) -> str:
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for("ctc_documents.font", name=name)
    except (RuntimeError, BuildError):  # no context able to build URLs, or no init_app
        from core.documents.views import URL_PREFIX

        return f"{URL_PREFIX}/fonts/{name}"


def pdf_page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in mm of each page (needs pypdf; for tests and checks)."""
    from pypdf import PdfReader

    sizes = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        box = page.mediabox
        sizes.append((round(float(box.width) * MM_PER_PT, 2), round(float(box.height) * MM_PER_PT, 2)))
    return sizes
