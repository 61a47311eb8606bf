"""What other plugins and core ask of the DCC: verification codes and issued certificates."""

from __future__ import annotations

from core import clock, phones
from core.extensions import db
from core.verification import Verification
from plugins.dcc import identity
from plugins.dcc.competition_models import DccCertificate
from plugins.dcc.members import normalise_national_id
from plugins.dcc.models import Member, VerifiedCredential

WITHHELD = "-"


def verify_code(session, code: str) -> Verification | None:
    cert = session.execute(db.select(DccCertificate).where(
        DccCertificate.code == code)).scalar_one_or_none()
    if cert is None:
        return None
    c = cert.competition
    if c.center is not None:
        from core.plugins import plugin_enabled

        if not plugin_enabled("dcc", c.center):
            return None
    award = cert.kind == "award"
    title_en = c.title_en + (f" - {cert.prize_title_en}" if award and cert.prize_title_en else "")
    title_km = (c.title_km or c.title_en) + (
        f" - {cert.prize_title_km or cert.prize_title_en}" if award else "")
    return Verification(
        status="valid" if cert.status == "valid" else "revoked",
        kind_en="DCC award certificate" if award else "DCC participation certificate",
        kind_km="វិញ្ញាបនបត្រពានរង្វាន់ DCC" if award else "វិញ្ញាបនបត្រចូលរួម DCC",
        holder_name_km=cert.holder_name_km or WITHHELD,
        holder_name_en=cert.holder_name_en or WITHHELD,
        title_en=title_en, title_km=title_km,
        center_name_en=c.center.name_en if c.center else "Digital Community of Cambodia",
        center_name_km=c.center.name_km if c.center else "សហគមន៍ឌីជីថលកម្ពុជា",
        issued_on=clock.date_of(cert.issued_at), number=cert.number,
        reason=cert.revoked_reason if cert.status != "valid" else "",
    )


def link_certificate(session, certificate: dict, center) -> list[VerifiedCredential]:
    """Add the certificate to every consenting, approved member it belongs to.

    A member matches through a contact the registry has proven (:mod:`plugins.dcc.identity`):
    the phone they registered with and confirmed by code (compared in E.164), or a national
    ID a moderator checked against their ID card. A consenting member whose national ID
    matches but is not checked yet gets a notice instead, which becomes the credential when
    the check is recorded; nobody does once another member's check holds the number.
    Idempotent: one credential (and one notice) per member and code. Returns the
    credentials added; the caller commits.
    """
    try:
        phone = phones.normalise(certificate.get("phone"))
    except phones.PhoneError:  # only used to match: a bad number matches nobody
        phone = ""
    national_id = normalise_national_id(certificate.get("national_id"))
    if not (phone or national_id) or not certificate.get("code"):
        return []
    clauses = []
    if phone:
        clauses.append(Member.phone == phone)
    if national_id:
        clauses.append(Member.national_id == national_id)
    members = session.execute(db.select(Member).where(
        Member.status == "approved", db.or_(*clauses)).order_by(Member.id)).scalars().all()
    fields = identity.certificate_fields(certificate)
    source = getattr(center, "id", None)
    id_holder = any(m.national_id == national_id and identity.national_id_checked(m)
                    for m in members)
    added = []
    for member in members:
        if not member.has_consent("credentials"):
            continue
        by_phone = phone and member.phone == phone and identity.phone_proven(member)
        by_id = national_id and member.national_id == national_id
        if by_phone or (by_id and identity.national_id_checked(member)):
            cred = identity.add_credential(member, fields, source)
            if cred is not None:
                added.append(cred)
        elif by_id and not id_holder:
            identity.keep_notice(session, member, national_id, fields, source)
    session.flush()
    return added
