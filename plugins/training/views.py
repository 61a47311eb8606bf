from flask import Blueprint, render_template

from core.auth import permission_required

bp = Blueprint("training", __name__, url_prefix="/training", template_folder="templates")


@bp.route("/")
@permission_required("training.manage")
def index():
    return render_template("training/index.html")
