"""Assets: tag numbers, serial numbers unique per center, history of every change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError

from core import clock
from core.extensions import db
from plugins.inventory import services
from plugins.inventory.models import Asset, AssetEvent
from tests.conftest import ON_POSTGRES
from tests.plugins.inventory.conftest import asset_data


def test_tags_follow_the_center_sequence(ctx):
    center, officer = ctx
    a = services.create_asset(db.session, center, asset_data(serial="A1"), user=officer)
    b = services.create_asset(db.session, center, asset_data(serial="A2"), user=officer)
    db.session.commit()
    assert (a.tag, b.tag) == ("PP-01-00001", "PP-01-00002")
    assert a.cost_minor == 45000 and a.currency == "USD"


def test_serial_is_unique_per_center_but_not_across_centers(ctx, factory):
    center, officer = ctx
    services.create_asset(db.session, center, asset_data(serial="SN-1"), user=officer)
    with pytest.raises(services.InventoryError) as err:
        services.create_asset(db.session, center, asset_data(serial="SN-1"), user=officer)
    assert err.value.field == "serial"
    # blank serials never clash
    services.create_asset(db.session, center, asset_data(serial=""), user=officer)
    services.create_asset(db.session, center, asset_data(serial=""), user=officer)
    db.session.commit()
    from core.tenancy import Center

    other = db.session.get(Center, factory.center("SR-01"))
    asset = services.create_asset(db.session, other, asset_data(serial="SN-1"))
    db.session.commit()
    assert asset.tag == "SR-01-00001"


def test_the_database_refuses_a_duplicate_serial_in_one_center(ctx):
    center, _officer = ctx
    db.session.add(Asset(center_id=center.id, tag="X-1", category="desktop", location="store",
                         serial="DUP"))
    db.session.add(Asset(center_id=center.id, tag="X-2", category="desktop", location="store",
                         serial=""))
    db.session.add(Asset(center_id=center.id, tag="X-3", category="desktop", location="store",
                         serial=""))
    db.session.commit()
    db.session.add(Asset(center_id=center.id, tag="X-4", category="desktop", location="store",
                         serial="DUP"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_every_change_is_in_the_history_with_who_and_what(ctx):
    center, officer = ctx
    asset = services.create_asset(db.session, center, asset_data(serial="H1"), user=officer)
    db.session.commit()
    services.update_asset(db.session, asset, asset_data(serial="H1", location="store",
                                                        condition="fair"), user=officer)
    db.session.commit()
    events = db.session.execute(sa.select(AssetEvent).where(AssetEvent.asset_id == asset.id)
                                .order_by(AssetEvent.id)).scalars().all()
    assert events[0].action == "created" and events[0].user_id == officer.id
    changes = {(e.field, e.old_value, e.new_value) for e in events[1:]}
    assert changes == {("location", "computer_lab", "store"), ("condition", "good", "fair")}
    assert all(e.user_id == officer.id for e in events)


def test_bad_values_are_refused_with_the_field(ctx):
    center, _ = ctx
    for data, field in [(asset_data(category="spaceship"), "category"),
                        (asset_data(location="moon"), "location"),
                        (asset_data(cost="abc"), "cost"),
                        (asset_data(purchase_date="15/01/2026"), "purchase_date"),
                        (asset_data(currency="EUR"), "currency")]:
        with pytest.raises(services.InventoryError) as err:
            services.create_asset(db.session, center, data)
        assert err.value.field == field


def test_loan_status_cannot_be_typed(ctx):
    center, _ = ctx
    asset = services.create_asset(db.session, center, asset_data())
    with pytest.raises(services.InventoryError):
        services.update_asset(db.session, asset, asset_data(status="on_loan"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(serials=st.lists(st.sampled_from(["", "S1", "S2", "S3", "S4", "BAD"]), min_size=1, max_size=12))
def test_tag_numbers_never_repeat_nor_skip(ctx, serials):
    """Whatever mix of accepted and refused registrations, tags stay unique and gapless."""
    center, _ = ctx
    db.session.execute(sa.delete(AssetEvent))
    db.session.execute(sa.delete(Asset))
    db.session.commit()
    before = db.session.execute(sa.select(sa.func.count()).select_from(Asset)).scalar()
    assert before == 0
    made = []
    for serial in serials:
        data = asset_data(serial=serial, category="bad" if serial == "BAD" else "desktop")
        try:
            made.append(services.create_asset(db.session, center, data))
        except services.InventoryError:
            pass
    db.session.commit()
    numbers = [int(a.tag.rsplit("-", 1)[1]) for a in made]
    assert len(set(numbers)) == len(numbers)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers else True


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises writers")
def test_simultaneous_registrations_never_share_a_tag(app, ctx):
    import threading

    center, _ = ctx
    center_id = center.id
    barrier = threading.Barrier(3)
    tags, errors = [], []

    def register(worker):
        from core.tenancy import Center

        with app.app_context():
            try:
                c = db.session.get(Center, center_id)
                barrier.wait(timeout=10)
                for i in range(4):
                    asset = services.create_asset(db.session, c, asset_data(serial=f"W{worker}-{i}"))
                    db.session.commit()
                    tags.append(asset.tag)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(tags) == [f"PP-01-{n:05d}" for n in range(1, 13)]


def test_workflow_statuses_cannot_be_registered(ctx):
    """Only a check-out sets "on loan" and only a repair ticket "under repair"."""
    from flask_babel import force_locale

    center, _ = ctx
    for status in ("on_loan", "under_repair", "On loan", "under repair"):
        with pytest.raises(services.InventoryError) as err:
            services.create_asset(db.session, center, asset_data(status=status))
        assert err.value.field == "status"
    with force_locale("en"):
        with pytest.raises(services.InventoryError) as err:
            services.create_asset(db.session, center, asset_data(status="under_repair"))
        assert "Only a repair ticket" in str(err.value)
    with pytest.raises(services.InventoryError):
        services.clean_asset_data(asset_data(status="on_loan"), creating=True)
    assert services.clean_asset_data(asset_data(status="retired"), creating=True)["status"] == \
        "retired"
    assert db.session.execute(sa.select(sa.func.count(Asset.id))).scalar() == 0


def test_the_new_asset_form_offers_no_workflow_status(app):
    from plugins.inventory.forms import AssetForm

    with app.test_request_context():
        codes = [choice.value for choice in AssetForm().status.choices]
    assert "in_service" in codes and "retired" in codes
    assert "on_loan" not in codes and "under_repair" not in codes


def test_the_new_asset_screen_refuses_a_posted_workflow_status(client, officer_id):
    from tests.conftest import login

    login(client, "sophea")
    page = client.post("/inventory/assets/new", headers={"Accept-Language": "en"},
                       data={"category": "desktop", "location": "computer_lab",
                             "condition": "good", "status": "under_repair", "currency": "USD"})
    assert page.status_code == 200  # the form comes back with its error, nothing registered
    assert "Not a valid choice" in page.get_data(as_text=True)
    with client.application.app_context():
        assert db.session.execute(sa.select(sa.func.count(Asset.id))).scalar() == 0


def test_an_edit_cannot_leave_a_workflow_status_while_its_loan_or_ticket_is_open(ctx):
    from plugins.inventory import loans, repairs

    center, officer = ctx
    lent = services.create_asset(db.session, center, asset_data(serial="L1"))
    loan = loans.check_out(db.session, center, lent, borrower_kind="community",
                           borrower_name="Dara", due_on=clock.today(center),
                           condition_out="good")
    for status in ("in_service", "retired", "lost"):
        with pytest.raises(services.InventoryError) as err:
            services.update_asset(db.session, lent, asset_data(serial="L1", status=status))
        assert err.value.field == "status"
    assert lent.status == "on_loan"
    broken = services.create_asset(db.session, center, asset_data(serial="B1"))
    ticket = repairs.open_ticket(db.session, center, broken, problem="No power")
    assert broken.status == "under_repair"
    with pytest.raises(services.InventoryError):
        services.update_asset(db.session, broken, asset_data(serial="B1", status="in_service"))
    # an in-service asset cannot be typed into a workflow status either
    other = services.create_asset(db.session, center, asset_data(serial="O1"))
    with pytest.raises(services.InventoryError):
        services.update_asset(db.session, other, asset_data(serial="O1", status="under_repair"))
    # other fields still change while the status stays
    services.update_asset(db.session, lent, asset_data(serial="L1", status="on_loan",
                                                       notes="charger lent too"))
    assert lent.notes == "charger lent too"
    # once the loan and the ticket are over, the asset is free again
    loans.check_in(db.session, loan, condition_in="good")
    repairs.advance(db.session, ticket, "unrepairable")
    services.update_asset(db.session, broken, asset_data(serial="B1", status="retired"))
    assert (lent.status, broken.status) == ("in_service", "retired")


def test_an_asset_stuck_in_a_workflow_status_can_be_freed(ctx):
    """A status left without its loan or ticket (older data) can be edited back."""
    center, _ = ctx
    asset = services.create_asset(db.session, center, asset_data())
    asset.status = "on_loan"
    db.session.flush()
    services.update_asset(db.session, asset, asset_data(status="in_service"))
    assert asset.status == "in_service"


def test_history_reads_well_custodian_names_photos_and_initial_values(client, ctx, factory):
    import io

    from PIL import Image

    from tests.conftest import login

    center, officer = ctx
    other_id = factory.user("dara", center_id=center.id, role="clerk")
    from core.auth.models import User

    other = db.session.get(User, other_id)
    other.full_name = "Dara Chan"
    asset = services.create_asset(db.session, center, asset_data(serial="HX", custodian_id=officer.id),
                                  user=officer)
    db.session.commit()
    created = db.session.execute(sa.select(AssetEvent).where(
        AssetEvent.asset_id == asset.id, AssetEvent.action == "created")).scalar_one()
    initial = dict(line.split("=", 1) for line in created.new_value.splitlines())
    assert initial["serial"] == "HX" and initial["location"] == "computer_lab"
    assert initial["custodian_id"] == str(officer.id) and initial["cost_minor"] == "45000"
    services.update_asset(db.session, asset, asset_data(serial="HX", custodian_id=other_id),
                          user=officer)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    photo = services.add_photo(db.session, asset, buf.getvalue(), "front.png", user=officer)
    db.session.flush()
    services.remove_photo(db.session, photo, user=officer)
    db.session.commit()
    actions = [e.action for e in db.session.execute(sa.select(AssetEvent).where(
        AssetEvent.asset_id == asset.id).order_by(AssetEvent.id)).scalars()]
    assert actions == ["created", "changed", "photo_added", "photo_removed"]
    asset_id = asset.id
    login(client, "sophea")
    html = client.get(f"/inventory/assets/{asset_id}", headers={"Accept-Language": "en"}
                      ).get_data(as_text=True)
    history = html.split('id="asset-history"', 1)[1]
    assert "Dara Chan" in history and "Photo added" in history and "Photo removed" in history
    assert "front.png" in history and "Serial number: HX" in history
    assert f"<td>{other_id}</td>" not in history


def test_a_removed_photos_file_goes_only_when_the_removal_commits(ctx):
    import io

    from PIL import Image

    from plugins.inventory.models import AssetPhoto

    center, officer = ctx
    asset = services.create_asset(db.session, center, asset_data(serial="PH"), user=officer)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    photo = services.add_photo(db.session, asset, buf.getvalue(), "front.png", user=officer)
    db.session.commit()
    path, photo_id = services.photo_path(photo), photo.id
    assert path.is_file()
    services.remove_photo(db.session, photo, user=officer)
    assert path.is_file()  # not before the commit
    db.session.rollback()
    assert path.is_file() and db.session.get(AssetPhoto, photo_id) is not None
    services.remove_photo(db.session, db.session.get(AssetPhoto, photo_id), user=officer)
    db.session.commit()
    assert not path.exists() and db.session.get(AssetPhoto, photo_id) is None


def test_a_photo_whose_upload_rolls_back_leaves_no_file(ctx):
    import io

    from PIL import Image

    center, officer = ctx
    asset = services.create_asset(db.session, center, asset_data(serial="PH2"), user=officer)
    db.session.commit()
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buf, "PNG")
    photo = services.add_photo(db.session, asset, buf.getvalue(), "back.png", user=officer)
    path = services.photo_path(photo)
    assert path.is_file()
    db.session.rollback()
    assert not path.exists()
