"""Core's screens: dashboard, centers and their plugins, staff, audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import audit, services
from core.auth.models import Role, User
from core.auth.permissions import deployer_required, permission_required, public
from core.extensions import db
from core.forms import CenterForm, GrantForm, ToggleForm, UserForm, choices
from core.i18n import lang
from core.plugins import PluginDependencyError, enabled_plugins, hooks, registry, set_plugin_enabled
from core.tenancy import Center, require_center

bp = Blueprint("core", __name__)


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/")
@login_required
def dashboard():
    center = require_center() if current_user.centers() else None
    widgets = []
    if center is not None:
        widgets = sorted(
            (w for group in hooks().ctc_dashboard_widgets(center=center, user=current_user) for w in group),
            key=lambda w: (w.order, str(w.title)),
        )
    return render_template("core/dashboard.html", widgets=widgets, center=center)


# -- centers and plugins (deployer) ---------------------------------------------------


@bp.route("/admin/centers")
@deployer_required
def centers():
    rows = db.session.execute(db.select(Center).order_by(Center.code)).scalars().all()
    return render_template("core/centers.html", centers=rows)


@bp.route("/admin/centers/new", methods=["GET", "POST"])
@deployer_required
def center_new():
    form = CenterForm(locale=lang())
    if form.validate_on_submit():
        try:
            center = services.create_center(
                code=form.code.data, name_en=form.name_en.data, name_km=form.name_km.data,
                province_code=form.province_code.data, address=form.address.data or "",
                phone=form.phone.data or "",
            )
        except services.CoreError as exc:
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Center %(code)s created.", code=center.code), "success")
            return redirect(url_for("core.center_plugins", center_id=center.id))
    return render_template("core/center_form.html", form=form, center=None)


@bp.route("/admin/centers/<int:center_id>/edit", methods=["GET", "POST"])
@deployer_required
def center_edit(center_id: int):
    center = db.get_or_404(Center, center_id)
    form = CenterForm(obj=center, locale=lang())
    if form.validate_on_submit():
        fields = ("code", "name_en", "name_km", "province_code", "address", "phone")
        before = {f: getattr(center, f) for f in fields}
        for f in fields:
            setattr(center, f, getattr(form, f).data or "")
        changes = {f: [before[f], getattr(center, f)] for f in fields
                   if before[f] != getattr(center, f)}
        audit.record("update", center, center_id=center.id, changes=changes)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("core.centers"))
    return render_template("core/center_form.html", form=form, center=center)


@bp.route("/admin/centers/<int:center_id>/plugins")
@deployer_required
def center_plugins(center_id: int):
    center = db.get_or_404(Center, center_id)
    reg = registry()
    return render_template(
        "core/center_plugins.html", center=center, manifests=[reg.manifests[n] for n in reg.order],
        enabled=enabled_plugins(center), form=ToggleForm(),
    )


@bp.route("/admin/centers/<int:center_id>/plugins/<name>", methods=["POST"])
@deployer_required
def center_plugin_toggle(center_id: int, name: str):
    center = db.get_or_404(Center, center_id)
    form = ToggleForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = request.form.get("enabled") == "1"
    try:
        changed = set_plugin_enabled(center, name, wanted)
    except PluginDependencyError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        if changed:
            flash(_("Switched %(state)s for %(center)s: %(names)s.",
                    state=_("on") if wanted else _("off"), center=center.code,
                    names=", ".join(changed)), "success")
    return redirect(url_for("core.center_plugins", center_id=center.id))


@bp.route("/admin/users")
@deployer_required
def users():
    rows = db.session.execute(db.select(User).order_by(User.username)).scalars().all()
    return render_template("core/users.html", users=rows)


# -- staff of the current center (manager) --------------------------------------------


def _role_choices():
    roles = db.session.execute(db.select(Role).order_by(Role.code)).scalars()
    return choices((r.code, r.name(lang())) for r in roles)


@bp.route("/staff", methods=["GET", "POST"])
@permission_required("core.manage_staff")
def staff():
    center = require_center()
    form = UserForm(prefix="new")
    grant = GrantForm(prefix="grant")
    form.role.choices = grant.role.choices = _role_choices()
    if not current_user.is_deployer:
        del form.is_deployer
    if request.method == "POST" and "new-submit" in request.form and form.validate():
        try:
            user = services.create_user(
                username=form.username.data, password=form.password.data,
                full_name=form.full_name.data, email=form.email.data or "",
                is_deployer=bool(getattr(form, "is_deployer", None) and form.is_deployer.data),
                center=center,
            )
            services.grant_role(user, center, form.role.data)
        except services.CoreError as exc:
            db.session.rollback()
            form.username.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("User %(name)s can now sign in.", name=user.username), "success")
            return redirect(url_for("core.staff"))
    elif request.method == "POST" and "grant-submit" in request.form and grant.validate():
        user = db.session.execute(
            db.select(User).where(User.username == grant.username.data.strip().lower())
        ).scalar_one_or_none()
        if user is None:
            grant.username.errors.append(_("No user has this name."))
        else:
            services.grant_role(user, center, grant.role.data)
            db.session.commit()
            flash(_("Role granted."), "success")
            return redirect(url_for("core.staff"))
    members = services.center_members(center)
    return render_template("core/staff.html", form=form, grant=grant, members=members)


# -- audit trail ------------------------------------------------------------------------


@bp.route("/audit")
@permission_required("core.view_audit")
def audit_log():
    center = require_center()
    q = db.select(audit.AuditLog).where(audit.AuditLog.center_id == center.id)
    filters = {k: request.args.get(k, "").strip() for k in ("action", "object_type", "user", "since", "until")}
    if filters["action"]:
        q = q.where(audit.AuditLog.action == filters["action"])
    if filters["object_type"]:
        q = q.where(audit.AuditLog.object_type == filters["object_type"])
    if filters["user"]:
        q = q.join(User, audit.AuditLog.user_id == User.id).where(User.username == filters["user"].lower())
    for key, op in (("since", "ge"), ("until", "lt")):
        if filters[key]:
            try:
                day = datetime.strptime(filters[key], "%Y-%m-%d")
            except ValueError:
                flash(_("Dates are written YYYY-MM-DD."), "warning")
                continue
            if op == "ge":
                q = q.where(audit.AuditLog.at >= day)
            else:
                q = q.where(audit.AuditLog.at < day + timedelta(days=1))
    page = db.paginate(q.order_by(audit.AuditLog.id.desc()), per_page=50, error_out=False)
    types = db.session.execute(
        db.select(audit.AuditLog.object_type).where(audit.AuditLog.center_id == center.id).distinct()
    ).scalars().all()
    return render_template("core/audit.html", page=page, filters=filters, types=sorted(types))


# -- bundled web fonts ------------------------------------------------------------------


def _web_fonts() -> dict[str, str]:
    from pathlib import Path

    import fontpkg_noto_sans_khmer

    files = sorted((Path(fontpkg_noto_sans_khmer.__file__).parent / "files").glob("NotoSansKhmer*.ttf"))
    return {"NotoSansKhmer.ttf": str(files[0])} if files else {}


@bp.route("/fonts/<name>")
@public
def web_font(name: str):
    from flask import send_file

    path = _web_fonts().get(name)
    if path is None:
        abort(404)
    return send_file(path, mimetype="font/ttf", max_age=30 * 24 * 3600)
