"""Managers' screens: tariffs, services, goods, zones, CSV import/export; the deployer's
S10 ranges."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.auth import deployer_required, permission_required
from core.downloads import csv_response
from core.extensions import db
from core.forms import choices
from core.tenancy import get_or_404, require_center, scoped
from plugins.postal.forms import (
    GoodsForm,
    ImportForm,
    S10RangeForm,
    ServiceForm,
    TariffForm,
    ZoneForm,
)
from plugins.postal.models import Goods, PostalService, S10Range, Tariff, Zone
from plugins.postal.services_catalogue import (
    country_choices,
    export_goods,
    export_services,
    export_tariffs,
    export_zones,
    import_goods,
    import_services,
    import_tariffs,
    import_zones,
)
from plugins.postal.services_items import allocate_range
from plugins.postal.views import bp

IMPORTERS = {"tariffs": import_tariffs, "services": import_services, "goods": import_goods,
             "zones": import_zones}
EXPORTERS = {"tariffs": export_tariffs, "services": export_services, "goods": export_goods,
             "zones": export_zones}


def _service_choices(center):
    return choices((s.id, f"{s.code} · {s.name_en}") for s in db.session.execute(
        scoped(PostalService, center).order_by(PostalService.code)).scalars())


@bp.route("/postal/tariffs", methods=["GET", "POST"])
@permission_required("postal.manage")
def tariffs():
    center = require_center()
    form = TariffForm()
    form.service_id.choices = _service_choices(center)
    if request.method == "GET":
        form.valid_from.data = date.today()
    if form.validate_on_submit():
        row = Tariff(center_id=center.id)
        _fill_tariff(row, form)
        db.session.add(row)
        db.session.commit()
        flash(_("Tariff band saved."), "success")
        return redirect(url_for("postal.tariffs"))
    rows = db.session.execute(scoped(Tariff, center).order_by(
        Tariff.service_id, Tariff.zone, Tariff.valid_from.desc(), Tariff.max_weight_g)).scalars()
    return render_template("postal/tariffs.html", form=form, tariffs=list(rows),
                           import_form=ImportForm(formdata=None))


def _fill_tariff(row: Tariff, form: TariffForm) -> None:
    row.service_id = form.service_id.data
    row.zone = form.zone.data.strip().upper()
    row.max_weight_g, row.base_minor = form.max_weight_g.data, form.base.data
    row.step_g, row.step_minor = form.step_g.data, form.step.data or 0
    row.currency, row.valid_from, row.valid_to = (form.currency.data, form.valid_from.data,
                                                  form.valid_to.data)


@bp.route("/postal/tariffs/<int:tariff_id>/edit", methods=["GET", "POST"])
@permission_required("postal.manage")
def tariff_edit(tariff_id: int):
    center = require_center()
    row = get_or_404(Tariff, tariff_id, center)
    form = TariffForm(data={
        "service_id": row.service_id, "zone": row.zone, "max_weight_g": row.max_weight_g,
        "base": row.base_minor, "step_g": row.step_g, "step": row.step_minor,
        "currency": row.currency, "valid_from": row.valid_from, "valid_to": row.valid_to})
    form.service_id.choices = _service_choices(center)
    if form.validate_on_submit():
        _fill_tariff(row, form)
        db.session.commit()
        flash(_("Tariff band saved."), "success")
        return redirect(url_for("postal.tariffs"))
    return render_template("postal/edit.html", form=form, title=_("Tariff band"))


@bp.route("/postal/catalogue/import", methods=["POST"])
@permission_required("postal.manage")
def catalogue_import():
    center = require_center()
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV file."), "danger")
        return redirect(request.referrer or url_for("postal.tariffs"))
    try:
        text = form.file.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("The file is not UTF-8 text (save it as CSV UTF-8)."), "danger")
        return redirect(url_for("postal.tariffs"))
    result = IMPORTERS[form.kind.data](db.session, center, text)
    db.session.commit()
    return render_template("postal/import_result.html", result=result, kind=form.kind.data)


@bp.route("/postal/catalogue/<kind>.csv")
@permission_required("postal.manage")
def catalogue_export(kind: str):
    if kind not in EXPORTERS:
        abort(404)
    center = require_center()
    text = EXPORTERS[kind](db.session, center)
    return csv_response(text, f"{center.code}-{kind}.csv")


@bp.route("/postal/services", methods=["GET", "POST"])
@permission_required("postal.manage")
def services():
    center = require_center()
    form = ServiceForm()
    if form.validate_on_submit():
        row = PostalService(center_id=center.id)
        if _save_coded(row, form, PostalService, center):
            return redirect(url_for("postal.services"))
    rows = db.session.execute(scoped(PostalService, center).order_by(
        PostalService.code)).scalars().all()
    return render_template("postal/services.html", form=form, services=rows,
                           import_form=ImportForm(formdata=None))


@bp.route("/postal/services/<int:service_id>/edit", methods=["GET", "POST"])
@permission_required("postal.manage")
def service_edit(service_id: int):
    center = require_center()
    row = get_or_404(PostalService, service_id, center)
    form = ServiceForm(obj=row)
    if form.validate_on_submit() and _save_coded(row, form, PostalService, center):
        return redirect(url_for("postal.services"))
    return render_template("postal/edit.html", form=form, title=_("Service"))


@bp.route("/postal/goods", methods=["GET", "POST"])
@permission_required("postal.manage")
def goods():
    center = require_center()
    form = GoodsForm()
    if form.validate_on_submit():
        row = Goods(center_id=center.id)
        if _save_coded(row, form, Goods, center):
            return redirect(url_for("postal.goods"))
    rows = db.session.execute(scoped(Goods, center).order_by(Goods.code)).scalars().all()
    return render_template("postal/goods.html", form=form, goods=rows,
                           import_form=ImportForm(formdata=None))


@bp.route("/postal/goods/<int:goods_id>/edit", methods=["GET", "POST"])
@permission_required("postal.manage")
def goods_edit(goods_id: int):
    center = require_center()
    row = get_or_404(Goods, goods_id, center)
    form = GoodsForm(obj=row)
    if form.validate_on_submit() and _save_coded(row, form, Goods, center):
        return redirect(url_for("postal.goods"))
    return render_template("postal/edit.html", form=form, title=_("Goods"))


def _save_coded(row, form, model, center) -> bool:
    code = form.code.data.strip().upper()
    clash = db.session.execute(scoped(model, center).where(model.code == code)).scalar_one_or_none()
    if clash is not None and clash is not row:
        form.code.errors = [*form.code.errors, _("This code is taken.")]
        return False
    form.populate_obj(row)
    row.code = code
    db.session.add(row)
    db.session.commit()
    flash(_("Saved."), "success")
    return True


@bp.route("/postal/zones", methods=["GET", "POST"])
@permission_required("postal.manage")
def zones():
    center = require_center()
    form = ZoneForm()
    form.country.choices = choices(c for c in country_choices() if c[0] != "KH")
    if form.validate_on_submit():
        row = db.session.execute(scoped(Zone, center).where(
            Zone.country == form.country.data)).scalar_one_or_none() or Zone(
            center_id=center.id, country=form.country.data)
        row.zone = form.zone.data.strip().upper()
        db.session.add(row)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("postal.zones"))
    rows = db.session.execute(scoped(Zone, center).order_by(Zone.zone, Zone.country)).scalars()
    return render_template("postal/zones.html", form=form, zones=list(rows),
                           import_form=ImportForm(formdata=None, kind="zones"))


@bp.route("/postal/s10-ranges", methods=["GET", "POST"])
@deployer_required
def s10_ranges():
    center = require_center()
    form = S10RangeForm()
    if form.validate_on_submit():
        try:
            allocate_range(db.session, center, form.indicator.data, form.start.data,
                           form.end.data)
            db.session.commit()
        except ValueError as exc:
            db.session.rollback()
            form.indicator.errors = [*form.indicator.errors, str(exc)]
        else:
            flash(_("Range allocated."), "success")
            return redirect(url_for("postal.s10_ranges"))
    rows = db.session.execute(scoped(S10Range, center).order_by(
        S10Range.indicator, S10Range.start)).scalars().all()
    return render_template("postal/s10_ranges.html", form=form, ranges=rows)
