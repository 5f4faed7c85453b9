"""Bad input never crashes.

A wrong query parameter or path gets a clear German message on an HTML page with the
right 4xx status (400 for invalid values, 404 for unknown things, 405 for wrong methods),
never a 500 and never a stack trace; unknown extra parameters are ignored; and nothing
stored changes. Runs against SQLite and, with CATALOGUE_TEST_DATABASE_URL, PostgreSQL
(which refuses NUL characters in query parameters: a classic source of 500s).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import Change, Keyword, Organisation, Participation, Project, Revision, SlugRedirect
from catalogue.schemas import ProjectInputSchema
from catalogue.services import change_status, update_project

from conftest import project_data

#: Text that must never reach a visitor: stack traces and internals of the libraries.
LEAKS = ("Traceback", 'File "/', "sqlalchemy", "psycopg", "Werkzeug Debugger", "\x00")

#: A published profile of the seed data, and one of its keywords.
SEED_SLUG = "gemeinsames-standesamt-beilngries"
SEED_KEYWORD = "standesamt"

LONG = "x" * 10_000
MANY_DIGITS = "9" * 5_000  # longer than Python's int() accepts by default


def check(response, status: int) -> str:
    """The response has ``status``, is HTML and leaks nothing; returns the body."""
    body = response.get_data(as_text=True)
    assert response.status_code == status, (response.request.full_path[:200], response.status_code, body[:600])
    assert response.mimetype == "text/html"
    for leak in LEAKS:
        assert leak not in body, leak
    return body


def check_error_page(response, status: int) -> str:
    """An error page: right status, a message that says what went wrong, links back."""
    body = check(response, status)
    lead = re.search(r'<p class="lead">(.*?)</p>', body, re.S)
    assert lead and lead.group(1).strip(), "the error page explains the problem"
    heading = {400: "Ungültige Anfrage", 404: "Seite nicht gefunden", 405: "Fehler 405"}[status]
    assert f"<h1>{heading}</h1>" in body
    if status == 405:
        assert "nicht möglich" in lead.group(1)
    assert 'href="/projekte"' in body and 'href="/stichworte"' in body and 'href="/"' in body
    assert "Ein interner Fehler" not in body and "Statuscode 500" not in body
    return body


def lead_text(body: str) -> str:
    return re.search(r'<p class="lead">(.*?)</p>', body, re.S).group(1)


def card_titles(body: str) -> list[str]:
    return re.findall(r'class="card__title"><a href="/projekte/[^"]+">([^<]+)</a>', body)


def fingerprint() -> dict:
    """What is stored: row counts of every table plus each profile's identity and version."""
    db.session.expire_all()
    counts = {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }
    projects = db.session.execute(
        select(Project.slug, Project.status, Project.version, Project.updated_at, Project.title).order_by(Project.id)
    ).all()
    return {"counts": counts, "projects": [tuple(row) for row in projects]}


# ---------------------------------------------------------------- invalid filter values: 400

INVALID_QUERIES = [
    # unknown codes in the choice filters
    ("land=XX", "land"),
    ("land=DE-XX", "land"),
    ("land=Nordrhein-Westfalen", "land"),
    ("land=DE-NW&land=DE-ZZ", "land"),
    ("land=%C3%28", "land"),  # invalid UTF-8
    ("land=DE-NW%00", "land"),
    ("land=DE-NW%0A", "land"),
    ("land=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "land"),
    ("art=unbekannt", "art"),
    ("art=municipality&art=nonsense", "art"),
    ("art=%00", "art"),
    ("art=%F0%9F%98%80", "art"),
    ("sort=zufall", "sort"),
    ("sort=titel%00", "sort"),
    ("sort=titel;DROP%20TABLE%20projects", "sort"),
    # years
    *[
        (f"seit_von={value}", "seit_von")
        for value in ("0", "-1", "10000", "1e9", "abc", "2020.5", "1899", "2101", "%00", MANY_DIGITS)
    ],
    *[
        (f"seit_bis={value}", "seit_bis")
        for value in ("0", "-1", "10000", "1e9", "abc", "2020.5", "1899", "2101", "%00", MANY_DIGITS)
    ],
    ("seit_von=2021&seit_bis=2000", "seit_von"),
    ("seit_von=2100&seit_bis=1900", "seit_von"),
    # page number and page size
    *[
        (f"seite={value}", "seite")
        for value in ("0", "-1", "1e9", "abc", "1.5", "100001", "99999999999999999999", "%00", "1%00", MANY_DIGITS)
    ],
    *[(f"pro_seite={value}", "pro_seite") for value in ("0", "-1", "10000", "1e9", "abc", "101", "%00", MANY_DIGITS)],
    # text filters longer than any stored value can be
    (f"stichwort={LONG}", "stichwort"),
    (f"kreis={LONG}", "kreis"),
    (f"rechtsform={LONG}", "rechtsform"),
    # a valid filter does not excuse an invalid one next to it
    ("stichwort=Standesamt&land=DE-NW&seite=abc", "seite"),
]


READABLE = {
    "stichwort": "Stichwort",
    "land": "Land",
    "kreis": "Kreis",
    "rechtsform": "Rechtsform",
    "art": "Beteiligte",
    "seit_von": "Zusammenarbeit seit, von Jahr",
    "seit_bis": "Zusammenarbeit seit, bis Jahr",
    "sort": "Sortierung",
    "seite": "Seite",
    "pro_seite": "Einträge pro Seite",
}


@pytest.mark.parametrize(("query", "parameter"), INVALID_QUERIES, ids=lambda v: v[:40] if isinstance(v, str) else v)
def test_invalid_filter_values_get_a_400_page_naming_the_parameter(client, query, parameter):
    # Validation comes before any query, so the data does not matter here.
    body = check_error_page(client.get(f"/projekte?{query}"), 400)
    message = lead_text(body)
    assert message.startswith("Ungültiger Filter – ")
    # the field as people call it ("Land"), not the parameter's index ("land.0")
    assert f"{READABLE[parameter]}: " in message and f"{parameter}." not in message, message
    assert "<script>" not in body


def test_the_400_page_says_what_is_wrong_in_german(seeded, client):
    assert "Jahr zwischen 1900 und 2100" in lead_text(check(client.get("/projekte?seit_von=10000"), 400))
    assert "Seitenzahl als Zahl erwartet" in lead_text(check(client.get("/projekte?seite=abc"), 400))
    assert "Zwischen 1 und 100" in lead_text(check(client.get("/projekte?pro_seite=10000"), 400))
    assert "Unbekanntes Land" in lead_text(check(client.get("/projekte?land=XX"), 400))
    assert "„seit“-Jahr von darf nicht nach „bis“ liegen" in lead_text(
        check(client.get("/projekte?seit_von=2021&seit_bis=2000"), 400)
    )


# ---------------------------------------------------------------- pages that do not exist: 404


@pytest.mark.parametrize(
    "query", ["seite=2&pro_seite=100", "seite=10000", "seite=100000", "seite=3&stichwort=Standesamt"]
)
def test_a_page_beyond_the_last_is_a_404_that_says_how_many_there_are(seeded, client, query):
    body = check_error_page(client.get(f"/projekte?{query}"), 404)
    assert re.search(r"Seite \d+ gibt es nicht; die Liste hat 1 Seite\(n\)\.", lead_text(body))


def test_the_last_page_itself_is_fine(seeded, client):
    body = check(client.get("/projekte?pro_seite=5&seite=4"), 200)  # 19 profiles: pages 1..4
    assert len(card_titles(body)) == 4
    check_error_page(client.get("/projekte?pro_seite=5&seite=5"), 404)


def test_the_first_page_of_an_empty_result_is_not_an_error(seeded, client):
    body = check(client.get("/projekte?stichwort=gibt-es-nicht&seite=1"), 200)
    assert "Keine Projekte passen zu diesen Filtern." in body
    check_error_page(client.get("/projekte?stichwort=gibt-es-nicht&seite=2"), 404)


# ---------------------------------------------------------------- input that is legitimately fine: 200

FINE_QUERIES = [
    # blank values mean "no filter"
    *[
        f"{name}={value}"
        for name in ("seit_von", "seit_bis", "seite", "pro_seite", "land", "art", "sort", "stichwort")
        for value in ("", "%20", "+")
    ],
    # numbers with surrounding spaces are still numbers
    "seit_von=%202000%20&seit_bis=2030",
    "seite=1&pro_seite=100",
    # tracking and other unknown parameters are ignored
    "utm_source=newsletter&utm_medium=email&fbclid=abc",
    f"utm_source={LONG}",
    f"{LONG}=1",
    "%00=1",
    "%ZZ=%ZZ",
    # free text in text filters: no match, no error
    "stichwort=%ZZ",
    "stichwort=%C3%28",
    "stichwort=%00",
    "stichwort=a%00b%01c%1F%7F",
    "kreis=%00",
    "rechtsform=%00x",
    "kreis=Kreis%0ACoesfeld",
    "stichwort=%F0%9F%98%80%F0%9F%8F%B3%EF%B8%8F%E2%80%8D%F0%9F%8C%88",
    "stichwort=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7%E2%80%AE",  # Arabic with RTL override
    "stichwort=%E2%80%AEtlimaK",
    "stichwort=%27%20OR%20%271%27%3D%271",
    "stichwort=%27%3B%20DROP%20TABLE%20projects%3B--",
    "kreis=%22%29%20OR%201%3D1--",
    "rechtsform=%25",
    "stichwort=%25%25%25_",
    "stichwort=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "kreis=%3Cscript%3Ealert(1)%3C%2Fscript%3E&rechtsform=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
]


@pytest.mark.parametrize("query", FINE_QUERIES, ids=lambda v: v[:40])
def test_harmless_input_is_answered_normally(seeded, client, query):
    # empty parameters are dropped by a redirect first (a shared address carries only choices)
    body = check(client.get(f"/projekte?{query}", follow_redirects=True), 200)
    assert "<h1>Projekte</h1>" in body
    assert "<script>" not in body and "<img src=x" not in body


@pytest.mark.parametrize(
    "query",
    [
        "stichwort=%27%20OR%20%271%27%3D%271",
        "stichwort=%27%3B%20DROP%20TABLE%20projects%3B--",
        "kreis=%22%29%20OR%201%3D1--",
        "rechtsform=%25",
        "stichwort=%25%25%25_",
        "stichwort=%00",
        "stichwort=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ],
)
def test_sql_like_text_is_just_text(seeded, client, query):
    """Nothing is interpreted: the filter matches no profile instead of all of them."""
    assert "19 Projekte" in check(client.get("/projekte"), 200)
    body = check(client.get(f"/projekte?{query}"), 200)
    assert "0 Projekte" in body and card_titles(body) == []


def test_unknown_parameters_do_not_change_the_result(seeded, client):
    plain = check(client.get("/projekte?stichwort=Standesamt"), 200)
    tracked = check(client.get("/projekte?stichwort=Standesamt&utm_source=x&ref=abc&seite_x=9"), 200)
    assert card_titles(plain) == card_titles(tracked) and len(card_titles(plain)) == 3


@pytest.mark.parametrize(
    "extra",
    [
        "_scheme=https",
        "_scheme=javascript&_external=1",
        "_external=1",
        "_anchor=x",
        "_method=POST",
        "endpoint=public.home",
        "values=1",
        "utm_source=x",
    ],
)
def test_unknown_parameters_named_like_url_for_arguments_do_not_break_pagination(seeded, client, extra):
    """The pagination links are built from the query; parameters that happen to share a name
    with url_for()'s own arguments (_scheme, _anchor, endpoint...) must not reach it."""
    body = check(client.get(f"/projekte?pro_seite=2&art=municipality&{extra}"), 200)
    links = re.findall(r'<nav class="pagination".*?</nav>', body, re.S)
    assert links, "several pages, so there is a pagination"
    hrefs = re.findall(r'href="([^"]+)"', links[0])
    assert hrefs and all(h.startswith("/projekte?") for h in hrefs), hrefs
    assert all("_scheme" not in h and "#" not in h and "endpoint" not in h for h in hrefs), hrefs
    assert all("pro_seite=2" in h and "art=municipality" in h for h in hrefs), hrefs


def test_unicode_filter_values_are_shown_back_correctly(make_project, client):
    make_project(keywords=["Klimaschutz 🌍", "مرحبا"])
    for name in ("Klimaschutz 🌍", "مرحبا"):
        body = check(client.get("/projekte?stichwort=" + quote(name)), 200)
        assert card_titles(body) == ["Gemeinsames Standesamt Musterstadt"]
        assert f'name="stichwort" value="{name}" checked>' in body


def test_many_repeated_parameters(seeded, client):
    keywords = "&".join(f"stichwort=k{i}" for i in range(500)) + "&stichwort=Standesamt"
    body = check(client.get(f"/projekte?{keywords}"), 200)
    assert "Standesamt Untere Lenne" in card_titles(body)
    check(client.get("/projekte?" + "&".join(["land=DE-SN"] * 500)), 200)
    check(client.get("/projekte?" + "&".join(["art=municipality"] * 500)), 200)
    check(client.get("/projekte?" + "&".join(["kreis=Kreis%20Coesfeld"] * 500)), 200)
    check(client.get("/projekte?" + "&".join(f"utm_{i}=x" for i in range(500))), 200)
    # the last of repeated single values counts; one bad one among many is still reported
    check(client.get("/projekte?" + "&".join(["seite=1"] * 500)), 200)
    check_error_page(client.get("/projekte?" + "&".join(["land=DE-SN"] * 499 + ["land=XX"])), 400)


# ---------------------------------------------------------------- unknown and malformed paths: 404

SLUG_PREFIXES = ["/projekte/", "/organisationen/", "/stichworte/"]
BAD_SLUGS = [
    "gibt-es-nicht",
    "%ZZ",
    "%00",
    "a%00b",
    "%01",
    "tab%09tab",
    "line%0Abreak",
    "%7F",
    "%C2%85",  # C1 control
    "%C3%28",  # invalid UTF-8
    "%ED%A0%80",  # encoded surrogate
    "%F0%9F%98%80",
    "%E2%80%AEtlimak",
    "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7",
    "%27%20OR%20%271%27%3D%271",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%25",
    "..",
    "%2E%2E",
    "..%2F..%2Fetc%2Fpasswd",
    "a" * 10_000,
    "a" * 201,
    "a%00" * 2_000,
]


@pytest.mark.parametrize("slug", BAD_SLUGS, ids=lambda v: v[:30])
@pytest.mark.parametrize("prefix", SLUG_PREFIXES)
def test_unknown_and_malformed_slugs_are_404_pages(client, prefix, slug):
    # The lookup runs against the database whether or not it holds data.
    body = check_error_page(client.get(prefix + slug), 404)
    assert "<script>" not in body


def test_a_nul_in_a_slug_leaves_the_database_usable(seeded, client):
    """PostgreSQL refuses NUL in a parameter and would abort the transaction; the next
    request on the same application must still work."""
    for prefix in SLUG_PREFIXES:
        check_error_page(client.get(prefix + "%00"), 404)
        check(client.get("/projekte"), 200)
    check(client.get(f"/projekte/{SEED_SLUG}"), 200)


UNKNOWN_PATHS = [
    "/nix",
    "/projekte/",
    "/organisationen/",
    "/stichworte/",
    f"/projekte/{SEED_SLUG}/",
    f"/stichworte/{SEED_KEYWORD}/",
    f"/projekte/{SEED_SLUG}/bearbeiten",
    "/projekte/../organisationen",
    "/projekte/%2E%2E/organisationen",
    "/static/../catalogue/config.py",
    "/static/%2E%2E/config.py",
    "/static/..%2F..%2Fpyproject.toml",
    "/static/gibt-es-nicht.css",
    "/projekte%00",
    "/%00",
    "/%ZZ",
    "/" + "x" * 10_000,
    "/.env",
    "/wp-login.php",
    "/wp-admin/",
    "/cgi-bin/test.cgi",
]


@pytest.mark.parametrize("path", UNKNOWN_PATHS, ids=lambda v: v[:40])
def test_unknown_paths_are_404_pages_with_links_back(client, path):
    body = check_error_page(client.get(path), 404)
    assert "Diese Seite gibt es nicht (mehr)." in body


def test_a_real_slug_next_to_the_bad_ones_works(seeded, client):
    """Guard for the 404 tests: the same prefixes with real slugs are pages."""
    organisation = db.session.scalar(select(Organisation.slug).join(Participation).order_by(Organisation.slug).limit(1))
    for path in (f"/projekte/{SEED_SLUG}", f"/organisationen/{organisation}", f"/stichworte/{SEED_KEYWORD}"):
        check(client.get(path), 200)


# ---------------------------------------------------------------- drafts and archived profiles


@pytest.fixture
def hidden_profile(make_project):
    """A profile with its own organisation and keyword, so each is reachable only through it."""

    def factory(status: str):
        return make_project(
            status=status,
            title="Verborgene Zusammenarbeit Nirgendwo",
            keywords=["Nur hier"],
            participants=[{"role": "lead", "organisation": {"name": "Gemeinde Nirgendwo", "state": "DE-BY"}}],
        )

    return factory


def _hidden_paths(project) -> list[str]:
    organisation = project.participations[0].organisation
    keyword = project.keywords[0]
    return [f"/projekte/{project.slug}", f"/organisationen/{organisation.slug}", f"/stichworte/{keyword.slug}"]


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_draft_and_archived_profiles_are_404(hidden_profile, client, status):
    project = hidden_profile(status)
    for path in _hidden_paths(project):
        check_error_page(client.get(path), 404)
    body = check(client.get("/projekte"), 200)
    assert "Verborgene Zusammenarbeit" not in body
    check_error_page(client.get("/projekte?seite=2"), 404)  # the hidden profile counts for no page


def test_the_same_profile_published_is_visible(hidden_profile, client):
    """Control for the test above: the 404s come from the status, not from the data."""
    for path in _hidden_paths(hidden_profile("published")):
        check(client.get(path), 200)


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_an_old_slug_of_a_hidden_profile_does_not_redirect(make_project, client, status):
    project = make_project(slug="alter-name")
    update_project(project, ProjectInputSchema().load(project_data(slug="neuer-name")), "test")
    db.session.commit()
    assert client.get("/projekte/alter-name").status_code == 301  # published: the redirect works
    change_status(project, status, "test")
    db.session.commit()
    for path in ("/projekte/alter-name", "/projekte/neuer-name"):
        response = client.get(path)
        assert "Location" not in response.headers
        if status == "draft":
            check_error_page(response, 404)
        else:  # it was public: gone (410, catalogue.opendata.addresses), with ways on
            body = check(response, 410)
            assert "nicht mehr im Katalog" in body and 'href="/projekte"' in body


# ---------------------------------------------------------------- stored markup is escaped


def test_markup_in_stored_text_and_in_filters_is_escaped(make_project, client):
    project = make_project(
        title="<script>alert('titel')</script> Kooperation",
        summary="<img src=x onerror=alert(1)>",
        keywords=["<script>k</script>"],
        participants=[
            {
                "role": "lead",
                "organisation": {"name": "<b>Gemeinde</b> Test", "state": "DE-NW", "district": "<i>Kreis</i>"},
            }
        ],
    )
    keyword = project.keywords[0]
    organisation = project.participations[0].organisation
    pages = [
        "/",
        "/projekte",
        f"/projekte/{project.slug}",
        f"/stichworte/{keyword.slug}",
        "/stichworte",
        f"/organisationen/{organisation.slug}",
        "/organisationen",
        "/projekte?stichwort=" + quote("<script>k</script>"),
        "/projekte?kreis=" + quote("<i>Kreis</i>"),
    ]
    for path in pages:
        body = check(client.get(path), 200)
        assert "<script>" not in body and "<img src=x" not in body and "<b>Gemeinde</b>" not in body, path
        assert "<i>Kreis</i>" not in body, path
    # the escaped text is really there (the filter matched the profile)
    body = check(client.get("/projekte?stichwort=" + quote("<script>k</script>")), 200)
    assert "&lt;script&gt;alert(&#39;titel&#39;)&lt;/script&gt; Kooperation" in body
    assert "&lt;script&gt;k&lt;/script&gt;" in body


# ---------------------------------------------------------------- methods


def _public_paths() -> list[str]:
    organisation = db.session.scalar(select(Organisation.slug).join(Participation).order_by(Organisation.slug).limit(1))
    return [
        "/",
        "/projekte",
        f"/projekte/{SEED_SLUG}",
        "/organisationen",
        f"/organisationen/{organisation}",
        "/stichworte",
        f"/stichworte/{SEED_KEYWORD}",
    ]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"])
def test_other_methods_on_public_pages_are_405_pages(seeded, client, method):
    before = fingerprint()
    for path in _public_paths():
        response = client.open(path, method=method, data={"title": "überschrieben", "status": "archived"})
        check_error_page(response, 405)
    assert fingerprint() == before


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_other_methods_on_unknown_paths_are_404_pages(client, method):
    check_error_page(client.open("/gibt-es-nicht", method=method), 404)
    check_error_page(client.open("/projekte/gibt-es-nicht/loeschen", method=method), 404)


def test_head_requests(seeded, client):
    for path in _public_paths():
        response = client.head(path)
        assert response.status_code == 200, path
        assert response.mimetype == "text/html"
        assert response.data == b""
        assert int(response.headers["Content-Length"]) == len(client.get(path).data)
    for path, status in [
        ("/projekte/gibt-es-nicht", 404),
        ("/projekte/%00", 404),
        ("/projekte?seite=abc", 400),
        ("/projekte?seite=99", 404),
        ("/nix", 404),
    ]:
        response = client.head(path)
        assert response.status_code == status, path
        assert response.mimetype == "text/html"
        assert response.data == b""


# ---------------------------------------------------------------- nothing stored changes


def test_bad_requests_change_nothing_stored(seeded, client):
    before = fingerprint()
    assert before["counts"]["projects"] == 19
    requests = (
        [f"/projekte?{query}" for query, _ in INVALID_QUERIES]
        + [f"/projekte?{query}" for query in FINE_QUERIES]
        + [prefix + slug for prefix in SLUG_PREFIXES for slug in BAD_SLUGS]
        + UNKNOWN_PATHS
    )
    for url in requests:
        response = client.get(url)
        assert response.status_code < 500, url[:200]
    for path in _public_paths():
        client.post(path, data={"status": "archived"})
        client.delete(path)
    assert fingerprint() == before
    assert db.session.scalar(select(func.count()).select_from(Change)) == before["counts"]["changes"]
    assert db.session.scalar(select(func.count()).select_from(Revision)) == before["counts"]["revisions"]
    assert db.session.scalar(select(func.count()).select_from(SlugRedirect)) == before["counts"]["slug_redirects"]
    assert db.session.scalar(select(func.count()).select_from(Keyword)) == before["counts"]["keywords"]
