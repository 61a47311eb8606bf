"""The manager's settings screen of the post office at the current center."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.auth import permission_required
from core.extensions import db
from core.tenancy import require_center
from plugins.postal.forms import SettingsForm
from plugins.postal.services_settings import (
    SettingsError,
    center_sdr_khr,
    default_sdr_khr,
    parse_sdr_khr,
    set_sdr_khr,
)
from plugins.postal.views import bp


@bp.route("/postal/settings", methods=["GET", "POST"])
@permission_required("postal.manage")
def settings():
    center = require_center()
    form = SettingsForm()
    if request.method == "GET":
        own = center_sdr_khr(center)
        form.sdr_khr.data = f"{own:,}" if own else ""
    if form.validate_on_submit():
        try:
            set_sdr_khr(db.session, center, parse_sdr_khr(form.sdr_khr.data))
            db.session.commit()
        except SettingsError as exc:
            db.session.rollback()
            form.sdr_khr.errors = [*form.sdr_khr.errors, str(exc)]
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("postal.settings"))
    status = 422 if form.errors else 200
    return render_template("postal/settings.html", form=form, default=default_sdr_khr(),
                           own=center_sdr_khr(center)), status
