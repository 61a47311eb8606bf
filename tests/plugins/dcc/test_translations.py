"""The DCC's Khmer catalogue: complete, placeholder-safe, up to date with the sources.

To refresh it after adding a string, extract with ``pybabel extract -k _l`` over
plugins/dcc (python ``**.py``, jinja2 ``templates/**.html``), add the new msgids and their
Khmer to plugins/dcc/translations/km/LC_MESSAGES/messages.po, and compile. Service error
messages (``DccError("...")``, eligibility reasons, recusal reasons) are translated by the
views with ``_(str(exc))``, so they belong to the catalogue too.
"""

from __future__ import annotations

import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from plugins.dcc.ranking import TIE_BREAK_EN
from tests.conftest import PROJECT_DIR
from tests.plugins.dcc.conftest import KM_PO, read_catalogue

DCC = PROJECT_DIR / "plugins" / "dcc"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}
PLACEHOLDER_RE = re.compile(r"%\([^)]*\)s|%s|%d|\{[A-Za-z_0-9.]*\}")
SERVICE_RES = [r'DccError\(\s*"([^"]+)"\s*\)', r'reasons\.append\("([^"]+)"\)',
               r'return "(The judge[^"]+)"', r'recusal_reason = "([^"]+)"']


def source_messages() -> set[str]:
    found = set()
    mapping = [("**.py", "python"), ("templates/**.html", "jinja2")]
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(DCC), method_map=mapping, keywords=KEYWORDS,
            options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}}):
        found.add(message if isinstance(message, str) else message[0])
    for path in DCC.glob("*.py"):
        text = path.read_text()
        for pattern in SERVICE_RES:
            found |= set(re.findall(pattern, text))
    found.add(TIE_BREAK_EN)
    return {m for m in found if m}


def test_every_message_has_a_khmer_translation():
    km = read_catalogue()
    translated = {m.id: m.string for m in km if m.id}
    missing = sorted(m for m in source_messages() if not translated.get(m))
    assert not missing, f"untranslated in {KM_PO}: {missing}"


def test_placeholders_match_and_khmer_is_used():
    for m in read_catalogue():
        if not m.id:
            continue
        assert sorted(PLACEHOLDER_RE.findall(m.id)) == sorted(PLACEHOLDER_RE.findall(m.string)), m.id
        if m.id not in {"DCC"}:
            assert re.search("[\u1780-\u17ff]", m.string), m.id
