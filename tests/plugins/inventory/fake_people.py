"""A stand-in plugin that answers ``ctc_find_people`` as the training plugin would."""

from core import hookimpl
from core.plugins import Manifest
from core.verification import PersonRef

CALLS = []


@hookimpl
def ctc_manifest():
    return Manifest(name="fakepeople", title_en="Fake people", title_km="Fake people",
                    version="0")


@hookimpl
def ctc_find_people(center, query, purpose):
    CALLS.append((center.code, query, purpose))
    if "dara" in query.lower():
        return [PersonRef(ref=f"training:trainee:{purpose}-7", name="Sok Dara",
                          detail="Repair course 2026")]
    return []
