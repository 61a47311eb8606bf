"""Core's Khmer catalogue: complete, placeholder-safe, up to date with the sources, and used.

Core's messages live in ``core/translations`` (plugins keep their own catalogues). The
extraction map is ``core/translations/babel.cfg``; to refresh the catalogue after adding a
string to core::

    .venv/bin/pybabel extract -F core/translations/babel.cfg -k _l -k lazy_gettext \\
        -o core/translations/messages.pot core
    .venv/bin/pybabel update -i core/translations/messages.pot -d core/translations
    # translate the new entries in core/translations/km/LC_MESSAGES/messages.po, then
    .venv/bin/pybabel compile -f -d core/translations

The tests compile the ``.mo`` themselves when it is missing or older than the ``.po``, so
they do not depend on ``make``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import PROJECT_DIR

CORE_DIR = PROJECT_DIR / "core"
TRANSLATIONS = CORE_DIR / "translations"
MAPPING = TRANSLATIONS / "babel.cfg"
POT = TRANSLATIONS / "messages.pot"
KM_PO = TRANSLATIONS / "km" / "LC_MESSAGES" / "messages.po"
KM_MO = KM_PO.with_suffix(".mo")

# Same keywords as `pybabel extract -k _l -k lazy_gettext`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# Messages whose Khmer text may legitimately contain no Khmer letter (brand names and such).
NO_KHMER_NEEDED = {"CTC ERP"}

KHMER_RE = re.compile("[\u1780-\u17ff]")
# printf-style (%(name)s, %s, %d, %%) and str.format-style ({name}, {0}) placeholders.
PLACEHOLDER_RE = re.compile(
    r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{[A-Za-z_0-9.]*\}"
)


def _read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh, locale="km" if path == KM_PO else None)


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    if isinstance(message.string, (list, tuple)):
        return tuple(message.string)
    return (message.string,)


def _key(message_id) -> str:
    return message_id[0] if isinstance(message_id, (list, tuple)) else message_id


def _translated(message) -> bool:
    return (
        message is not None
        and not message.fuzzy
        and all(s and s.strip() for s in _strings(message))
    )


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER_RE.findall(text))


def _mapping() -> list[tuple[str, str]]:
    from babel.messages import frontend

    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with MAPPING.open(encoding="utf-8") as fh:
        method_map, _options = parse(fh, str(MAPPING))
    return method_map


def _extract_core() -> dict[str, list[str]]:
    """Every message in core's sources now: msgid -> ["core/file.py:12", ...]."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(CORE_DIR), _mapping(), keywords=KEYWORDS
    ):
        msgid = _key(message)
        if msgid:
            found.setdefault(msgid, []).append(f"core/{filename}:{lineno}")
    return found


def _compile_if_stale() -> None:
    """Write km's .mo from the .po (non-fuzzy entries) when it is missing or older."""
    if KM_MO.exists() and KM_MO.stat().st_mtime >= KM_PO.stat().st_mtime:
        return
    catalog = _read(KM_PO)
    fd, tmp = tempfile.mkstemp(dir=KM_MO.parent, suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600
        os.replace(tmp, KM_MO)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@pytest.fixture(scope="module")
def km():
    return _read(KM_PO)


@pytest.fixture(scope="module")
def pot():
    return _read(POT)


@pytest.fixture
def compiled():
    _compile_if_stale()


def test_catalogue_files_exist():
    assert MAPPING.is_file(), f"{MAPPING} is missing"
    assert POT.is_file(), f"{POT} is missing: run pybabel extract (see this module's docstring)"
    assert KM_PO.is_file(), f"{KM_PO} is missing: run pybabel init -l km -d core/translations"


def test_every_pot_message_has_a_khmer_translation(pot, km):
    problems = []
    for message in pot:
        if not message.id:
            continue
        entry = km.get(message.id)
        if entry is None:
            problems.append(f"{_key(message.id)!r}: not in km/messages.po (run pybabel update)")
        elif entry.fuzzy:
            problems.append(f"{_key(message.id)!r}: fuzzy")
        elif not _translated(entry):
            problems.append(f"{_key(message.id)!r}: empty translation")
        elif _key(message.id) not in NO_KHMER_NEEDED and not all(
            KHMER_RE.search(s) for s in _strings(entry)
        ):
            problems.append(f"{_key(message.id)!r}: translation has no Khmer text: {entry.string!r}")
    assert not problems, "Khmer catalogue incomplete:\n  " + "\n  ".join(problems)


def test_no_fuzzy_or_empty_entries_in_khmer_catalogue(km):
    bad = [_key(m.id) for m in km if m.id and not _translated(m)]
    assert not bad, "fuzzy or untranslated entries in km/messages.po:\n  " + "\n  ".join(
        repr(b) for b in bad
    )


def test_placeholders_match(km):
    problems = []
    for message in km:
        if not message.id or not _translated(message):
            continue
        ids = _ids(message)
        # Plural entries: compare with the plural msgid (the singular may drop the count).
        wanted = _placeholders(ids[-1])
        for form in _strings(message):
            got = _placeholders(form)
            if got != wanted:
                problems.append(f"{_key(message.id)!r}: msgid has {wanted}, msgstr {form!r} has {got}")
    assert not problems, "placeholders differ:\n  " + "\n  ".join(problems)


def test_catalogue_is_up_to_date_with_core_sources(km):
    extracted = _extract_core()
    assert extracted, "extraction found no messages in core: check core/translations/babel.cfg"
    missing = {
        msgid: where for msgid, where in extracted.items() if not _translated(km.get(msgid))
    }
    lines = [f"{msgid!r}  ({', '.join(where[:3])})" for msgid, where in sorted(missing.items())]
    assert not missing, (
        f"{len(missing)} core message(s) have no Khmer translation in {KM_PO.relative_to(PROJECT_DIR)}"
        " (re-extract, update and translate: see tests/core/test_translations.py):\n  "
        + "\n  ".join(lines)
    )


def test_compiled_catalogue_is_current(compiled):
    assert KM_MO.exists()
    assert KM_MO.stat().st_mtime >= KM_PO.stat().st_mtime


def test_login_page_is_in_khmer(compiled, km, client):
    sign_in = km.get("Sign in").string
    page = client.get("/login", headers={"Accept-Language": "km"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="km">' in html
    assert sign_in in html
    assert km.get("User name").string in html
    assert km.get("Password").string in html
    assert "Sign in" not in html


def test_login_page_in_english_stays_english(compiled, client):
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sign in" in html
    assert "រកមិនឃើញទំព័រ" not in html


def test_not_found_page_is_in_khmer(compiled, client):
    page = client.get("/no-such-page-at-all", headers={"Accept-Language": "km"})
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "រកមិនឃើញទំព័រ" in html
    assert "Page not found" not in html
