"""DCC test settings: cheap password hashes (scrypt costs ~0.3 s a hash; tests make dozens)."""

import pytest
from werkzeug import security


@pytest.fixture(autouse=True)
def fast_password_hashes(monkeypatch):
    monkeypatch.setattr(security.generate_password_hash, "__defaults__",
                        ("pbkdf2:sha256:1000", 16))


# -- the Khmer catalogue: compiled here when stale, as core's tests do (.mo is not committed)

from pathlib import Path  # noqa: E402

from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

KM_PO = (Path(__file__).resolve().parents[3] / "plugins" / "dcc" / "translations" / "km"
         / "LC_MESSAGES" / "messages.po")


def read_catalogue():
    with KM_PO.open("rb") as fh:
        return read_po(fh, locale="km")


@pytest.fixture(scope="session", autouse=True)
def compiled_khmer_catalogue():
    mo = KM_PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < KM_PO.stat().st_mtime:
        with mo.open("wb") as fh:
            write_mo(fh, read_catalogue(), use_fuzzy=False)
