"""The Jinja environment of documents.

Documents are rendered by an *overlay* of ``current_app.jinja_env``: same loader (core,
plugins' ``ctc_document_templates`` folders, blueprints), globals, filters, extensions and
autoescaping, plus

- ``finalize=khmer_wrap``: every ``{{ … }}`` string is word-wrapped for Khmer (Markup stays
  Markup, only text between tags is touched);
- core's document templates (``core/documents/templates``) as a last-resort loader, so
  ``documents/base.html`` is found even if the app's loader lacks the folder;
- its own template cache: a template compiled with ``finalize`` never leaks into the app's
  environment, and vice versa.

Outside an app context a standalone environment with core's templates is used (scripts,
benchmarks).
"""

from __future__ import annotations

import threading
from pathlib import Path

from jinja2 import pass_context

from core.documents.codes import barcode_svg, qr_svg
from core.documents.khmer import khmer_wrap, no_khmer_wrap

DOCUMENTS_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = DOCUMENTS_DIR / "templates"
STATIC_DIR = DOCUMENTS_DIR / "static"
EXTENSION_KEY = "ctc.documents"

_lock = threading.Lock()
_standalone = None


def finalize(value):
    """Jinja ``finalize`` hook: Khmer word-wrapping of every string printed."""
    return khmer_wrap(value)


@pass_context
def barcode_global(context, value, **options):
    """``barcode(value, ...)`` in a template: :func:`barcode_svg`, never wider than the
    printable width of the document's page (``fit_mm``) unless the template says otherwise."""
    page_format = context.get("page_format")
    if page_format is not None:
        options.setdefault("fit_mm", page_format.printable_width_mm)
    return barcode_svg(value, **options)


def register_globals(env) -> None:
    """``barcode``, ``qr`` globals, ``khmer_wrap`` and ``no_khmer_wrap`` filters (an existing
    entry of the same name is kept)."""
    env.globals.setdefault("barcode", barcode_global)
    env.globals.setdefault("qr", qr_svg)
    env.filters.setdefault("khmer_wrap", khmer_wrap)
    env.filters.setdefault("no_khmer_wrap", no_khmer_wrap)


def _current_app():
    try:
        from flask import current_app

        return current_app._get_current_object()
    except RuntimeError:
        return None


def document_env():
    """The documents' Jinja environment for the current app (built once per app)."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

    app = _current_app()
    if app is None:
        global _standalone
        with _lock:
            if _standalone is None:
                env = Environment(
                    loader=FileSystemLoader(str(TEMPLATES_DIR)),
                    autoescape=select_autoescape(("html", "htm", "xml", "svg")),
                    finalize=finalize,
                )
                register_globals(env)
                _standalone = env
        return _standalone
    env = app.extensions.get(EXTENSION_KEY)
    if env is not None:
        return env
    with _lock:
        env = app.extensions.get(EXTENSION_KEY)
        if env is None:
            base = app.jinja_env
            register_globals(base)
            env = base.overlay(
                finalize=finalize,
                loader=ChoiceLoader([base.loader, FileSystemLoader(str(TEMPLATES_DIR))]),
                cache_size=200,
            )
            app.extensions[EXTENSION_KEY] = env
    return env


def companion_css(env, template: str) -> str | None:
    """The optional ``<template>.css`` next to a document template, found by the loader.

    It is rendered as a Jinja template (without context), so one stylesheet can share
    another's rules with ``{% include "plugin/other.css" %}`` instead of copying them.
    """
    from jinja2 import TemplateNotFound

    stem = template.rsplit(".", 1)[0] if template.endswith((".html", ".htm")) else template
    try:
        return env.get_template(stem + ".css").render()
    except TemplateNotFound:
        return None
