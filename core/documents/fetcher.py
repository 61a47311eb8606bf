"""The URL fetcher of documents: the project's own files and ``data:`` URLs, nothing else.

Allowed:
- ``data:`` URLs;
- ``file:`` URLs of regular files under an allowed root, checked after resolving ``..`` and
  symbolic links (a link that leads out of a root is refused). Roots: ``core/static``,
  ``core/documents/static``, the fontpkg font folders, the static-font cache, the template
  folders plugins register (``current_app.extensions["ctc"].document_dirs``), the
  ``CTC_DOCUMENT_ROOTS`` config list and :data:`EXTRA_ROOTS`.

Refused: every other ``file:`` path, ``http:``/``https:``/``ftp:`` and any other scheme.
A refused resource is logged and left out of the document (WeasyPrint carries on).

The policy (:func:`allowed_roots`, :func:`resolve_file_url`) is plain Python; the fetcher
class itself needs WeasyPrint and is built on first use by :func:`make_fetcher`.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

log = logging.getLogger("core.documents")

DOCUMENTS_DIR = Path(__file__).resolve().parent
CORE_DIR = DOCUMENTS_DIR.parent

#: Extra folders whose files documents may load (e.g. a plugin's logos). Append str/Path.
EXTRA_ROOTS: list[str | Path] = []


class FetchRefused(ValueError):
    """A document asked for a URL the policy does not allow."""


def allowed_roots(app=None) -> list[Path]:
    """The resolved folders documents may read files from."""
    from core.documents import fonts

    roots: list[str | Path] = [CORE_DIR / "static", DOCUMENTS_DIR / "static"]
    roots += fonts.source_dirs()
    roots.append(fonts.prepare_fonts())
    roots += EXTRA_ROOTS
    if app is None:
        try:
            from flask import current_app

            app = current_app._get_current_object()
        except RuntimeError:
            app = None
    if app is not None:
        registry = app.extensions.get("ctc")
        roots += list(getattr(registry, "document_dirs", None) or [])
        roots += list(app.config.get("CTC_DOCUMENT_ROOTS") or [])
    return list(_resolved(tuple(str(root) for root in roots)))


@lru_cache(maxsize=32)
def _resolved(roots: tuple[str, ...]) -> tuple[Path, ...]:
    return tuple(dict.fromkeys(Path(root).resolve() for root in roots))


def resolve_file_url(url: str, roots: list[Path]) -> Path:
    """The local file a ``file:`` URL names, if it lies under one of ``roots``.

    Raises :class:`FetchRefused` otherwise (other host, traversal, symlink escape, missing).
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise FetchRefused(f"not a file URL: {url}")
    if parts.netloc not in ("", "localhost"):
        raise FetchRefused(f"file URL on another host: {url}")
    raw = url2pathname(parts.path)  # unquotes
    if "\x00" in raw:
        raise FetchRefused(f"bad file URL: {url!r}")
    try:
        path = Path(raw).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise FetchRefused(f"no such file: {url}") from exc
    if not path.is_file():
        raise FetchRefused(f"not a regular file: {url}")
    if not any(path.is_relative_to(root) for root in roots):
        raise FetchRefused(f"outside the allowed folders: {url}")
    return path


_class_lock = threading.Lock()
_fetcher_class = None


def _get_fetcher_class():
    global _fetcher_class
    with _class_lock:
        if _fetcher_class is not None:
            return _fetcher_class
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class DocumentURLFetcher(URLFetcher):
            """WeasyPrint fetcher applying the policy above; keeps a log of what it did."""

            def __init__(self, roots: list[Path]):
                super().__init__(
                    allowed_protocols=("data", "file"), allow_redirects=False,
                    fail_on_errors=False,
                )
                self.roots = list(roots)
                self.fetched: list[str] = []
                self.refused: list[str] = []

            def fetch(self, url, headers=None):
                scheme = url.split(":", 1)[0].lower() if ":" in url else ""
                try:
                    if scheme == "data":
                        response = super().fetch(url, headers)
                    elif scheme == "file":
                        path = resolve_file_url(url, self.roots)
                        mime, _ = mimetypes.guess_type(path.name)
                        response = URLFetcherResponse(
                            path.as_uri(), path.read_bytes(),
                            {"Content-Type": mime or "application/octet-stream"},
                        )
                    else:
                        raise FetchRefused(f"scheme not allowed in documents: {url[:200]}")
                except FetchRefused:
                    self.refused.append(url)
                    log.warning("document fetch refused: %s", url[:200])
                    raise
                self.fetched.append(url if scheme != "data" else "data:")
                return response

        _fetcher_class = DocumentURLFetcher
        return _fetcher_class


def make_fetcher(roots: list[Path] | None = None):
    """A new fetcher for one render (imports WeasyPrint)."""
    return _get_fetcher_class()(allowed_roots() if roots is None else roots)
