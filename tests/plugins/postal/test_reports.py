"""Daily reports: the center's own calendar day (core.clock), wherever the center is, and
amounts in the screen's language (core's money filter)."""

from __future__ import annotations

from datetime import datetime

from core.extensions import db
from plugins.postal.models import Sale
from plugins.postal.services_sales import create_sale
from plugins.postal.services_till import open_till
from tests.conftest import login


def test_the_daily_report_is_the_centers_day(app, client, counter):
    """A center in New York, on the day its clocks spring forward (23 hours long)."""
    stored = {  # when each sale happened, as the database keeps it (naive UTC)
        "eve": datetime(2026, 3, 8, 4, 30),        # 23:30 on 7 March, local
        "early": datetime(2026, 3, 8, 5, 30),      # 00:30 on 8 March
        "late": datetime(2026, 3, 9, 3, 30),       # 23:30 on 8 March, summer time
        "next": datetime(2026, 3, 9, 4, 30),       # 00:30 on 9 March
    }
    with app.test_request_context(headers={"Accept-Language": "en"}):
        counter.center.timezone = "America/New_York"
        till = open_till(db.session, counter.center, counter.clerk, float_khr=0, float_usd=0)
        envelope = counter.goods("ENV-C5").id
        for quantity, moment in enumerate(stored.values(), 1):
            sale = create_sale(db.session, counter.center, till, counter.clerk,
                               [{"goods_id": envelope, "quantity": quantity}],
                               tendered_khr=100_000, tendered_usd=0, rate=4100)
            sale.created_at = moment
        db.session.commit()
        assert db.session.query(Sale).count() == 4
    login(client, "boss")
    csv_text = client.get("/postal/reports/daily.csv?day=2026-03-08").data.decode("utf-8-sig")
    # the sales of 00:30 and 23:30 on 8 March (2 and 3 envelopes), not those of the evening
    # before or of the first minutes of the 9th
    assert "2026-03-08,Envelope C5,5," in csv_text
    eve = client.get("/postal/reports/daily.csv?day=2026-03-07").data.decode("utf-8-sig")
    assert "2026-03-07,Envelope C5,1," in eve
    # the screen writes the amounts in the screen's language (core's money filter)
    english = client.get("/postal/reports?day=2026-03-08&lang=en").data.decode()
    assert "2,750 ៛" in english  # 5 envelopes: 2,500 riel and 250 VAT
    khmer = client.get("/postal/reports?day=2026-03-08&lang=km").data.decode()
    assert "២,៧៥០ ៛" in khmer and "2,750" not in khmer
