"""What other plugins and core ask of the DCC: verification codes and issued certificates."""

from __future__ import annotations

from core import clock, phones
from core.extensions import db
from core.verification import Verification
from plugins.dcc.competition_models import DccCertificate
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

    A member matches by phone (compared in E.164) or by national ID; either must be
    present on both sides. Idempotent: one credential per member and code.
    """
    try:
        phone = phones.normalise(certificate.get("phone"))
    except phones.PhoneError:  # only used to match: a bad number matches nobody
        phone = ""
    national_id = (certificate.get("national_id") or "").strip()
    if not (phone or national_id) or not certificate.get("code"):
        return []
    clauses = []
    if phone:
        clauses.append(Member.phone == phone)
    if national_id:
        clauses.append(Member.national_id == national_id)
    members = session.execute(db.select(Member).where(
        Member.status == "approved", db.or_(*clauses))).scalars().all()
    added = []
    for member in members:
        if not member.has_consent("credentials"):
            continue
        if any(c.code == certificate["code"] for c in member.credentials):
            continue
        cred = VerifiedCredential(
            source_center_id=getattr(center, "id", None),
            number=certificate.get("number") or "", code=certificate["code"],
            title_en=certificate.get("course_title_en") or "",
            title_km=certificate.get("course_title_km") or "",
            course_code=certificate.get("course_code") or "",
            hours=certificate.get("hours"), issued_on=certificate.get("issued_on"))
        member.credentials.append(cred)
        added.append(cred)
    session.flush()
    return added
