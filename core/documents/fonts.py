"""The bundled fonts: Noto Sans and Noto Sans Khmer from the ``fontpkg-*`` packages.

The packages ship *variable* fonts. WeasyPrint turns a variable font into a static one for
every PDF it writes, which costs ~10 ms per face and document; so the first render derives
static instances (regular and bold; Noto Sans cut to the Latin ranges) with fontTools,
once, and keeps them in a disk cache (``CTC_FONT_CACHE_DIR``, else
``$XDG_CACHE_HOME/ctc-erp/fonts``, else a private folder in the temporary directory).
``prepare_fonts()`` builds the cache ahead of time (a deploy step; ~4 s). Italic text
uses the variable Noto Sans Italic directly (rare in documents; WeasyPrint instantiates it
in the documents that use it).

Every face is declared under a ``CTC …`` family name that no host font carries, so the
output never depends on the fonts installed on the machine. The browser version of a
document gets the original variable fonts, served by the documents blueprint.

Licence: both families are under the SIL Open Font License 1.1 (``OFL_LICENSE``).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Bump when the recipe below changes: the cache key includes it.
RECIPE_VERSION = "2"

SANS = "CTC Noto Sans"
KHMER = "CTC Noto Sans Khmer"
SANS_FULL = "CTC Noto Sans Full"
#: The font-family stack of every document: bundled families only. The generic
#: ``sans-serif`` is never reached for Latin or Khmer text.
FONT_STACK = f'"{SANS}", "{KHMER}", "{SANS_FULL}", sans-serif'

# Latin, punctuation and symbols kept in the static Noto Sans instances; everything else
# (Greek, Cyrillic, ...) comes from the full variable font, declared last in the stack.
LATIN_RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x024F), (0x02B0, 0x036F), (0x1E00, 0x1EFF),
    (0x2000, 0x206F), (0x2070, 0x20CF), (0x2100, 0x218F), (0x2190, 0x21FF),
    (0x2200, 0x22FF), (0x25A0, 0x25FF), (0xFB00, 0xFB06), (0xFEFF, 0xFEFF),
    (0xFFFC, 0xFFFD),
)


@dataclass(frozen=True)
class Face:
    family: str  # CSS family name
    source_family: str  # fontpkg family
    style: str  # normal | italic
    weight: int
    latin_only: bool

    @property
    def slug(self) -> str:
        base = self.source_family.lower().replace(" ", "-")
        return f"{base}-{self.style}-{self.weight}"


STATIC_FACES = (
    Face(SANS, "Noto Sans", "normal", 400, True),
    Face(SANS, "Noto Sans", "normal", 700, True),
    Face(KHMER, "Noto Sans Khmer", "normal", 400, False),
    Face(KHMER, "Noto Sans Khmer", "normal", 700, False),
)

_lock = threading.Lock()
_prepared: dict[str, Path] = {}


@lru_cache(maxsize=16)
def source_path(family: str, style: str = "normal") -> Path:
    """The variable font file of a fontpkg family."""
    import fontpkg

    return Path(fontpkg.path(family, 400, style))


def source_dirs() -> list[Path]:
    """Folders of the fontpkg font files (allowed by the URL fetcher)."""
    return sorted({source_path(f.source_family, f.style).parent for f in STATIC_FACES})


def _configured_cache_dir() -> str | None:
    configured = os.environ.get("CTC_FONT_CACHE_DIR")
    if not configured:
        try:
            from flask import current_app

            configured = current_app.config.get("CTC_FONT_CACHE_DIR")
        except RuntimeError:  # no app context
            configured = None
    return configured or None


def cache_dir() -> Path:
    """Where static instances are kept (created on demand, private to this user)."""
    configured = _configured_cache_dir()
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidate = Path(xdg) / "ctc-erp" / "fonts"
    try:
        candidate.mkdir(parents=True, exist_ok=True)
        if os.access(candidate, os.W_OK):
            return candidate
    except OSError:
        pass
    private = Path(tempfile.gettempdir()) / f"ctc-erp-fonts-{os.getuid()}"
    private.mkdir(mode=0o700, exist_ok=True)
    if private.stat().st_uid != os.getuid():  # someone else made it first: do not trust it
        raise RuntimeError(f"font cache {private} belongs to another user")
    return private


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def _cache_key() -> str:
    import fontTools

    parts = [RECIPE_VERSION, fontTools.version]
    for family, style in sorted({(f.source_family, f.style) for f in STATIC_FACES}):
        parts.append(_digest(source_path(family, style)))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _build(faces: list[Face], folder: Path) -> None:
    """Derive static instances of ``faces`` (same source file) into ``folder``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    first = faces[0]
    font = TTFont(source_path(first.source_family, first.style))
    if first.latin_only:
        options = subset.Options()
        # fontTools' default features (kern, liga, mark, ccmp, locl, ...) plus figures.
        options.layout_features = [*options.layout_features, "tnum", "lnum", "pnum", "case",
                                   "sups", "subs"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.hinting = False
        options.legacy_kern = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[c for lo, hi in LATIN_RANGES for c in range(lo, hi + 1)])
        subsetter.subset(font)
    for face in faces:
        axes = {"wght": face.weight}
        if any(a.axisTag == "wdth" for a in font["fvar"].axes):
            axes["wdth"] = 100
        static = instantiateVariableFont(font, axes, static=True, updateFontNames=True)
        out = io.BytesIO()
        static.save(out)
        target = folder / f"{face.slug}.ttf"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".ttf")
        with os.fdopen(fd, "wb") as f:
            f.write(out.getvalue())
        os.replace(tmp, target)


def prepare_fonts() -> Path:
    """Make sure the static instances exist; returns their folder. Idempotent, and cheap
    after the first call of the process."""
    key = _configured_cache_dir() or ""
    folder = _prepared.get(key)
    if folder is not None:
        return folder
    with _lock:
        folder = _prepared.get(key)
        if folder is not None:
            return folder
        folder = cache_dir() / _cache_key()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if folder.stat().st_uid != os.getuid():
            raise RuntimeError(f"font cache {folder} belongs to another user")
        missing = [f for f in STATIC_FACES if not (folder / f"{f.slug}.ttf").is_file()]
        groups: dict[tuple[str, str], list[Face]] = {}
        for face in missing:
            groups.setdefault((face.source_family, face.style), []).append(face)
        for faces in groups.values():
            _build(faces, folder)
        _prepared[key] = folder
        return folder


def static_face_path(face: Face) -> Path:
    return prepare_fonts() / f"{face.slug}.ttf"


def font_face_css_for_pdf() -> str:
    """``@font-face`` rules with ``file:`` URLs of the static instances (plus the fallback)."""
    folder = prepare_fonts()
    rules = []
    for face in STATIC_FACES:
        url = (folder / f"{face.slug}.ttf").as_uri()
        rules.append(
            f'@font-face {{ font-family: "{face.family}"; src: url("{url}"); '
            f"font-weight: {face.weight}; font-style: {face.style}; }}"
        )
    # Italic: the variable font itself, limited to the Latin ranges of the static faces so
    # that Greek or Cyrillic text never switches to italic through it.
    italic = source_path("Noto Sans", "italic").as_uri()
    ranges = ", ".join(f"U+{lo:04X}-{hi:04X}" for lo, hi in LATIN_RANGES)
    rules.append(
        f'@font-face {{ font-family: "{SANS}"; src: url("{italic}"); font-style: italic; '
        f"unicode-range: {ranges}; }}"
    )
    full = source_path("Noto Sans").as_uri()
    rules.append(f'@font-face {{ font-family: "{SANS_FULL}"; src: url("{full}"); }}')
    return "\n".join(rules) + "\n"


#: Files the browser version may load: name -> (fontpkg family, style).
BROWSER_FONTS = {
    "noto-sans.ttf": ("Noto Sans", "normal"),
    "noto-sans-italic.ttf": ("Noto Sans", "italic"),
    "noto-sans-khmer.ttf": ("Noto Sans Khmer", "normal"),
}


def font_face_css_for_browser(url_for_font) -> str:
    """``@font-face`` rules for the browser: the variable fonts, served over HTTP.

    ``url_for_font(name)`` returns the URL of one of :data:`BROWSER_FONTS`.
    """
    sans = url_for_font("noto-sans.ttf")
    italic = url_for_font("noto-sans-italic.ttf")
    khmer = url_for_font("noto-sans-khmer.ttf")
    return (
        f'@font-face {{ font-family: "{SANS}"; src: url("{sans}") format("truetype"); '
        "font-weight: 100 900; font-style: normal; }\n"
        f'@font-face {{ font-family: "{SANS}"; src: url("{italic}") format("truetype"); '
        "font-weight: 100 900; font-style: italic; }\n"
        f'@font-face {{ font-family: "{KHMER}"; src: url("{khmer}") format("truetype"); '
        "font-weight: 100 900; }\n"
        f'@font-face {{ font-family: "{SANS_FULL}"; src: url("{sans}") format("truetype"); '
        "font-weight: 100 900; }\n"
    )


def browser_font_path(name: str) -> Path | None:
    entry = BROWSER_FONTS.get(name)
    return source_path(*entry) if entry else None


def licence_paths() -> list[Path]:
    """The OFL licence files shipped with the font packages."""
    import fontpkg_noto_sans
    import fontpkg_noto_sans_khmer

    return [Path(fontpkg_noto_sans.ROOT) / "LICENSE", Path(fontpkg_noto_sans_khmer.ROOT) / "LICENSE"]
