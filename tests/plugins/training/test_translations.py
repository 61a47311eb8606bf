"""The training catalogue: every message translated to Khmer, placeholders kept, and used."""

from __future__ import annotations

import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import PROJECT_DIR, login

PLUGIN = PROJECT_DIR / "plugins" / "training"
PO = PLUGIN / "translations" / "km" / "LC_MESSAGES" / "messages.po"
MAPPING = PLUGIN / "translations" / "babel.cfg"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
KHMER = re.compile("[\u1780-\u17ff]")


def _catalogue():
    with PO.open("rb") as fh:
        return read_po(fh, locale="km")


def test_every_message_in_the_sources_is_translated_with_its_placeholders():
    from babel.messages.frontend import parse_mapping_cfg

    with MAPPING.open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    catalogue = _catalogue()
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(PLUGIN), method_map, options_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else tuple(message))
    problems = []
    for msgid in found:
        key = msgid if isinstance(msgid, str) else msgid[0]
        entry = catalogue.get(key)
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(("untranslated", msgid))
            continue
        sources = [msgid] if isinstance(msgid, str) else list(msgid)
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        for text in strings:
            if not KHMER.search(text):
                problems.append(("no Khmer", msgid))
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(sources[-1])):
                problems.append(("placeholders", msgid))
    assert problems == []


def _compile_if_stale() -> None:
    """CI compiles with `make`; without it, compile here (as core's tests do)."""
    from babel.messages.mofile import write_mo

    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        with mo.open("wb") as fh:
            write_mo(fh, _catalogue())


def test_screens_speak_khmer(make_app, factory):
    _compile_if_stale()
    app = make_app()
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles
        from core.extensions import db

        sync_builtin_roles()
        db.session.commit()
    factory.app = app
    client = app.test_client()
    center = factory.center("PP-01")
    factory.user("trainer1", center_id=center, role="trainer")
    login(client, "trainer1", lang="km")
    html = client.get("/training/", headers={"Accept-Language": "km"}).get_data(as_text=True)
    assert "ក្រុមសិក្សាគ្រោងទុក និងកំពុងដំណើរការ" in html
