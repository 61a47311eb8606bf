"""Checks shared by every Khmer catalogue test (core's and each plugin's).

A catalogue passes when every message extracted from the package's code, screens and
document templates has a translation that is not fuzzy, is written in Khmer, and keeps the
message's placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
METHOD_MAP = [
    ("**/templates/**.html", "jinja2"),
    ("**/documents/**.html", "jinja2"),
    ("**/translations/**", "ignore"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.do"},
           "**/documents/**.html": {"extensions": "jinja2.ext.do"}}
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
KHMER = re.compile("[\u1780-\u17ff]")


def km_po(root: Path) -> Path:
    return root / "translations" / "km" / "LC_MESSAGES" / "messages.po"


def read_catalogue(po: Path):
    with po.open("rb") as fh:
        return read_po(fh, locale="km")


def source_messages(root: Path) -> dict[str, str]:
    """msgid -> first place it is used, for every message in ``root``'s sources."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
            str(root), METHOD_MAP, OPTIONS, keywords=KEYWORDS):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def catalogue_problems(root: Path, *, extra: Iterable[str] = (),
                       not_khmer_ok: Iterable[str] = ()) -> list[str]:
    catalogue = read_catalogue(km_po(root))
    wanted = source_messages(root)
    for msgid in extra:
        wanted.setdefault(msgid, "(raised by a service)")
    exempt = set(not_khmer_ok)
    problems = []
    for msgid, where in sorted(wanted.items()):
        entry = catalogue.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(f"untranslated: {msgid!r} ({where})")
            continue
        text = entry.string if isinstance(entry.string, str) else entry.string[0]
        if msgid not in exempt and not KHMER.search(text):
            problems.append(f"not Khmer: {msgid!r} ({where})")
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(msgid)):
            problems.append(f"placeholders differ: {msgid!r} ({where})")
    return problems


def compile_if_stale(root: Path) -> None:
    """`make` compiles the catalogues; a test run without it compiles here."""
    po = km_po(root)
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with mo.open("wb") as fh:
            write_mo(fh, read_catalogue(po))
