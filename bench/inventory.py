"""Inventory benchmarks: a sheet of 200 asset tags (ms per tag) and a CSV import of 1,000
assets (s). Prints figures and the machine; asserts nothing.

    .venv/bin/python bench/inventory.py                       # SQLite in a temporary folder
    CTC_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ctc_bench \\
        .venv/bin/python bench/inventory.py                   # PostgreSQL (emptied first!)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from machine import describe  # bench/machine.py, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TAGS = 200
ROWS = 1000


def machine() -> str:
    return describe()


def csv_text(n: int) -> str:
    lines = ["category,make,model,serial,location,condition,purchase_date,cost,currency,"
             "funding_source,warranty_end,custodian,notes"]
    lines += [f"desktop,Dell,OptiPlex 3000,BENCH-{i:05d},computer_lab,new,2026-01-15,450.00,USD,"
              f"Ministry grant,2029-01-15,,Seat {i}" for i in range(n)]
    return "\n".join(lines) + "\n"


def main() -> None:
    import flask_migrate
    import sqlalchemy as sa

    from core import create_app
    from core.extensions import db

    url = os.environ.get("CTC_BENCH_DATABASE_URL")
    tmp = tempfile.mkdtemp(prefix="ctc-bench-inventory-")
    if not url:
        url = f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "ctc.local",
                      "SECRET_KEY": "bench-secret-key-long-enough-123456",
                      "INVENTORY_PHOTO_DIR": tmp})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade(revision="heads")
        from core import services
        from core.documents import render_batch
        from plugins.inventory.register_io import import_assets
        from plugins.inventory.views_docs import tag_context

        center = services.create_center(code="BN-01", name_en="Bench CTC",
                                        name_km="មជ្ឈមណ្ឌលសាកល្បង", province_code="12")
        db.session.commit()

        start = time.perf_counter()
        result = import_assets(db.session, center, csv_text(ROWS))
        db.session.commit()
        import_s = time.perf_counter() - start
        assert not result.errors, result.errors[:3]

        assets = result.created[:TAGS]
        with app.test_request_context("/"):
            contexts = [tag_context(a, center, f"http://ctc.local/inventory/assets/{a.id}")
                        for a in assets]
            render_batch("inventory/tag.html", contexts[:3], "a4-label-sheet")  # warm-up
            start = time.perf_counter()
            pdf = render_batch("inventory/tag.html", contexts, "a4-label-sheet")
            sheet_s = time.perf_counter() - start

    print(f"machine: {machine()}")
    print(f"database: {url.split('@')[-1] if '@' in url else url.split(':')[0]}")
    print(f"CSV import of {ROWS} assets: {import_s:.2f} s ({import_s / ROWS * 1000:.1f} ms a row)")
    print(f"A4 sheet of {TAGS} tags ({(TAGS + 23) // 24} pages, {len(pdf) // 1024} KiB): "
          f"{sheet_s:.2f} s, {sheet_s / TAGS * 1000:.1f} ms a tag")


if __name__ == "__main__":
    main()
