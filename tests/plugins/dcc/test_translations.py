"""The DCC's service messages, for the shared catalogue test (tests/plugins/test_catalogues.py).

To refresh it after adding a string, extract with ``pybabel extract -k _l`` over
plugins/dcc (python ``**.py``, jinja2 ``templates/**.html``), add the new msgids and their
Khmer to plugins/dcc/translations/km/LC_MESSAGES/messages.po, and compile. Service error
messages (``DccError("...")``, eligibility reasons, recusal reasons) are translated by the
views with ``_(str(exc))``, so they belong to the catalogue too.
"""

from __future__ import annotations

import re

from babel.messages.extract import DEFAULT_KEYWORDS

from plugins.dcc.ranking import TIE_BREAK_EN
from tests.conftest import PROJECT_DIR

DCC = PROJECT_DIR / "plugins" / "dcc"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}
PLACEHOLDER_RE = re.compile(r"%\([^)]*\)s|%s|%d|\{[A-Za-z_0-9.]*\}")
SERVICE_RES = [r'DccError\(\s*"([^"]+)"\s*\)', r'reasons\.append\("([^"]+)"\)',
               r'return "(The judge[^"]+)"', r'recusal_reason = "([^"]+)"']


def service_messages() -> set[str]:
    """Messages the services raise and the views translate with ``_(str(exc))``."""
    found = {TIE_BREAK_EN}
    for path in DCC.glob("*.py"):
        text = path.read_text()
        for pattern in SERVICE_RES:
            found |= set(re.findall(pattern, text))
    return {m for m in found if m}
