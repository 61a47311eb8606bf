from flask import Blueprint, render_template

from core.auth import permission_required

bp = Blueprint("dcc", __name__, url_prefix="/dcc", template_folder="templates")


@bp.route("/")
@permission_required("dcc.moderate")
def index():
    return render_template("dcc/index.html")
