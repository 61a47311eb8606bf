from flask import Blueprint, render_template

from core.auth import permission_required

bp = Blueprint("inventory", __name__, url_prefix="/inventory", template_folder="templates")


@bp.route("/")
@permission_required("inventory.manage")
def index():
    return render_template("inventory/index.html")
