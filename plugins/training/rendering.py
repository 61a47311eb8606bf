"""Certificate PDFs: the template context, single and batch rendering, ZIP of singles.

A cohort's certificates render as ONE document per chunk (core.documents.render_batch,
about a page's cost each instead of a document's); each certificate's own PDF is cut
from it page by page and stored, so a later download is byte-identical. Chunks keep
memory flat whatever the size of the batch.
"""

from __future__ import annotations

import base64
import io
import zipfile

from flask import current_app, has_request_context, url_for

from core.i18n import khmer_digits
from core.verification import group_code
from plugins.training.models import Certificate, CertificateBatch

CHUNK = 50
#: What the background of a certificate shows (part="background" in the template): the
#: certificates of a bulk issue that agree on these share one background, laid out once
#: (core.documents.render_batch, background_key).
BACKGROUND_KEYS = (
    "center_name_km", "center_name_en", "course_title_km", "course_title_en",
    "size_course_km", "size_course_en", "size_center_km", "size_center_en", "size_details", "size_signatory",
    "course_code", "hours", "hours_km", "start_date",
    "end_date",
    "issued_on", "valid_until", "trainers", "signatory_name", "signatory_title",
    "signature", "seal",
)


def verify_url_prefix(base_url: str | None = None) -> str:
    """The absolute /verify/ URL without the code (the QR code points there)."""
    if has_request_context() and not base_url:
        url = url_for("verification.verify", code="X", _external=True)
    else:
        base = base_url or current_app.config.get("CTC_PUBLIC_URL") or "http://localhost/"
        with current_app.test_request_context("/", base_url=base):
            url = url_for("verification.verify", code="X", _external=True)
    return url[:-1]


def data_uri(png: bytes | None) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else ""


def _course_assets(course) -> dict:
    return {"signature": data_uri(course.signature_image), "seal": data_uri(course.seal_image)}


def size_class(text: str, long: int, very_long: int) -> str:
    """A smaller type size for long names, so they still fit their fixed box."""
    n = len(text or "")
    return "size-s" if n > very_long else "size-m" if n > long else ""


def context_for(cert: Certificate, prefix: str, assets: dict) -> dict:
    cohort, course, center = cert.cohort, cert.course, cert.center
    trainers = ", ".join(u.full_name or u.username for u in cohort.trainers)
    return add_size_classes({
        "number": cert.number,
        "code": group_code(cert.code),
        "verify_url": prefix + cert.code,
        "name_km": cert.holder_name_km,
        "name_en": cert.holder_name_en,
        "course_title_en": course.title_en,
        "course_title_km": course.title_km,
        "course_code": course.code,
        "hours": course.hours,
        "hours_km": khmer_digits(course.hours),
        "start_date": cohort.start_date,
        "end_date": cohort.end_date,
        "issued_on": cert.issued_on,
        "valid_until": cert.valid_until,
        "center_name_en": center.name_en,
        "center_name_km": center.name_km,
        "trainers": trainers,
        "signatory_name": course.signatory_name or trainers,
        "signatory_title": course.signatory_title,
        "signature": assets["signature"],
        "seal": assets["seal"],
    })


def add_size_classes(context: dict) -> dict:
    context["size_name_km"] = size_class(context["name_km"], 26, 48)
    context["size_name_en"] = size_class(context["name_en"], 34, 60)
    context["size_course_km"] = size_class(context["course_title_km"], 50, 90)
    context["size_course_en"] = size_class(context["course_title_en"], 60, 110)
    # the center's names share one line each; the details line names every trainer
    context["size_center_km"] = size_class(context["center_name_km"], 70, 120)
    context["size_center_en"] = size_class(context["center_name_en"], 90, 150)
    context["size_details"] = size_class(context["trainers"], 70, 160)
    signatory = (context["signatory_name"] or "") + (context["signatory_title"] or "")
    context["size_signatory"] = "size-xs" if len(signatory) > 280 else size_class(signatory, 60, 160)
    return context


def _split_pages(pages) -> list[bytes]:
    """Each page as a PDF of its own."""
    from pypdf import PdfWriter

    out = []
    for page in pages:
        single = PdfWriter()
        single.add_page(page)
        buf = io.BytesIO()
        single.write(buf)
        out.append(buf.getvalue())
    return out


def render_chunked(certs: list[Certificate], *, base_url: str | None = None, progress=None,
                   want_batch: bool = True, on_singles=None) -> tuple[bytes | None, list[bytes]]:
    """(one PDF of every certificate, [each certificate's own PDF, in the given order]).

    With ``on_singles`` the single PDFs are handed over chunk by chunk, as
    ``on_singles([(certificate, pdf), ...])``, and not kept (the list returned is empty):
    memory then stays flat whatever the number of certificates.

    One certificate renders whole. Several render as a layered batch
    (core.documents.render_batch with ``background_key``), ONE document per chunk of 50:
    what they share (frame, center, course, dates, trainers, signatory) is laid out once,
    what is theirs (names, number, code, QR code) once each.
    """
    from pypdf import PdfReader, PdfWriter

    from core.documents import render_batch, render_pdf

    if not certs:
        return None, []
    course = certs[0].course
    prefix = verify_url_prefix(base_url)
    assets = _course_assets(course)
    template, fmt = course.template, course.page_format
    if len(certs) == 1:
        pdf = render_pdf(template, context_for(certs[0], prefix, assets), fmt)
        if on_singles is not None:
            on_singles([(certs[0], pdf)])
            return pdf, []
        return pdf, [pdf]
    writer = PdfWriter()
    singles: list[bytes] = []
    for start in range(0, len(certs), CHUNK):
        chunk = certs[start:start + CHUNK]
        _reload(chunk)
        pdf = render_batch(template, [context_for(c, prefix, assets) for c in chunk], fmt,
                           background_key=BACKGROUND_KEYS)
        first = len(writer.pages)
        writer.append(PdfReader(io.BytesIO(pdf)))
        pages = writer.pages[first:]
        if len(pages) != len(chunk):  # a record overflowed its page
            raise RuntimeError("a certificate did not fit on one page")
        pdfs = _split_pages(pages)
        if on_singles is not None:
            on_singles(list(zip(chunk, pdfs, strict=True)))
        else:
            singles.extend(pdfs)
        if progress is not None:
            progress(start + len(chunk), len(certs))
    batch_pdf = None
    if want_batch:
        buf = io.BytesIO()
        writer.write(buf)
        batch_pdf = buf.getvalue()
    return batch_pdf, singles


def _reload(certs: list[Certificate]) -> None:
    """Refresh certificates a commit expired in ONE query, not one query each."""
    import sqlalchemy as sa

    states = [sa.inspect(c) for c in certs]
    expired = [st for st in states if st.persistent and st.expired_attributes]
    if expired:
        expired[0].session.execute(sa.select(Certificate).where(
            Certificate.id.in_([st.identity[0] for st in expired]))).scalars().all()


def store_single_pdfs(session, certs: list[Certificate], *, base_url: str | None = None):
    """Render and keep each certificate's PDF (those that have none yet)."""
    from plugins.training.certificates import pdf_sha256

    todo = [c for c in certs if not c.pdf_sha256]
    _batch, singles = render_chunked(todo, base_url=base_url, want_batch=False)
    for cert, pdf in zip(todo, singles, strict=True):
        cert.pdf, cert.pdf_sha256 = pdf, pdf_sha256(pdf)
    session.flush()


def render_batch_for(session, batch: CertificateBatch, certs: list[Certificate], *,
                     base_url: str | None = None, progress=None, commit: bool = True) -> None:
    """Render a bulk issue: the batch's one PDF, and every certificate's own PDF, stored
    chunk by chunk (committed with ``commit``, so memory stays flat; the certificates
    themselves must be committed already)."""
    from plugins.training.certificates import pdf_sha256

    def store(pairs):
        for cert, pdf in pairs:
            if not cert.pdf_sha256:  # never replace what was handed out already
                cert.pdf, cert.pdf_sha256 = pdf, pdf_sha256(pdf)
        session.flush()
        if commit:
            session.commit()
            for cert, _pdf in pairs:
                session.expire(cert, ["pdf"])  # let the bytes go

    pdf, _singles = render_chunked(certs, base_url=base_url, progress=progress,
                                   on_singles=store)
    batch.pdf = pdf
    session.flush()


def certificate_pdf(session, cert: Certificate, *, base_url: str | None = None) -> bytes:
    """The stored PDF (rendered and stored first if an interrupted job left none)."""
    if not cert.pdf_sha256:
        store_single_pdfs(session, [cert], base_url=base_url)
        session.commit()
    return cert.pdf


def zip_of(session, certs: list[Certificate]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for cert in certs:
            zf.writestr(f"{cert.number}.pdf", certificate_pdf(session, cert))
    return buf.getvalue()
