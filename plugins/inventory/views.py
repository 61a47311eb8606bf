"""The inventory's screens (one blueprint): the register, asset pages, photos, tags,
import and export. Loans and repairs are in views_ops.py, consumables in views_stock.py."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from core.auth import can, permission_required
from core.downloads import csv_response, xlsx_response
from core.extensions import db
from core.forms import choices as select_choices
from core.tenancy import get_or_404, require_center
from plugins.inventory import services
from plugins.inventory.constants import CATEGORIES, CONDITIONS, LOCATIONS, STATUSES
from plugins.inventory.forms import (
    ActionForm,
    AssetForm,
    ImportForm,
    PhotoForm,
    choices,
)
from plugins.inventory.loans import open_loan_of
from plugins.inventory.models import Asset, AssetPhoto, Loan, RepairTicket
from plugins.inventory.register_io import SAMPLE_CSV, decode, export_csv, export_xlsx, import_assets

bp = Blueprint("inventory", __name__, url_prefix="/inventory", template_folder="templates")

FILTERS = ("q", "category", "location", "status", "condition")


def me():
    return current_user._get_current_object()


def staff_choices(center, blank) -> list[SelectChoice]:
    return select_choices([("", blank)] + [(str(u.id), u.full_name or u.username)
                                           for u in services.staff_of(db.session, center)])


def apply_errors(form, exc: services.InventoryError) -> None:
    """Show a service's refusal next to its field (or at the top of the form)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        flash(str(exc), "danger")


def current_filters() -> dict:
    return {k: request.args.get(k, "").strip() for k in FILTERS}


def filtered_assets(center):
    filters = current_filters()
    ids = request.args.getlist("ids", type=int)
    query = services.filter_assets(center, **filters)
    if ids:
        query = query.where(Asset.id.in_(ids))
    return query


# -- the register -----------------------------------------------------------------------


@bp.route("/")
@permission_required("inventory.manage")
def index():
    center = require_center()
    page = db.paginate(filtered_assets(center), per_page=100, error_out=False)
    counts = dict(db.session.execute(
        db.select(Asset.status, db.func.count(Asset.id)).where(Asset.center_id == center.id)
        .group_by(Asset.status)).all())
    return render_template("inventory/index.html", page=page, filters=current_filters(),
                           counts=counts, CATEGORIES=CATEGORIES, LOCATIONS=LOCATIONS,
                           STATUSES=STATUSES, CONDITIONS=CONDITIONS)


def _asset_form(center, asset=None) -> AssetForm:
    form = AssetForm(obj=asset)
    form.custodian_id.choices = staff_choices(center, _("— nobody on the staff —"))
    if asset is not None and asset.status in services.WORKFLOW_STATUSES:
        # editing an asset a loan or a ticket holds: its status stays a valid choice
        form.status.choices = choices(STATUSES)
    if asset is not None and request.method == "GET":
        form.custodian_id.data = str(asset.custodian_id or "")
        if asset.cost_minor is not None:
            from plugins.inventory.register_io import cost_text

            form.cost.data = cost_text(asset.cost_minor, asset.currency)
    return form


def _form_data(form: AssetForm, center) -> dict:
    data = {name: form[name].data for name in (
        "category", "make", "model", "serial", "location", "condition", "status", "cost",
        "currency", "funding_source", "custodian_name", "notes", "purchase_date", "warranty_end")}
    custodian = services.staff_member(db.session, center, form.custodian_id.data)
    data["custodian_id"] = custodian.id if custodian else None
    return data


@bp.route("/assets/new", methods=["GET", "POST"])
@permission_required("inventory.manage")
def asset_new():
    center = require_center()
    form = _asset_form(center)
    if form.validate_on_submit():
        try:
            asset = services.create_asset(db.session, center, _form_data(form, center), user=me())
        except services.InventoryError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Asset %(tag)s registered.", tag=asset.tag), "success")
            return redirect(url_for("inventory.asset_view", asset_id=asset.id))
    return render_template("inventory/asset_form.html", form=form, asset=None)


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@permission_required("inventory.manage")
def asset_edit(asset_id: int):
    center = require_center()
    asset = get_or_404(Asset, asset_id)
    form = _asset_form(center, asset)
    if form.validate_on_submit():
        try:
            services.update_asset(db.session, asset, _form_data(form, center), user=me())
        except services.InventoryError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Asset %(tag)s saved.", tag=asset.tag), "success")
            return redirect(url_for("inventory.asset_view", asset_id=asset.id))
    return render_template("inventory/asset_form.html", form=form, asset=asset)


@bp.route("/assets/<int:asset_id>")
@permission_required("core.dashboard")
def asset_view(asset_id: int):
    """The asset's page (the QR code of its tag opens it): any signed-in staff of the center."""
    asset = get_or_404(Asset, asset_id)
    loans = db.session.execute(db.select(Loan).where(Loan.asset_id == asset.id)
                               .order_by(Loan.out_at.desc())).scalars().all()
    tickets = db.session.execute(db.select(RepairTicket).where(RepairTicket.asset_id == asset.id)
                                 .order_by(RepairTicket.reported_at.desc())).scalars().all()
    return render_template("inventory/asset.html", asset=asset, loans=loans, tickets=tickets,
                           open_loan=open_loan_of(db.session, asset), photo_form=PhotoForm(),
                           action_form=ActionForm(), can_manage=can("inventory.manage"))


@bp.route("/tag/<path:tag>")
@permission_required("core.dashboard")
def asset_by_tag(tag: str):
    asset = services.find_by_tag(db.session, require_center(), tag)
    if asset is None:
        abort(404)
    return redirect(url_for("inventory.asset_view", asset_id=asset.id))


# -- photos -----------------------------------------------------------------------------


@bp.route("/assets/<int:asset_id>/photos", methods=["POST"])
@permission_required("inventory.manage")
def photo_upload(asset_id: int):
    asset = get_or_404(Asset, asset_id)
    form = PhotoForm()
    if form.validate_on_submit():
        upload = form.photo.data
        limit = current_app.config.get("INVENTORY_PHOTO_MAX_BYTES", services.PHOTO_MAX_BYTES)
        data = upload.stream.read(limit + 1)  # one byte more tells "too large"; no more is read
        try:
            services.add_photo(db.session, asset, data, upload.filename or "", user=me())
        except services.InventoryError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Photo added."), "success")
    else:
        flash(_("Choose a picture to upload."), "danger")
    return redirect(url_for("inventory.asset_view", asset_id=asset.id))


@bp.route("/photos/<int:photo_id>")
@permission_required("core.dashboard")
def photo(photo_id: int):
    photo = get_or_404(AssetPhoto, photo_id)
    path = services.photo_path(photo)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=photo.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@bp.route("/photos/<int:photo_id>/delete", methods=["POST"])
@permission_required("inventory.manage")
def photo_delete(photo_id: int):
    photo = get_or_404(AssetPhoto, photo_id)
    asset_id = photo.asset_id
    if ActionForm().validate_on_submit():
        services.remove_photo(db.session, photo, user=me())
        db.session.commit()
        flash(_("Photo removed."), "success")
    return redirect(url_for("inventory.asset_view", asset_id=asset_id))


# -- import and export ------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@permission_required("inventory.manage")
def import_csv():
    center = require_center()
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        try:
            text = decode(form.file.data.read())
        except services.InventoryError as exc:
            form.file.errors = [str(exc)]
        else:
            result = import_assets(db.session, center, text, user=me())
            if result.fatal:
                db.session.rollback()
                form.file.errors = [result.fatal]
                result = None
            else:
                db.session.commit()
                flash(_("%(n)s asset(s) registered, %(e)s row(s) refused.",
                        n=len(result.created), e=len(result.errors)),
                      "success" if not result.errors else "warning")
    return render_template("inventory/import.html", form=form, result=result)


@bp.route("/import/sample.csv")
@permission_required("inventory.manage")
def import_sample():
    return csv_response(SAMPLE_CSV, "assets-sample.csv")


@bp.route("/export.<any(csv, xlsx):fmt>")
@permission_required("inventory.manage")
def export(fmt: str):
    center = require_center()
    assets = db.session.execute(filtered_assets(center)).scalars().all()
    name = f"assets-{center.code}"
    if fmt == "csv":
        return csv_response(export_csv(db.session, assets), f"{name}.csv")
    return xlsx_response(export_xlsx(db.session, assets, title=center.code), f"{name}.xlsx")




@bp.context_processor
def inventory_helpers():
    from plugins.inventory import constants

    return {"L": constants.label, "C": constants, "can": can}


from plugins.inventory import views_docs, views_ops, views_stock  # noqa: E402,F401  routes on bp
