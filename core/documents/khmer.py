"""Khmer line breaking: zero-width spaces between Khmer words.

Khmer is written without spaces between words, and Pango (hence WeasyPrint) finds no break
opportunity inside a run of Khmer letters: a long name or address overflows its box.
:func:`khmer_wrap` segments each run of Khmer with khmercut's word segmenter and puts a
U+200B ZERO WIDTH SPACE between words. A break is only ever inserted *before a base
character* (consonant or independent vowel) and never after a coeng (U+17D2), so a cluster
(consonant + coeng + subscript, vowel signs, diacritics) is never split; no break is put
before digits, punctuation or the riel sign. Non-Khmer text is left alone.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from markupsafe import Markup, escape

ZWSP = "\u200b"
COENG = "\u17d2"
_KHMER_RUN = re.compile("[\u1780-\u17ff\u19e0-\u19ff]+")
_TAG = re.compile(r"(<[^>]*>)")
_tokenize_lock = threading.Lock()


def _is_base(ch: str) -> bool:
    """A consonant or independent vowel: the first character of a cluster."""
    return "\u1780" <= ch <= "\u17b3"


@lru_cache(maxsize=8192)
def _wrap_run(run: str) -> str:
    if len(run) < 4:
        return run
    from khmercut import tokenize

    with _tokenize_lock:  # the CRF tagger is one shared object
        tokens = tokenize(run)
    if "".join(tokens) != run:  # never alter the text itself
        return run
    out = [tokens[0]]
    for token in tokens[1:]:
        if token and _is_base(token[0]) and out[-1][-1:] != COENG:
            out.append(ZWSP)
        out.append(token)
    return "".join(out)


def _wrap_text(text: str) -> str:
    return _KHMER_RUN.sub(lambda m: _wrap_run(m.group()), text)


class NoWrap(Markup):
    """Markup that :func:`khmer_wrap` leaves alone (see :func:`no_khmer_wrap`)."""

    __slots__ = ()


def no_khmer_wrap(value) -> NoWrap:
    """Jinja filter: print ``value`` escaped but without zero-width spaces (e.g. inside an
    attribute that must keep its exact text: ``<a href="{{ url|no_khmer_wrap }}">``)."""
    return NoWrap(escape(value))


def khmer_wrap(text):
    """Insert U+200B between Khmer words of ``text``.

    A :class:`~markupsafe.Markup` value stays Markup, and only its text between tags is
    touched (never tag names or attributes). Other types, and :class:`NoWrap` values, are
    returned unchanged.
    """
    if not isinstance(text, str) or isinstance(text, NoWrap) or not _KHMER_RUN.search(text):
        return text
    if isinstance(text, Markup):
        parts = _TAG.split(str(text))
        return Markup("".join(p if i % 2 else _wrap_text(p) for i, p in enumerate(parts)))
    return _wrap_text(text)


def strip_zwsp(text: str) -> str:
    """The inverse, for comparisons and searches."""
    return text.replace(ZWSP, "")
