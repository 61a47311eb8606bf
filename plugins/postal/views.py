from flask import Blueprint, render_template

from core.auth import permission_required

bp = Blueprint("postal", __name__, url_prefix="/postal", template_folder="templates")


@bp.route("/")
@permission_required("postal.sell")
def index():
    return render_template("postal/index.html")
