"""Tenancy: a user of center B never reaches center A's records.

The walker is generic: it takes every rule of ``app.url_map`` with an integer argument,
fills it with ids of rows only center A owns, and requests it as a center-B user who holds
every permission there. Plugins' routes are covered as soon as they are registered.
"""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from werkzeug.routing import AnyConverter, IntegerConverter

from core import demo
from core.extensions import db
from core.tenancy import Center, center_owned_models
from tests.conftest import Factory, login
from tests.core.throwaway.fixtures import fast_hashing  # noqa: F401

MAX_REQUESTS = 600
MAX_COMBINATIONS_PER_RULE = 12
NOT_RECORD_PARAMS = {"year": 2026, "month": 1, "day": 1, "page": 1, "per_page": 10, "week": 1}
# the demo's user of its second center (a manager there)
B_USER, B_PASSWORD = next((u, pw) for u, _name, role, pw in demo.DEMO_USERS_SECOND
                          if role == "manager")

pytestmark = pytest.mark.usefixtures("fast_hashing")


# -- the data: what center A owns that center B does not --------------------------------


def center_tables() -> list[sa.Table]:
    """Tables whose rows belong to a center: every CenterOwned model, and any table with a
    ``center_id`` column (audit rows, switches, memberships) - plus ``center`` itself."""
    tables = {m.__table__.name: m.__table__ for m in center_owned_models()}
    for table in db.metadata.tables.values():
        if "center_id" in table.c:
            tables.setdefault(table.name, table)
    return [tables[name] for name in sorted(tables)]


def _int_pk(table: sa.Table):
    pks = list(table.primary_key.columns)
    if len(pks) == 1 and isinstance(pks[0].type, sa.Integer):
        return pks[0]
    return None


def rows_of(center_id: int) -> dict[str, list[tuple]]:
    snapshot = {}
    for table in center_tables():
        pk = _int_pk(table)
        order = [pk] if pk is not None else list(table.c)
        rows = db.session.execute(
            sa.select(table).where(table.c.center_id == center_id).order_by(*order)
        ).all()
        snapshot[table.name] = [tuple(r) for r in rows]
    center = db.session.execute(sa.select(Center.__table__).where(Center.id == center_id)).one()
    snapshot["center"] = [tuple(center)]
    return snapshot


def exclusive_ids(a_id: int, b_id: int) -> dict[str, list[int]]:
    """Per table, ids of center A's rows that no center-B row uses in any table."""
    of_a: dict[str, list[int]] = {"center": [a_id]}
    used_by_b: set[int] = {b_id}
    for table in center_tables():
        pk = _int_pk(table)
        if pk is None:
            continue
        ids_a = db.session.execute(sa.select(pk).where(table.c.center_id == a_id)).scalars()
        of_a[table.name] = sorted(ids_a)
        used_by_b |= set(db.session.execute(
            sa.select(pk).where(table.c.center_id == b_id)).scalars())
    return {name: [i for i in ids if i not in used_by_b] for name, ids in of_a.items()}


# -- the walk ---------------------------------------------------------------------------


def candidates(param: str, exclusive: dict[str, list[int]]) -> list[int]:
    if param.endswith("_id") and len(param) > 3:
        stem = param[:-3]
        matching = [ids[:3] for name, ids in exclusive.items() if name.endswith(stem) and ids]
        if matching:
            return list(dict.fromkeys(itertools.chain.from_iterable(matching)))
    return list(dict.fromkeys(ids[0] for ids in exclusive.values() if ids))


def string_value(app, param: str, converter) -> str:
    if param in {"name", "plugin"}:
        return sorted(app.extensions["ctc"].manifests)[0]
    if param == "lang":
        return "en"
    return "x"


def plan(app, exclusive, only=None) -> list[list[tuple]]:
    """Per rule with an integer argument: the (method, url, rule) requests to make."""
    adapter = app.url_map.bind("localhost")
    plans = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        if only is not None and not only(rule):
            continue
        ints = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        record_params = [n for n in ints if n not in NOT_RECORD_PARAMS]
        if not record_params:
            continue
        choices = [candidates(n, exclusive) for n in record_params]
        fixed = {n: NOT_RECORD_PARAMS[n] for n in ints if n in NOT_RECORD_PARAMS}
        others = [n for n in rule.arguments if n not in ints]
        # every choice of an any(...) argument (a step, a format); one value for the rest
        variants = [sorted(c.items) if isinstance(c := rule._converters.get(n), AnyConverter)
                    else [string_value(app, n, c)] for n in others]
        combos = itertools.islice(itertools.product(*choices), MAX_COMBINATIONS_PER_RULE)
        methods = [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m in rule.methods]
        requests = []
        for combo, variant in itertools.product(list(combos), itertools.product(*variants)):
            values = dict(fixed, **dict(zip(record_params, combo, strict=True)),
                          **dict(zip(others, variant, strict=True)))
            url = adapter.build(rule.endpoint, values, method=methods[0])
            requests.extend((method, url, rule) for method in methods)
        plans.append(requests)
    return plans


def within_budget(plans: list[list[tuple]], budget: int) -> list[tuple]:
    """Round-robin over the rules, so every rule is requested before any gets a second try."""
    chosen = []
    for batch in itertools.zip_longest(*plans):
        for request in batch:
            if request is not None and len(chosen) < budget:
                chosen.append(request)
    return chosen


def walk(app, client, exclusive, a_names, max_requests=MAX_REQUESTS, only=None):
    """Request every rule with an integer argument; return (problems, number of requests)."""
    problems = []
    requests = within_budget(plan(app, exclusive, only), max_requests)
    for method, url, rule in requests:
        response = client.open(url, method=method, data={}, headers={"Accept-Language": "en"})
        status = response.status_code
        allowed = {404}
        if getattr(app.view_functions[rule.endpoint], "ctc_deployer", False):
            allowed |= {302, 403}
        if status == 302 and "/login" in response.headers.get("Location", ""):
            allowed.add(302)
        if status not in allowed:
            problems.append(f"{method} {url} ({rule.endpoint}) answered {status}")
        body = response.get_data(as_text=True)
        leaked = [name for name in a_names if name in body]
        if leaked:
            problems.append(f"{method} {url} ({rule.endpoint}) shows {leaked}")
    return problems, len(requests)


def demo_centers(app):
    """Centers A (PP-01) and B (SR-01) with the demo data of core and every plugin."""
    from core.plugins import enabled_plugins, set_plugin_enabled

    with app.app_context():
        demo.load()
        db.session.commit()
        a = db.session.execute(db.select(Center).filter_by(code="PP-01")).scalar_one()
        b = db.session.execute(db.select(Center).filter_by(code="SR-01")).scalar_one()
        everything = set(app.extensions["ctc"].manifests)
        if enabled_plugins(a) != everything or enabled_plugins(b) != everything:
            # plugins off by default: switch them on and load their demo data too
            for center in (a, b):
                for name in app.extensions["ctc"].order:
                    set_plugin_enabled(center, name, True)
            demo.load()
            db.session.commit()
        return a.id, b.id, [a.name_en, a.name_km]


def b_client(app):
    from core.auth.models import User
    from core.auth.permissions import user_permissions

    client = app.test_client()
    login(client, B_USER, B_PASSWORD)
    with app.test_request_context():
        user = db.session.execute(db.select(User).filter_by(username=B_USER)).scalar_one()
        center = db.session.execute(db.select(Center).filter_by(code="SR-01")).scalar_one()
        assert not user.is_deployer
        assert [c.code for c in user.centers()] == ["SR-01"]
        assert user_permissions(user, center) == set(app.extensions["ctc"].permissions), (
            "the center-B user must hold every permission there")
    return client


def run_walk(app, setup=demo_centers, only=None):
    a_id, b_id, a_names = setup(app)
    client = b_client(app)
    with app.app_context():
        exclusive = exclusive_ids(a_id, b_id)
        before = rows_of(a_id)
    problems, count = walk(app, client, exclusive, a_names, only=only)
    with app.app_context():
        db.session.remove()
        after = rows_of(a_id)
    changed = sorted(name for name in before if before[name] != after.get(name))
    assert client.get("/").status_code == 200, "the walk must not sign the user out"
    return problems, changed, count, exclusive


def test_no_url_reaches_another_centers_records(make_app):
    app = make_app()
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles

        sync_builtin_roles()
        db.session.commit()
    problems, changed, count, exclusive = run_walk(app)
    assert not problems, "center B reached center A's records:\n" + "\n".join(problems)
    assert not changed, f"requests of a center-B user changed center A's rows in {changed}"
    assert count > 0 and exclusive["center"]


def test_the_walker_finds_a_leak(make_app):
    """The walker is not vacuous: a view that forgets the center check is reported."""
    from core.auth import permission_required
    from tests.core.throwaway.fixtures import installed
    from tests.core.throwaway.models import note_model

    def leaky_note(note_id):
        row = db.session.get(note_model(), note_id)
        if row is None:
            return "none", 404
        return f"note {row.text}"

    def two_centers_with_notes(app):
        from core import services

        with app.app_context():
            a = services.create_center(code="PP-01", name_en="Alpha Phnom Penh",
                                       name_km="អាល់ហ្វា", province_code="12")
            b = services.create_center(code="SR-01", name_en="Beta Siem Reap",
                                       name_km="បេតា", province_code="17")
            user = services.create_user(username=B_USER, password=B_PASSWORD)
            services.grant_role(user, b, "manager")
            Note = note_model()  # noqa: N806
            # enough of A's notes that some ids are used by no row of B in any table
            db.session.add_all([Note(center_id=b.id, text="note of SR-01")]
                               + [Note(center_id=a.id, text="note of PP-01") for _ in range(40)])
            db.session.commit()
            return a.id, b.id, [a.name_en, "note of PP-01"]

    def throwaway_rules(rule):
        return rule.endpoint.startswith("throwaway.") or rule.endpoint == "leaky_note"

    with installed(make_app) as app:
        app.add_url_rule("/leaky/<int:note_id>", "leaky_note",
                         permission_required("throwaway.use")(leaky_note))
        problems, changed, _count, exclusive = run_walk(
            app, setup=two_centers_with_notes, only=throwaway_rules)
    assert exclusive["throwaway_note"], "the throwaway demo data gives A its own note"
    assert any("(leaky_note) answered 200" in p for p in problems), problems
    assert any("(leaky_note) shows ['note of PP-01']" in p for p in problems), problems
    # the throwaway plugin's own detail page uses get_or_404 and passes
    assert not any("throwaway.note" in p for p in problems), problems
    assert not changed


# -- direct checks ----------------------------------------------------------------------


@pytest.fixture
def two_centers(app):
    factory = Factory(app)
    a = factory.center("AA-01", name_en="Alpha Center Kampot", name_km="មជ្ឈមណ្ឌលអាល់ហ្វា")
    b = factory.center("BB-01", name_en="Beta Center Kratie", name_km="មជ្ឈមណ្ឌលបេតា")
    factory.user("alpha", center_id=a, role="manager")
    factory.user("beta", center_id=b, role="manager")
    return a, b


def test_switching_to_a_center_you_are_not_a_member_of_is_404(client, two_centers):
    a, b = two_centers
    login(client, "beta")
    assert client.post("/center", data={"center_id": a}).status_code == 404
    assert client.post("/center", data={"center_id": 999999}).status_code == 404
    assert client.post("/center", data={"center_id": b}).status_code == 302
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Beta Center Kratie" in page and "Alpha Center" not in page


def test_the_audit_viewer_never_shows_another_centers_entries(app, client, two_centers):
    a, _b = two_centers
    with app.app_context():
        from core import audit

        audit.record("secret_thing", center_id=a, object_type="alpha_only", object_id="42",
                     changes={"note": "alpha-secret-value"})
        db.session.commit()
    login(client, "beta")
    html = client.get("/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "BB-01" in html  # B's own creation is there
    for leak in ("AA-01", "alpha-secret-value", "alpha_only", "secret_thing", "Alpha Center"):
        assert leak not in html
    for query in ("?object_type=alpha_only", "?action=secret_thing", "?user=alpha"):
        html = client.get("/audit" + query).get_data(as_text=True)
        assert "alpha-secret-value" not in html and "AA-01" not in html


def test_a_center_b_dashboard_never_shows_center_a_names(client, two_centers):
    login(client, "beta")
    for lang in ("en", "km"):
        html = client.get("/", headers={"Accept-Language": lang}).get_data(as_text=True)
        assert "Alpha Center Kampot" not in html and "មជ្ឈមណ្ឌលអាល់ហ្វា" not in html
        assert "AA-01" not in html


def test_a_deployer_sees_every_center_a_member_only_theirs(app, client, two_centers):
    factory = Factory(app)
    factory.user("root", deployer=True)
    login(client, "root")
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "AA-01" in html and "BB-01" in html  # the center switcher lists both


def test_a_member_of_two_centers_switches_between_them(app, client, two_centers):
    from core import services
    from core.auth.models import User

    a, b = two_centers
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(username="beta")).scalar_one()
        services.grant_role(user, db.session.get(Center, a), "clerk")
        db.session.commit()
    login(client, "beta")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="center-switcher"' in page
    client.post("/center", data={"center_id": b})
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1" in page and "Beta Center Kratie</h1>" in page
    client.post("/center", data={"center_id": a})
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Alpha Center Kampot</h1>" in page
    # at A the user is a clerk: the manager's screens are closed there
    assert client.get("/audit").status_code == 403


def test_centers_use_cambodias_25_provinces():
    from core.tenancy import PROVINCES, province_choices

    assert len(PROVINCES) == 25
    names = dict(province_choices("en"))
    assert names["12"] == "Phnom Penh" and names["17"].replace(" ", "") == "Siemreap"
    assert all(name for _code, name in province_choices("km"))
