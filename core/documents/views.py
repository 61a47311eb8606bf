"""The documents blueprint: fonts and stylesheet assets for the browser version.

``render_html`` pages load the bundled fonts from here (the browser cannot read ``file:``
URLs). Public: a verification page seen by anonymous visitors needs them too.
"""

from __future__ import annotations

from flask import Blueprint, abort, send_file

from core.documents import fonts

URL_PREFIX = "/documents/assets"

bp = Blueprint(
    "ctc_documents", __name__, url_prefix=URL_PREFIX,
    static_folder="static", static_url_path="/static",
)


@bp.get("/fonts/<name>")
def font(name: str):
    path = fonts.browser_font_path(name)
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype="font/ttf", max_age=7 * 24 * 3600, conditional=True)


font.ctc_public = True  # core.auth.permissions.public, without importing auth here
