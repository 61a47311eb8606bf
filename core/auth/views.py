from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.auth import throttle
from core.auth.forms import LoginForm, PasswordChangeForm
from core.auth.models import User
from core.auth.permissions import public
from core.extensions import db
from core.tenancy import utcnow

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        # "/\\evil.example" is read as "//evil.example" by some browsers: refuse backslashes.
        if (not parts.scheme and not parts.netloc and target.startswith("/")
                and not target.startswith("//") and "\\" not in target):
            return target
    return url_for("core.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        addr = request.remote_addr or ""
        if throttle.is_locked(username, addr):
            flash(_("Too many failed sign-ins. Wait a few minutes, then try again."), "danger")
            return render_template("auth/login.html", form=form), 429
        user = db.session.execute(
            db.select(User).where(db.func.lower(User.username) == username)
        ).scalar_one_or_none()
        if user is None or not user.active or not user.check_password(form.password.data):
            throttle.record(username, addr, False)
            flash(_("Wrong user name or password."), "danger")
            return render_template("auth/login.html", form=form), 200
        throttle.record(username, addr, True)
        session.clear()  # a fresh session on sign-in: no fixation
        login_user(user, remember=form.remember.data)
        user.last_login_at = utcnow()
        if user.locale:
            session["lang"] = user.locale
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/center", methods=["POST"])
@login_required
def switch_center():
    wanted = request.form.get("center_id", type=int)
    if wanted not in {c.id for c in current_user.centers()}:
        abort(404)
    session["center_id"] = wanted
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/language/<lang>", methods=["POST"])
@public
def set_language(lang: str):
    from flask import current_app

    if lang not in current_app.config["CTC_LANGUAGES"]:
        abort(404)
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("This is not your current password."))
        else:
            current_user.set_password(form.new.data)
            db.session.commit()
            flash(_("Your password is changed."), "success")
            return redirect(url_for("core.dashboard"))
    return render_template("auth/password.html", form=form)
