"""Training downloads through HTTP: certificates (one, a batch, a ZIP of singles), the
report as CSV and XLSX, the class-list sample all carry core.downloads' headers."""

from __future__ import annotations

import pytest

from core.extensions import db
from plugins.training.models import Certificate
from tests.conftest import login
from tests.downloads import BOM, assert_download
from tests.plugins.training import helpers as h

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def issued(app, factory, client):
    center_id = factory.center("PP-01")
    trainer = factory.user("trainer1", center_id=center_id, role="trainer")
    factory.user("manager1", center_id=center_id, role="manager")
    with app.app_context():
        _crs, coh, _es = h.class_of(h.center("PP-01"), 2, trainer_ids=[trainer])
        db.session.commit()
        cohort_id = coh.id
    login(client, "trainer1")
    response = client.post(f"/training/cohorts/{cohort_id}/issue")
    assert response.status_code == 302 and "/training/batches/" in response.location
    client.post("/logout")
    return cohort_id, int(response.location.rsplit("/", 1)[1])


def test_certificates_batch_and_zip(app, client, issued):
    cohort_id, batch_id = issued
    login(client, "manager1")
    batch = client.get(f"/training/batches/{batch_id}.pdf")
    assert_download(batch, "application/pdf", "inline",
                    f"certificates-{cohort_id}-{batch_id}.pdf")
    archive = client.get(f"/training/batches/{batch_id}.zip")
    assert_download(archive, "application/zip", "attachment",
                    f"certificates-{cohort_id}-{batch_id}.zip")
    assert archive.data.startswith(b"PK")
    with app.app_context():
        cert = db.session.execute(db.select(Certificate).order_by(Certificate.id)).scalars().first()
        cert_id, number = cert.id, cert.number
    one = client.get(f"/training/certificates/{cert_id}.pdf")
    assert_download(one, "application/pdf", "inline", f"{number}.pdf")


def test_report_and_sample_sheets(client, issued):
    login(client, "manager1")
    period = "start=2026-01-01&end=2026-12-31"
    report = client.get(f"/training/reports/trainees.csv?{period}")
    assert_download(report, "text/csv", "attachment",
                    "trainees-PP-01-2026-01-01-2026-12-31.csv")
    assert report.data.startswith(BOM + b"Course code,") and BOM not in report.data[3:]
    assert "អក្ខរកម្មឌីជីថល".encode() in report.data
    xlsx = client.get(f"/training/reports/trainees.xlsx?{period}")
    assert_download(xlsx, XLSX, "attachment", "trainees-PP-01-2026-01-01-2026-12-31.xlsx")
    sample = client.get("/training/import-sample.csv")
    assert_download(sample, "text/csv", "attachment", "class-list.csv")
    assert sample.data.startswith(BOM) and not sample.data.startswith(BOM * 2)
    assert "សុខ ស្រីនាង".encode() in sample.data
