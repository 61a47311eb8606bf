"""The throwaway plugin's one blueprint: a page listing the current center's notes."""

from __future__ import annotations

from flask import Blueprint, render_template

from core.auth import permission_required
from core.extensions import db
from core.tenancy import get_or_404, scoped

bp = Blueprint("throwaway", __name__, url_prefix="/throwaway", template_folder="templates")


@bp.route("/")
@permission_required("throwaway.use")
def index():
    from tests.core.throwaway.models import note_model

    Note = note_model()  # noqa: N806 - a model class
    notes = db.session.execute(scoped(Note).order_by(Note.id)).scalars().all()
    return render_template("throwaway/index.html", notes=notes)


@bp.route("/<int:note_id>")
@permission_required("throwaway.use")
def note(note_id: int):
    from tests.core.throwaway.models import note_model

    row = get_or_404(note_model(), note_id)
    return render_template("throwaway/index.html", notes=[row])
