"""The post office's settings at one center, kept in the ``settings`` of its ``postal``
switch (core's ``center_plugin`` row): for now the SDR rate of the customs declarations."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from core import audit, money
from core.tenancy import CenterPlugin

DEFAULT_SDR_KHR = 5_500  # riel per SDR when neither the center nor the deployment says


class SettingsError(ValueError):
    """A setting that cannot be saved; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _switch(session, center) -> CenterPlugin | None:
    return session.execute(sa.select(CenterPlugin).where(
        CenterPlugin.center_id == center.id, CenterPlugin.plugin == "postal")).scalar_one_or_none()


def default_sdr_khr() -> int:
    """The deployment's SDR rate: ``CTC_POSTAL_SDR_KHR``, else 5,500 riel."""
    return int(current_app.config.get("CTC_POSTAL_SDR_KHR") or DEFAULT_SDR_KHR)


def center_sdr_khr(center) -> int | None:
    """The rate the center set for itself, or None."""
    for switch in center.plugin_switches:
        if switch.plugin == "postal" and (switch.settings or {}).get("sdr_khr"):
            return int(switch.settings["sdr_khr"])
    return None


def sdr_khr(center) -> int:
    """Riel per SDR (Special Drawing Right) for the customs values of ``center``: its own
    setting, else the deployment's."""
    return center_sdr_khr(center) or default_sdr_khr()


def parse_sdr_khr(text: str) -> int | None:
    """A typed rate ("5,500", Khmer digits...) as riel per SDR; None for nothing typed."""
    if not (text or "").strip():
        return None
    try:
        value = money.parse(text, "KHR").minor
    except money.MoneyError as exc:
        raise SettingsError(str(exc), "sdr_khr") from None
    if value <= 0:
        raise SettingsError(_l("The SDR rate is a positive whole number of riel per SDR."),
                            "sdr_khr")
    return value


def set_sdr_khr(session, center, value: int | None) -> None:
    """Set the center's SDR rate (None: use the deployment's again); audited. The caller
    commits."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value <= 0):
        raise SettingsError(_l("The SDR rate is a positive whole number of riel per SDR."),
                            "sdr_khr")
    switch = _switch(session, center)
    if switch is None:  # never toggled: the manifest's default (on, since we are asked)
        switch = CenterPlugin(center_id=center.id, plugin="postal", enabled=True, settings={})
        session.add(switch)
    before = (switch.settings or {}).get("sdr_khr")
    settings = {k: v for k, v in (switch.settings or {}).items() if k != "sdr_khr"}
    if value is not None:
        settings["sdr_khr"] = value
    switch.settings = settings  # a new dict: the JSON column sees the change
    session.flush()
    session.expire(center, ["plugin_switches"])
    audit.record("update", center_id=center.id, object_type="center_plugin",
                 object_id="postal", session=session,
                 changes={"sdr_khr": [before, value]})
