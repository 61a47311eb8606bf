"""National IDs checked against ID cards (dcc.moderate): the members waiting for a check,
and recording one (see identity.py)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.permissions import permission_required
from core.extensions import db
from core.i18n import lang
from core.tenancy import require_center
from plugins.dcc import identity
from plugins.dcc.forms import NationalIdCheckForm
from plugins.dcc.members import DccError
from plugins.dcc.views import _error, bp, member_for_moderation


@bp.route("/moderation/national-ids")
@permission_required("dcc.moderate")
def national_ids():
    text = request.args.get("q", "").strip()[:100]
    members = identity.members_to_check(db.session, home_center_id=require_center().id,
                                        everyone=current_user.is_deployer, text=text)
    return render_template("dcc/national_ids.html", members=members, text=text,
                           form=NationalIdCheckForm())


@bp.route("/moderation/<int:member_id>/national-id", methods=["POST"])
@permission_required("dcc.moderate")
def national_id_check(member_id: int):
    member = member_for_moderation(member_id)
    form = NationalIdCheckForm()
    if not form.validate_on_submit():
        flash(_("Type the number printed on the ID card."), "danger")
    else:
        try:
            added = identity.check_national_id(db.session, member, current_user,
                                               form.card_number.data)
        except DccError as exc:
            db.session.rollback()
            flash(_error(exc), "danger")
        else:
            db.session.commit()
            flash(_("The national ID of %(name)s is checked; training certificates added "
                    "now: %(count)s.", name=member.display_name(lang()), count=len(added)),
                  "success")
    return redirect(url_for("dcc.national_ids"))
