"""Certificates on paper: with the longest names and titles the forms allow (200
characters, Khmer and Latin), every word is printed inside its box and on the A4 sheet,
nothing is cut off by a box that clips, single and in a layered batch."""

from __future__ import annotations

import pytest

from core import services as core_services
from core.documents.render import render_document
from core.extensions import db
from plugins.training import certificates, rendering
from tests import paper
from tests.plugins.training import helpers as h

FORMAT = "a4-landscape"


@pytest.fixture
def contexts(app, factory):
    """Two certificates of one cohort, everything at its longest."""
    factory.center("PP-01", name_en=paper.latin(200, "CENTER"),
                   name_km=paper.khmer(200, tag="មជ្ឈមណ្ឌល"))
    with app.app_context():
        c = h.center("PP-01")
        trainers = []
        for n in range(2):
            user = core_services.create_user(username=f"t{n}", password="x" * 12,
                                             full_name=paper.latin(200, f"TRAINER{n}"))
            core_services.grant_role(user, c, "trainer")
            trainers.append(user.id)
        crs, coh, enrolments = h.class_of(
            c, 2, trainer_ids=trainers, title_km=paper.khmer(200, "", "វគ្គ"),
            title_en=paper.latin(200, "COURSE"), signatory_name=paper.latin(200, "SIGNATORY"),
            signatory_title=paper.latin(200, "TITLE"))
        for n, e in enumerate(enrolments):
            e.trainee.name_km = paper.khmer(200, tag=f"ឈ្មោះ{n}")
            e.trainee.name_en = paper.latin(200, f"HOLDER{n}")
        certs = [certificates.issue_one(db.session, c, e, render=False)[0] for e in enrolments]
        prefix = rendering.verify_url_prefix("https://ctc.example.org/")
        assets = rendering._course_assets(crs)
        yield [rendering.context_for(cert, prefix, assets) for cert in certs]


def printed_values(context: dict) -> list[str]:
    return [context[k] for k in ("name_km", "name_en", "course_title_km", "course_title_en",
                                 "center_name_km", "center_name_en", "trainers",
                                 "signatory_name", "signatory_title", "number", "code",
                                 "verify_url")]


@pytest.mark.parametrize("template", ["training/certificate.html",
                                      "training/certificate_plain.html"])
def test_the_longest_certificate_fits_its_boxes(contexts, template):
    assert len(contexts[0]["name_km"]) >= 195 and len(contexts[0]["course_title_km"]) >= 195
    document = render_document(template, contexts[:1], FORMAT)
    paper.one_per_page(document)
    assert not paper.missing(document, printed_values(contexts[0]))
    assert not paper.off_paper(document, FORMAT)
    found = paper.clipped(document)
    assert not found, "\n".join(map(str, found))
    assert not paper.split_clusters(document) and not paper.cut_short(document)


def test_a_layered_batch_of_the_longest_certificates_fits(contexts):
    """The background (one page, shared) and each holder's overlay (a page each)."""
    document = render_document("training/certificate.html", contexts, FORMAT,
                               background_key=rendering.BACKGROUND_KEYS)
    assert document.ctc_backgrounds == {0: [1, 2]}  # stayed layered: each part on one page
    assert not paper.missing(document, [v for c in contexts for v in printed_values(c)])
    assert not paper.off_paper(document, FORMAT)
    found = paper.clipped(document)
    assert not found, "\n".join(map(str, found))
    assert not paper.split_clusters(document) and not paper.cut_short(document)
