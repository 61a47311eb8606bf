"""Concurrent sales on PostgreSQL: receipt numbers and S10 serials never gap or repeat."""

import threading
import time

import pytest

import tests.conftest
from core.extensions import db
from plugins.postal.models import Sale, TillSession
from plugins.postal.models_items import Item
from tests.plugins.postal.conftest import ADDRESSEE, SENDER

pytestmark = pytest.mark.skipif(not tests.conftest.ON_POSTGRES,
                                reason="row locks under concurrency need PostgreSQL")

THREADS, SALES_EACH = 6, 4


def test_concurrent_sales_get_gapless_receipts_and_unique_s10(app, counter):
    from plugins.postal.services_sales import create_sale
    from plugins.postal.services_till import open_till

    with app.app_context():
        tills = []
        for n in range(THREADS):  # one till per counter: the clerk works at six counters
            tills.append(open_till(db.session, counter.center, counter.clerk,
                                   counter=str(n + 1)).id)
        db.session.commit()
        reg_id = counter.service("REG").id
    barrier = threading.Barrier(THREADS)
    errors = []

    def work(till_id):
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(SALES_EACH):
                    till = db.session.get(TillSession, till_id)
                    create_sale(db.session, counter.center, till, counter.clerk,
                                [{"service_id": reg_id, "weight_g": 20, **SENDER, **ADDRESSEE}],
                                tendered_khr=6_000, rate=4100)
                    db.session.commit()
            except Exception as exc:  # reported below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(t,)) for t in tills]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with app.app_context():
        numbers = sorted(int(n[-6:]) for n in db.session.execute(db.select(Sale.number)).scalars())
        serials = [c for c in db.session.execute(db.select(Item.s10)).scalars()]
    assert numbers == list(range(1, THREADS * SALES_EACH + 1))
    assert len(set(serials)) == len(serials) == THREADS * SALES_EACH
    assert sorted(int(s[2:10]) for s in serials) == list(
        range(int(min(serials)[2:10]), int(min(serials)[2:10]) + THREADS * SALES_EACH))


def test_simultaneous_partial_refunds_never_give_back_more_than_was_sold(app, counter):
    """Two managers refund 2 of the same 3 envelopes at once: the sale row lock makes the
    second one see the first, so it is refused and takes no receipt number."""
    from plugins.postal.services_sales import SaleError, create_sale, refund_sale
    from plugins.postal.services_till import open_till

    with app.app_context():
        till = open_till(db.session, counter.center, counter.clerk)
        sale = create_sale(db.session, counter.center, till, counter.clerk,
                           [{"goods_id": counter.goods("ENV-C5").id, "quantity": 3}],
                           tendered_khr=2_000, rate=4100)
        tills = [open_till(db.session, counter.center, counter.manager, counter=str(n)).id
                 for n in (7, 8)]
        db.session.commit()
        sale_id, line_id = sale.id, sale.lines[0].id
    barrier = threading.Barrier(2)
    done, refused, errors = [], [], []

    def work(till_id):
        with app.app_context():
            try:
                till = db.session.get(TillSession, till_id)
                original = db.session.get(Sale, sale_id)
                barrier.wait()
                refund = refund_sale(db.session, counter.center, original, till,
                                     counter.manager, "torn", quantities={line_id: 2})
                db.session.commit()
                done.append(refund.number)
            except SaleError as exc:
                refused.append(exc.field)
                db.session.rollback()
            except Exception as exc:  # reported below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(t,)) for t in tills]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(done) == 1 and refused == [f"qty_{line_id}"]  # "Only 1 of ... can still be"
    with app.app_context():
        assert db.session.get(Sale, sale_id).status == "partial"
        numbers = sorted(int(n[-6:]) for n in db.session.execute(db.select(Sale.number)).scalars())
    assert numbers == [1, 2]


def test_a_refund_and_a_dispatch_of_the_same_item_at_once(app, counter):
    """A manager refunds a registered letter while a clerk records its dispatch: the item
    row lock orders them, so either the letter is refunded and the dispatch refused, or
    it is dispatched and the refund refused; never both (nor a receipt number taken by
    the refused refund)."""
    from plugins.postal.services_items import ItemCancelled, ItemError, record_event
    from plugins.postal.services_sales import SaleError, create_sale, refund_sale
    from plugins.postal.services_till import open_till

    # seconds each side waits after the barrier, round by round: both orders and the
    # moments in between (the item was read before the barrier, so it may be stale)
    delays = [(0, 0), (0, 0.01), (0, 0.05), (0, 0.2), (0.01, 0), (0.05, 0)]
    rounds = len(delays)
    with app.app_context():
        till = open_till(db.session, counter.center, counter.clerk)
        sales = [create_sale(db.session, counter.center, till, counter.clerk,
                             [{"service_id": counter.service("REG").id, "weight_g": 20,
                               **SENDER, **ADDRESSEE}], tendered_khr=6_000, rate=4100)
                 for _ in range(rounds)]
        refund_till = open_till(db.session, counter.center, counter.manager, counter="9").id
        db.session.commit()
        pairs = [(sale.id, sale.lines[0].items[0].id) for sale in sales]
    outcomes, errors = [], []

    def refund(sale_id, code, barrier, out, delay):
        with app.app_context():
            try:
                original = db.session.get(Sale, sale_id)
                till = db.session.get(TillSession, refund_till)
                barrier.wait()
                time.sleep(delay)
                refund_sale(db.session, counter.center, original, till, counter.manager,
                            "not sent", items=[code])
                db.session.commit()
                out.append("refunded")
            except SaleError as exc:
                db.session.rollback()
                # "Item ... has left the counter" (in the default language, Khmer, here)
                out.append("refund refused" if exc.field.startswith("qty_") else exc)
            except Exception as exc:  # reported below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    def dispatch(item_id, barrier, out, delay):
        with app.app_context():
            try:
                item = db.session.get(Item, item_id)
                barrier.wait()
                time.sleep(delay)
                record_event(db.session, counter.center, item, "dispatched", office="PP")
                db.session.commit()
                out.append("dispatched")
            except ItemError as exc:
                db.session.rollback()
                out.append("dispatch refused" if isinstance(exc, ItemCancelled) else exc)
            except Exception as exc:  # reported below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    for (sale_id, item_id), (refund_delay, dispatch_delay) in zip(pairs, delays, strict=True):
        with app.app_context():
            code = db.session.get(Item, item_id).s10
        barrier, out = threading.Barrier(2), []
        threads = [threading.Thread(target=refund,
                                    args=(sale_id, code, barrier, out, refund_delay)),
                   threading.Thread(target=dispatch,
                                    args=(item_id, barrier, out, dispatch_delay))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert sorted(map(str, out)) in (["dispatch refused", "refunded"],
                               ["dispatched", "refund refused"]), out
        outcomes.append("refunded" in out)
        with app.app_context():
            item = db.session.get(Item, item_id)
            kinds = [e.kind for e in item.events]
            expected = "refunded" if "refunded" in out else "dispatched"
            assert item.status == expected and kinds == ["accepted", expected]
    with app.app_context():
        numbers = sorted(int(n[-6:]) for n in db.session.execute(db.select(Sale.number)).scalars())
    assert numbers == list(range(1, rounds + sum(outcomes) + 1))  # no gap
