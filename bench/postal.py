"""Post office counter benchmark: sales per second through HTTP, receipt PDF latency.

    .venv/bin/python bench/postal.py [--sales N]            # SQLite in a temporary folder
    POSTAL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ctc_postal_bench \\
        .venv/bin/python bench/postal.py                     # PostgreSQL (emptied first!)

The app is served on 127.0.0.1 by werkzeug's server with a pool of 8 threads (like gunicorn's
gthread worker: threads are reused, so the PDF renderer's per-thread fonts and CSS are too)
and driven by 1 and then 8 concurrent clients (each a clerk with an open till). A "sale" is three requests: add a line
(POST /postal/cart), pay (POST /postal/sale: it renders and stores the receipt), fetch the
receipt PDF. Then:

- receipt endpoint p50/p95 when it renders (the stored copy forgotten first, so the endpoint
  takes its render path) against core's raw render of the same receipt
  (core.documents.render_pdf in-process, no HTTP, no database); target p50 <= 1.5x raw;
- re-fetch of an already issued receipt (a stored, immutable PDF); target < 10 ms.

CSRF is off for the bench clients (the e2e test covers it). Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from machine import cpu_model  # bench/machine.py, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-password-123"


def machine() -> list[str]:
    return [f"cpu        {cpu_model()}", f"cores      {os.cpu_count()}",
            f"python     {platform.python_version()} ({platform.python_implementation()})",
            f"platform   {platform.platform()}"]


class Client:
    """A browser-like HTTP client: one keep-alive connection and its session cookie."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes]:
        headers = {"Accept-Language": "en"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                self.cookie = value.split(";", 1)[0]
        self.location = response.getheader("Location") or ""
        return response.status, data


def pooled_server(app, threads: int = 8):
    """werkzeug's server with a fixed pool of threads, as gunicorn's gthread worker has.

    ``make_server(threaded=True)`` starts a new thread for every connection, and the PDF
    renderer keeps its fonts and parsed CSS per thread: every request would pay for them.
    """
    from concurrent.futures import ThreadPoolExecutor

    from werkzeug.serving import BaseWSGIServer

    class PooledServer(BaseWSGIServer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.pool = ThreadPoolExecutor(threads)

        def process_request(self, request, client_address):
            self.pool.submit(self._handle, request, client_address)

        def _handle(self, request, client_address):
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    return PooledServer("127.0.0.1", 0, app)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def setup(url: str, clerks: int):
    import flask_migrate

    from core import create_app
    from core import services as core_services
    from core.auth.permissions import sync_builtin_roles
    from core.extensions import db
    from plugins.postal import demo

    config = {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
              "SESSION_COOKIE_SECURE": False, "SECRET_KEY": "bench-" + "x" * 30,
              "CTC_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False}
    app = create_app(config)
    with app.app_context():
        if url.startswith("postgres"):
            with db.engine.begin() as conn:
                conn.execute(db.text("DROP SCHEMA public CASCADE"))
                conn.execute(db.text("CREATE SCHEMA public"))
        flask_migrate.upgrade(revision="heads")
        sync_builtin_roles()
        center = core_services.create_center(code="BN-01", name_en="Bench CTC",
                                             name_km="មជ្ឈមណ្ឌល", province_code="12")
        demo.load(center, db.session)
        for n in range(clerks):
            user = core_services.create_user(username=f"clerk{n}", password=PASSWORD,
                                             full_name=f"Clerk {n}")
            core_services.grant_role(user, center, "clerk")
        goods_id = demo_goods_id(db, center)
        db.session.commit()
    return app, goods_id


def demo_goods_id(db, center) -> int:
    from plugins.postal.models import Goods

    goods = db.session.execute(db.select(Goods).filter_by(center_id=center.id,
                                                          code="STAMP-2000")).scalar_one()
    goods.stock = 10**9
    return goods.id


def run_clients(port: int, goods_id: int, clients: int, sales_each: int, first_clerk: int):
    receipt_ms: list[float] = []
    refetch_ms: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def work(n: int):
        c = Client(port)
        c.request("POST", "/login", {"username": f"clerk{first_clerk + n}", "password": PASSWORD})
        c.request("POST", "/postal/till/open", {"counter": "1", "float_khr": "0",
                                                "float_usd": "0"})
        mine, again = [], []
        barrier.wait()
        for _ in range(sales_each):
            status, _ = c.request("POST", "/postal/cart", {"goods_id": goods_id, "quantity": 1,
                                                           "addressee_country": "KH"})
            status2, _ = c.request("POST", "/postal/sale", {"tendered_khr": "5,000",
                                                            "paper": "receipt-80mm"})
            if status != 302 or status2 != 302 or "/postal/sales/" not in c.location:
                with lock:
                    errors.append(f"sale failed: {status} {status2}")
                continue
            path = urllib.parse.urlparse(c.location).path + "/receipt.pdf"
            t = time.perf_counter()
            status, body = c.request("GET", path)
            mine.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            c.request("GET", path)
            again.append((time.perf_counter() - t) * 1000)
            if status != 200 or not body.startswith(b"%PDF"):
                with lock:
                    errors.append(f"receipt failed: {status}")
        with lock:
            receipt_ms.extend(mine)
            refetch_ms.extend(again)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return elapsed, receipt_ms, refetch_ms, errors


def compare_receipts(app, port: int, goods_id: int, clerk: int, runs: int):
    """Interleaved, so that load on the machine hits both sides alike: for each of ``runs``
    fresh sales, core's raw render of its receipt (core.documents.render_pdf in-process, the
    context built beforehand: no HTTP, no database), then the endpoint's first fetch (HTTP,
    auth, queries, render, store), then a re-fetch of the stored receipt.

    The sale itself now renders and stores its receipt; to time the endpoint's own render
    path, the bench forgets each stored receipt (a bench database, never a real one) before
    the first fetch. ``sale`` holds the whole POST /postal/sale, render included."""
    from core import documents
    from core.extensions import db
    from plugins.postal import printing
    from plugins.postal.models import Sale

    c = Client(port)
    c.request("POST", "/login", {"username": f"clerk{clerk}", "password": PASSWORD})
    c.request("POST", "/postal/till/open", {"counter": "2", "float_khr": "0", "float_usd": "0"})
    raw, endpoint, again, sales = [], [], [], []
    for _ in range(runs):
        c.request("POST", "/postal/cart", {"goods_id": goods_id, "quantity": 2,
                                           "addressee_country": "KH"})
        t = time.perf_counter()
        c.request("POST", "/postal/sale", {"tendered_khr": "10,000", "tendered_usd": "1",
                                           "paper": "receipt-80mm"})
        sales.append((time.perf_counter() - t) * 1000)
        path = urllib.parse.urlparse(c.location).path
        sale_id = int(path.rstrip("/").rsplit("/", 1)[1])
        with app.test_request_context("/", base_url="http://127.0.0.1/"):
            sale = db.session.get(Sale, sale_id)
            context = printing.receipt_context(sale, "http://127.0.0.1/")
            t = time.perf_counter()
            documents.render_pdf("postal/receipt.html", context, sale.paper)
            raw.append((time.perf_counter() - t) * 1000)
            db.session.execute(db.update(Sale).where(Sale.id == sale_id)
                               .values(receipt_pdf=None))
            db.session.commit()
            db.session.remove()
        t = time.perf_counter()
        status, body = c.request("GET", path + "/receipt.pdf")
        endpoint.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        c.request("GET", path + "/receipt.pdf")
        again.append((time.perf_counter() - t) * 1000)
        assert status == 200 and body.startswith(b"%PDF")
    return raw, endpoint, again, sales


def refetch_in_process(app, runs: int) -> tuple[list[float], list[float]]:
    """The app's own cost of serving a stored receipt, without the HTTP server."""
    from core.extensions import db
    from plugins.postal.models import Sale

    client = app.test_client()
    client.post("/login", data={"username": "clerk0", "password": PASSWORD})
    with app.app_context():
        sale_id = db.session.execute(db.select(Sale.id).where(
            Sale.receipt_pdf.is_not(None)).order_by(Sale.id)).scalars().first()
    path = f"/postal/sales/{sale_id}/receipt.pdf"
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        response = client.get(path)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        assert response.status_code == 200
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=40, help="sales per run (default 40)")
    parser.add_argument("--compare", type=int, default=30,
                        help="sales for the interleaved receipt comparison (default 30)")
    args = parser.parse_args()
    url = os.environ.get("POSTAL_BENCH_DATABASE_URL", "")
    tmp = tempfile.TemporaryDirectory()
    if not url:
        url = "sqlite:///" + str(Path(tmp.name) / "bench.sqlite3")
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    print("postal bench")
    print("\n".join(machine()))
    print(f"load avg   {os.getloadavg()[0]:.2f} at start")
    print(f"database   {url.split('@')[-1] if '@' in url else url.split(':')[0]}")
    app, goods_id = setup(url, clerks=1 + 8)
    server = pooled_server(app, threads=8)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    try:
        first = 0
        for clients in (1, 8):
            each = max(1, args.sales // clients)
            # warm-up: one sale (imports, first render, caches)
            run_clients(port, goods_id, 1, 1, first_clerk=first) if clients == 1 else None
            elapsed, receipts, refetch, errors = run_clients(
                port, goods_id, clients, each, first_clerk=first if clients == 1 else 1)
            first = 1
            done = len(receipts)
            print(f"\n{clients} client(s): {done} sales in {elapsed:.2f} s = "
                  f"{done / elapsed:.1f} sales/s (add line + pay + receipt PDF)"
                  + (f"  ERRORS: {len(errors)} e.g. {errors[0]}" if errors else ""))
            print(f"  receipt PDF (stored by the sale): p50 {pct(receipts, .5):.1f} ms  "
                  f"p95 {pct(receipts, .95):.1f} ms")
            print(f"  receipt PDF, re-fetch:    p50 {pct(refetch, .5):.1f} ms  "
                  f"p95 {pct(refetch, .95):.1f} ms")
        raw, endpoint, again, sales = compare_receipts(app, port, goods_id, clerk=0,
                                                       runs=args.compare)
        p50_ep, p50_raw, p50_again = pct(endpoint, .5), pct(raw, .5), pct(again, .5)
        print(f"\nreceipt, interleaved over {len(raw)} sales (1 client):")
        print(f"  POST /postal/sale (records, numbers, renders, stores): "
              f"p50 {pct(sales, .5):.1f} ms  p95 {pct(sales, .95):.1f} ms")
        print(f"  core raw render:        p50 {p50_raw:.1f} ms  p95 {pct(raw, .95):.1f} ms")
        print(f"  endpoint, first fetch:  p50 {p50_ep:.1f} ms  p95 {pct(endpoint, .95):.1f} ms"
              f"  -> {p50_ep / p50_raw:.2f}x raw "
              f"(target <= 1.5x: {'met' if p50_ep <= 1.5 * p50_raw else 'NOT met'})")
        print(f"  endpoint, re-fetch:     p50 {p50_again:.1f} ms  p95 {pct(again, .95):.1f} ms"
              f"  (target < 10 ms: {'met' if p50_again < 10 else 'NOT met'})")
        wall, cpu = refetch_in_process(app, runs=100)
        print(f"  re-fetch through the WSGI app in-process (no socket, no HTTP server): "
              f"p50 {pct(wall, .5):.1f} ms wall, {statistics.mean(cpu):.1f} ms CPU")
        print(f"load average at the end: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} cores)")
    finally:
        server.shutdown()
        thread.join(5)
        tmp.cleanup()


if __name__ == "__main__":
    main()
