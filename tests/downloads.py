"""What every download of core.downloads carries, checked on a real HTTP response."""

from werkzeug.http import parse_options_header

BOM = b"\xef\xbb\xbf"


def assert_download(response, mimetype, kind, filename):
    """A 200 of ``mimetype``, ``kind`` (inline/attachment) ``filename``, never cached."""
    assert response.status_code == 200 and response.mimetype == mimetype
    assert parse_options_header(response.headers["Content-Disposition"]) == (
        kind, {"filename": filename})
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
