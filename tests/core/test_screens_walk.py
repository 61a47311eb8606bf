"""Every screen answers, in Khmer and in English, and no empty form makes a 500.

The walker is generic, like the tenancy walker beside it: it takes every rule of
``app.url_map``, fills its integer arguments with ids of rows the user's own center owns
(the demo data of core and every plugin), and requests it as that center's manager, who
holds every permission there. GET pages are asked for in Khmer and English; forms are
posted empty (the worst input a form can get). Plugins' routes are covered as soon as they
are registered.
"""

from __future__ import annotations

import itertools
import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import AnyConverter, IntegerConverter

from core.extensions import db
from tests.conftest import login
from tests.core.test_tenancy import (
    NOT_RECORD_PARAMS,
    b_client,
    candidates,
    center_tables,
    demo_centers,
    string_value,
)
from tests.core.throwaway.fixtures import fast_hashing  # noqa: F401

pytestmark = pytest.mark.usefixtures("fast_hashing")

#: Requests that would end the walk rather than test a screen.
SKIP = {"auth.logout"}
PER_RULE = 3
KHMER = re.compile("[\u1780-\u17ff]")


def own_ids(center_id: int) -> dict[str, list[int]]:
    """Per table, the ids of the rows ``center_id`` owns (the center itself under 'center')."""
    ids: dict[str, list[int]] = {"center": [center_id]}
    for table in center_tables():
        pks = list(table.primary_key.columns)
        if len(pks) != 1 or not isinstance(pks[0].type, sa.Integer):
            continue
        ids[table.name] = list(db.session.execute(
            sa.select(pks[0]).where(table.c.center_id == center_id).order_by(pks[0])
            .limit(PER_RULE)).scalars())
    return ids


def requests_for(app, ids) -> list[tuple[str, str, str]]:
    """(method, url, endpoint): every rule, its integer arguments filled from ``ids``."""
    adapter = app.url_map.bind("localhost")
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or rule.endpoint.endswith(".static") or rule.endpoint in SKIP:
            continue
        ints = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        records = [n for n in ints if n not in NOT_RECORD_PARAMS]
        fixed = {n: NOT_RECORD_PARAMS[n] for n in ints if n in NOT_RECORD_PARAMS}
        others = [n for n in rule.arguments if n not in ints]
        variants = [sorted(c.items) if isinstance(c := rule._converters.get(n), AnyConverter)
                    else [string_value(app, n, c)] for n in others]
        combos = itertools.islice(itertools.product(*[candidates(n, ids) for n in records]),
                                  PER_RULE)
        methods = [m for m in ("GET", "POST") if m in rule.methods]
        for combo, variant in itertools.product(list(combos), itertools.product(*variants)):
            values = dict(fixed, **dict(zip(records, combo, strict=True)),
                          **dict(zip(others, variant, strict=True)))
            url = adapter.build(rule.endpoint, values, method=methods[0] if methods else None)
            out.extend((method, url, rule.endpoint) for method in methods)
    return out


def walk(app, client, plan, relogin) -> tuple[list[str], int]:
    """Request ``plan``; return (problems, HTML pages seen)."""
    problems, pages = [], 0
    # GETs first, then the empty POSTs (which may change what later pages show)
    for method, url, endpoint in sorted(plan, key=lambda r: r[0] != "GET"):
        for lang in (("km", "en") if method == "GET" else ("km",)):
            response = client.open(url, method=method, data={},
                                   headers={"Accept-Language": lang})
            status = response.status_code
            if status >= 500:
                problems.append(f"{method} {url} ({endpoint}, {lang}) answered {status}")
                continue
            if method == "GET" and status == 200 and response.mimetype == "text/html":
                pages += 1
                html = response.get_data(as_text=True)
                if f'lang="{lang}"' not in html:
                    problems.append(f"GET {url} ({endpoint}) is not marked lang={lang}")
                elif lang == "km" and not KHMER.search(html):
                    problems.append(f"GET {url} ({endpoint}) has no Khmer text in Khmer")
        if "/login" in client.get("/").headers.get("Location", ""):
            problems.append(f"{method} {url} ({endpoint}) signed the user out")
            client = relogin()
    return problems, pages


def kind_of(app, endpoint: str) -> str:
    view = app.view_functions[endpoint]
    for kind in ("deployer", "centerless", "public"):
        if getattr(view, f"ctc_{kind}", False):
            return kind
    return "center"


def test_every_screen_answers_in_both_languages_and_no_empty_form_fails(make_app):
    """Three users walk the screens made for them: center B's manager (every permission
    there) every center screen, the deployer the deployer's screens, a DCC member (no
    center) the member's own."""
    from core.demo import DEMO_USERS
    from plugins.dcc import demo as dcc_demo

    app = make_app(PROPAGATE_EXCEPTIONS=False)  # a failing view answers 500: list them all
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles

        sync_builtin_roles()
        db.session.commit()
    _a_id, b_id, _names = demo_centers(app)
    with app.app_context():
        ids = own_ids(b_id)
    plan = requests_for(app, ids)
    deployer, deployer_password = next((u, pw) for u, _n, role, pw in DEMO_USERS if role is None)
    member = dcc_demo.MEMBERS[0][0]  # signs in with the contact it registered with
    def signed_in(username, password):
        def sign_in():
            client = app.test_client()
            login(client, username, password)
            return client
        return sign_in

    passes = [
        (lambda: b_client(app), {"center", "public"}),
        (signed_in(deployer, deployer_password), {"deployer"}),
        (signed_in(member, "member-demo-2026"), {"centerless"}),
    ]
    problems, pages = [], 0
    for sign_in, kinds in passes:
        client = sign_in()
        found, seen = walk(app, client, [r for r in plan if kind_of(app, r[2]) in kinds],
                           sign_in)
        problems += found
        pages += seen
    assert not problems, "\n".join(problems)
    assert pages > 100, f"only {pages} screens were reached: is the demo data loaded?"
