"""Benchmark of core.documents: receipts, certificate batches, and WeasyPrint's floor.

Run from the project root:  .venv/bin/python bench/documents.py [--quick]

Prints the machine, then
- the floor: WeasyPrint rendering a one-line document with the same fonts and reused
  FontConfiguration/CSS (the least any document can cost here), and the same line with
  WeasyPrint's defaults (host font, nothing reused), for reference;
- ms per 80 mm receipt (median of >= 50 renders, fonts and CSS reused);
- ms per page of A4 certificates: one 200-page batch vs one document per certificate;
and whether the targets are met (receipt <= 2x floor; batch <= 15 ms/page and >= 3x
faster than one document per page). No timing is asserted in the test-suite: this
script is where the figures come from.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from machine import cpu_model  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine() -> list[str]:
    cpu = cpu_model()
    import weasyprint
    from weasyprint.text import ffi as text_ffi

    from core.documents import _speedups

    hb_subset = bool(getattr(text_ffi, "harfbuzz_subset", None))
    return [
        f"platform   {platform.platform()}",
        f"cpu        {cpu}",
        f"cores      {os.cpu_count()} (affinity {len(os.sched_getaffinity(0))})",
        f"python     {platform.python_version()} ({platform.python_implementation()})",
        f"weasyprint {weasyprint.__version__}",
        f"subsetting {'HarfBuzz (libharfbuzz-subset)' if hb_subset else 'fontTools'}"
        + (" + core.documents layout-table stripping" if _speedups.applied else "")
        + ("" if hb_subset else "\n  WARNING    no libharfbuzz-subset on this host: every figure is "
           "~2-3x slower (apt-get install libharfbuzz-subset0)"),
    ]


class Timer:
    """Wall-clock and CPU time (this process) of repeated calls, in ms."""

    def __init__(self, fn, repeat: int):
        self.wall, self.cpu = [], []
        for _ in range(repeat):
            w, c = time.perf_counter(), time.process_time()
            fn()
            self.cpu.append((time.process_time() - c) * 1000)
            self.wall.append((time.perf_counter() - w) * 1000)

    @property
    def median(self) -> tuple[float, float]:
        return statistics.median(self.wall), statistics.median(self.cpu)


def receipt_lines(context: dict) -> list[str]:
    """The lines of text a sample receipt prints."""
    center = context["center"]
    lines = [center["name_km"], center["name_en"], center["address"], center["phone"],
             "បង្កាន់ដៃ / RECEIPT", f"លេខ / No. {context['number']}",
             f"កាលបរិច្ឆេទ / Date {context['issued_at']}", f"បេឡាករ / Cashier {context['cashier']}",
             "មុខទំនិញ / Item Qty Amount"]
    for item in context["items"]:
        lines += [f"{item['name']} {item['qty']} {item['amount']}", f"@ {item['unit_price']}"]
    lines += [f"សរុប / Total {context['total']}", f"បានបង់ / Paid {context['paid']}",
              f"ប្រាក់អាប់ / Change {context['change']}", f"អត្រា / Rate {context['rate']}",
              context["number"], "សូមអរគុណ! Thank you!"]
    return lines


def row(label: str, wall: float, cpu: float) -> str:
    return f"  {label:<58} {wall:8.1f} {cpu:8.1f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument("--batch", type=int, default=200, help="certificates in the batch")
    parser.add_argument("--single", type=int, default=50, help="certificates rendered one by one")
    parser.add_argument("--receipts", type=int, default=60, help="receipt renders (>= 50)")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch, args.single, args.receipts = 40, 10, 15

    from flask import Flask

    import core.documents as documents
    from core.documents import khmer_wrap, samples
    from core.documents.formats import get_format

    app = Flask("bench")
    documents.init_app(app)
    load_before = os.getloadavg()

    with app.app_context():
        start = time.perf_counter()
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        from core.documents import fonts, render

        import_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        fonts.prepare_fonts()
        fonts_ms = (time.perf_counter() - start) * 1000

        print("== machine")
        for line in machine():
            print("  " + line)
        print(f"  load avg   {load_before[0]:.2f} at start (other processes share the CPUs: "
              "compare CPU ms)")
        print(f"  weasyprint import {import_ms:.0f} ms; static fonts ready in {fonts_ms:.0f} ms "
              "(~4 s when it builds them, once per machine)")

        receipt_tpl, receipt_fmt = samples.SAMPLE_TEMPLATES["receipt"]
        cert_tpl, cert_fmt = samples.SAMPLE_TEMPLATES["certificate"]
        start = time.perf_counter()
        documents.render_pdf(receipt_tpl, samples.receipt(0), receipt_fmt)
        first_receipt = (time.perf_counter() - start) * 1000
        documents.render_pdf(cert_tpl, samples.certificate(0), cert_fmt)
        documents.render_pdf(receipt_tpl, samples.receipt(0), "receipt-58mm")

        state = render._state()
        a4 = get_format("a4-portrait")
        sheets = render._stylesheets(state, render.document_env(), "documents/base.html", a4)

        def one_line():
            HTML(string="<p>One line.</p>", url_fetcher=render.make_fetcher(state.roots)).write_pdf(
                stylesheets=sheets, font_config=state.font_config)

        def one_line_defaults():
            HTML(string="<p>One line.</p>").write_pdf()

        n = max(args.receipts, 15)
        Timer(one_line, 5)
        floor = Timer(one_line, n).median
        floor_defaults = Timer(one_line_defaults, max(n // 3, 5)).median

        counter = iter(range(1, 10**9))
        receipts = Timer(lambda: documents.render_pdf(
            receipt_tpl, samples.receipt(next(counter)), receipt_fmt), n)
        receipt = receipts.median
        receipt58 = Timer(lambda: documents.render_pdf(
            receipt_tpl, samples.receipt(next(counter)), "receipt-58mm"), max(n // 3, 5)).median

        # Where a receipt's time goes: templates, layout, PDF.
        fmt80 = get_format(receipt_fmt)
        env = render.document_env()
        parts = {"jinja": [], "layout": [], "pdf": []}
        for _ in range(max(n // 3, 5)):
            c0 = time.process_time()
            fresh = samples.receipt(next(counter))  # new number: barcode and QR not cached
            body = render._body(render._fragments(env, receipt_tpl, [fresh], fmt80), fmt80)
            html = render._page(body, fmt80, title="r", lang="km")
            c1 = time.process_time()
            doc = HTML(string=html, base_url=render.STATIC_DIR.as_uri() + "/",
                       url_fetcher=render.make_fetcher(state.roots)).render(
                stylesheets=render._stylesheets(state, env, receipt_tpl, fmt80),
                font_config=state.font_config)
            render._fit_pages_to_content(doc)
            c2 = time.process_time()
            doc.write_pdf()
            c3 = time.process_time()
            parts["jinja"].append((c1 - c0) * 1000)
            parts["layout"].append((c2 - c1) * 1000)
            parts["pdf"].append((c3 - c2) * 1000)

        # The naive way, for reference: new FontConfiguration and CSS every time, and a
        # second layout once the height is known.
        css_text = (fonts.font_face_css_for_pdf() + f"html {{ font-family: {fonts.FONT_STACK}; }}"
                    + render.BASE_CSS_PATH.read_text() + fmt80.page_css()
                    + (render.companion_css(env, receipt_tpl) or ""))

        def naive_receipt():
            fetch = render.make_fetcher(state.roots)
            body = render._body(render._fragments(env, receipt_tpl, [samples.receipt(3)], fmt80),
                                fmt80)
            html = render._page(body, fmt80, title="r", lang="km")
            config = FontConfiguration()
            css = CSS(string=css_text, font_config=config, url_fetcher=fetch)
            doc = HTML(string=html, url_fetcher=fetch).render(stylesheets=[css],
                                                             font_config=config)
            height = doc.pages[0]._page_box.children[0].margin_height() / 96 * 25.4 + 8
            css2 = CSS(string=css_text + f"@page {{ size: 80mm {height:.1f}mm }}",
                       font_config=config, url_fetcher=fetch)
            HTML(string=html, url_fetcher=fetch).render(
                stylesheets=[css2], font_config=config).write_pdf()

        naive = Timer(naive_receipt, max(n // 6, 3)).median

        # What WeasyPrint needs for the receipt's text alone: the same words, fonts and
        # Khmer wrapping, as plain paragraphs (no tables, rules, codes or styles).
        text_html = "".join(f"<p>{khmer_wrap(line)}</p>" for line in receipt_lines(
            samples.receipt(4)))
        text_only = Timer(lambda: HTML(string=text_html, url_fetcher=render.make_fetcher(
            state.roots)).write_pdf(stylesheets=render._stylesheets(state, env, receipt_tpl,
                                                                  fmt80),
                                    font_config=state.font_config), max(n // 3, 5)).median

        # The least layout those words can have: one preformatted block, a line each.
        pre_html = ("<pre style='font-family: inherit; margin: 0'>"
                    + "\n".join(khmer_wrap(line) for line in receipt_lines(samples.receipt(4)))
                    + "</pre>")
        pre_only = Timer(lambda: HTML(string=pre_html, url_fetcher=render.make_fetcher(
            state.roots)).write_pdf(stylesheets=render._stylesheets(state, env, receipt_tpl,
                                                                  fmt80),
                                    font_config=state.font_config), max(n // 3, 5)).median

        contexts = [samples.certificate(i) for i in range(args.batch)]
        shared = samples.CERTIFICATE_SHARED  # what a cohort's certificates have in common
        pages = 0

        def batch():
            nonlocal pages
            pages = len(render.pdf_page_sizes_mm(
                documents.render_batch(cert_tpl, contexts, cert_fmt, background_key=shared)))

        batch_t = Timer(batch, 1)
        batch_per_page = (batch_t.wall[0] / pages, batch_t.cpu[0] / pages)
        singles = iter(contexts)
        single_t = Timer(lambda: documents.render_pdf(cert_tpl, next(singles), cert_fmt),
                         args.single)
        single_per_page = (sum(single_t.wall) / args.single, sum(single_t.cpu) / args.single)
        zip_t = Timer(lambda: documents.render_zip(cert_tpl, contexts[: args.single], cert_fmt,
                                                   "number", background_key=shared), 1)

        print("\n== figures, ms                                                   "
              "     wall      CPU")
        print(row("floor: one-line document, bundled fonts, reused config", *floor))
        print(row("(one-line document, WeasyPrint defaults: host font, no reuse)",
                  *floor_defaults))
        print(row(f"80 mm receipt, median of {n} (first one: {first_receipt:.0f} ms wall)",
                  *receipt))
        print(f"    of which, CPU: templates (Khmer wrapping, barcode, QR) "
              f"{statistics.median(parts['jinja']):.1f}, layout "
              f"{statistics.median(parts['layout']):.1f}, PDF {statistics.median(parts['pdf']):.1f}")
        print(row("58 mm receipt, median", *receipt58))
        print(row("80 mm receipt the naive way (new fonts+CSS, 2 layouts), median", *naive))
        print(row("the receipt's text only, as plain paragraphs, median", *text_only))
        print(row("the receipt's text only, as one <pre> block, median", *pre_only))
        print(row(f"A4 certificate, batch of {pages} pages, per page", *batch_per_page))
        print(row(f"A4 certificate, one document each ({args.single}), per page",
                  *single_per_page))
        print(row(f"A4 certificates, render_zip of {args.single} (one layout), per PDF",
                  zip_t.wall[0] / args.single, zip_t.cpu[0] / args.single))

        ratio = single_per_page[1] / batch_per_page[1]
        targets = [
            (f"receipt <= 2x floor ({receipt[1] / floor[1]:.1f}x; "
             f"{receipt[1] / floor_defaults[1]:.1f}x the defaults one-liner; its text alone "
             f"as plain paragraphs is {text_only[1] / floor[1]:.1f}x, as one block "
             f"{pre_only[1] / floor[1]:.1f}x)",
             receipt[1] <= 2 * floor[1]),
            (f"batch <= 15 ms/page ({batch_per_page[1]:.1f})", batch_per_page[1] <= 15),
            (f"batch >= 3x faster than one document per page ({ratio:.2f}x)", ratio >= 3),
        ]
        print("\n== in floors (one-line documents): compare these across machines")
        print(f"  receipt {receipt[1] / floor[1]:.1f}; its text alone {text_only[1] / floor[1]:.1f} "
              f"(one block {pre_only[1] / floor[1]:.1f}); "
              f"batch page {batch_per_page[1] / floor[1]:.1f}; one certificate "
              f"{single_per_page[1] / floor[1]:.1f}")
        print("\n== targets (CPU time)")
        for label, ok in targets:
            print(f"  [{'met' if ok else 'NOT met'}] {label}")
        print(f"\n  load avg {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
