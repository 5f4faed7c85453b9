"""HTTP behaviour of the API beyond single endpoints: errors never in HTML, CORS only for
reads, conditional requests everywhere, tokens on reads, token bookkeeping."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select

from catalogue import create_app
from catalogue.extensions import db
from catalogue.models import ApiToken

from .api_helpers import API, problem_of, read

ORIGIN = {"Origin": "https://portal.example"}


@pytest.mark.parametrize(
    "path",
    [
        "/api",
        "/api/",
        "/api/v2/projects",
        "/api/v1/nix/da",
        "/api/v1/projects/",
        "/api/v1/projects/x/y",
        "/api/v1/keywords/",
        "/api/v1/openapi.json/x",
    ],
)
def test_unknown_api_paths_are_problem_json(client, path):
    problem_of(client.get(path), 404)


def test_api_redirects_carry_no_html(client, make_project):
    response = client.get("/api/v1")
    assert response.status_code == 308 and response.headers["Location"].endswith("/api/v1/")
    assert response.get_data() == b"" and "Content-Type" not in response.headers


def test_server_errors_are_problem_json_without_internals(tmp_path):
    """A real failure (the database has no tables): 500 as problem+json, no SQL, no traceback."""
    broken = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "INDEX_DIR": str(tmp_path / "ix")})
    client = broken.test_client()
    for path in ("/projects", "/changes", "/keywords", "/organisations/stadt-x"):
        response = client.get(API + path)
        body = problem_of(response, 500)
        assert "SELECT" not in response.get_data(as_text=True) and body["instance"] == API + path
    # The full-text search fails too; its 503 names no internals either.
    response = client.get(f"{API}/projects?q=Standesamt")
    body = problem_of(response, 503)
    assert "SQL" not in body["detail"] and "sqlite" not in body["detail"].lower()
    assert int(response.headers["Retry-After"]) >= 30  # ours, or the rate window's end if later
    with broken.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/projects"),
        ("PUT", "/projects/x"),
        ("PATCH", "/projects/x"),
        ("DELETE", "/projects/x"),
        ("POST", "/projects/x/publish"),
        ("POST", "/organisations"),
        ("PUT", "/organisations/x"),
    ],
)
def test_a_write_preflight_from_another_origin_gets_no_cors_grant(client, method, path):
    response = client.options(
        API + path,
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )
    assert not [h for h in response.headers.keys() if h.lower().startswith("access-control-")], response.headers


def test_a_read_preflight_is_granted_and_empty(client):
    response = client.options(
        f"{API}/projects/x",
        headers={**ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "if-none-match"},
    )
    assert response.status_code == 204 and response.get_data() == b"" and "Content-Type" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "POST" not in response.headers["Access-Control-Allow-Methods"]
    assert "if-none-match" in response.headers["Access-Control-Allow-Headers"].lower()


def test_every_get_has_validators_and_answers_304(client, make_project):
    """The endpoints test_read does not cover: suggestions, the docs page, HEAD, CSV with Accept."""
    make_project(keywords=["Klima"])
    for path, headers in (
        ("/suggest?q=Klim", {}),
        ("/", {}),
        ("/projects.csv", {"Accept": "text/csv"}),
        ("/organisations?page=2", {}),
    ):
        first = read(client.get(API + path, headers=headers))
        assert first.status_code == 200, path
        assert first.headers["ETag"] and first.headers["Last-Modified"], path
        assert (
            read(client.get(API + path, headers={**headers, "If-None-Match": first.headers["ETag"]})).status_code == 304
        )
        assert (
            read(
                client.get(API + path, headers={**headers, "If-Modified-Since": first.headers["Last-Modified"]})
            ).status_code
            == 304
        )
        head = read(client.head(API + path, headers=headers))
        assert head.status_code == 200 and head.headers["ETag"] == first.headers["ETag"] and head.get_data() == b""
    problem_of(client.get(f"{API}/projects.csv", headers={"Accept": "application/json"}), 406)


def test_public_reads_are_one_answer_for_every_client(client, make_project):
    """No session cookie and no Vary: Cookie on the API: a CDN may serve one cached answer to all."""
    make_project()
    for url in (f"{API}/projects", f"{API}/keywords", f"{API}/projects/gemeinsames-standesamt-musterstadt"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Cookie" not in response.vary and "Set-Cookie" not in response.headers, url
    assert "Cookie" in client.get("/projekte").vary  # the site's pages do depend on the cookie (language)


def test_a_bad_token_is_refused_on_reads_too(client, make_project, editor, revoked):
    make_project()
    for headers in ({"Authorization": "Bearer ikz_ausgedacht"}, revoked, {"Authorization": "Basic eDp5"}):
        response = client.get(f"{API}/projects", headers=headers)
        problem_of(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # A valid token reads, and its answers are private (they may show drafts).
    response = client.get(f"{API}/projects", headers=editor)
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    assert "public" in client.get(f"{API}/projects").headers["Cache-Control"]


def _last_used(app, prefix: str):
    """last_used_at as another connection sees it, i.e. committed."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            return connection.execute(select(ApiToken.last_used_at).where(ApiToken.prefix == prefix)).scalar_one()
    finally:
        engine.dispose()


def test_a_token_records_its_last_use_on_reads_and_failed_writes(app, client, make_token, make_project):
    project = make_project()
    reader = make_token("editor", username="leserin")
    writer = make_token("editor", username="schreiber")
    reader_prefix = reader["Authorization"].split()[1][:12]
    writer_prefix = writer["Authorization"].split()[1][:12]
    assert _last_used(app, reader_prefix) is None and _last_used(app, writer_prefix) is None
    assert client.get(f"{API}/projects", headers=reader).status_code == 200
    assert _last_used(app, reader_prefix) is not None
    # A write that is refused (no If-Match) still counts as a use of the token.
    problem_of(client.patch(f"{API}/projects/{project.slug}", json={"summary": "x"}, headers=writer), 428)
    assert _last_used(app, writer_prefix) is not None
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken).where(ApiToken.prefix == writer_prefix)).last_used_at is not None


def test_tokens_from_the_command_line_write_until_revoked(runner, client, make_project):
    """create-token prints a token that writes through the API; revoke-token ends that at once."""
    project = make_project()
    created = runner.invoke(
        args=["create-user", "portal", "--role", "editor", "--password-stdin"], input="ein langes Passwort\n"
    )
    assert created.exit_code == 0, created.output
    result = runner.invoke(args=["create-token", "portal", "--name", "Landesportal"])
    assert result.exit_code == 0, result.output
    headers = {"Authorization": f"Bearer {result.output.splitlines()[0]}"}
    url = f"{API}/projects/{project.slug}"
    etag = client.get(url).headers["ETag"]
    changed = client.patch(url, json={"summary": "Vom Portal."}, headers={**headers, "If-Match": etag})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    prefix = headers["Authorization"].split()[1][:12]
    assert runner.invoke(args=["revoke-token", prefix]).exit_code == 0
    problem_of(
        client.patch(url, json={"summary": "Noch einmal."}, headers={**headers, "If-Match": changed.headers["ETag"]}),
        401,
    )
    assert client.get(url).get_json()["summary"] == "Vom Portal."


@pytest.mark.parametrize(
    "query,field,message",
    [
        ("page=abc", "page", "Ganze Zahl erwartet."),
        ("per_page=1000", "per_page", "Zahl von 1 bis 100 erwartet."),
        ("state=XX", "state.0", "Erlaubt: DE-BW"),
        ("facets=vielleicht", "facets", "true oder false erwartet."),
    ],
)
def test_invalid_query_arguments_are_explained_in_german_per_field(client, query, field, message):
    body = problem_of(client.get(f"{API}/projects?{query}"), 422)
    assert [error["field"] for error in body["errors"]] == [field]
    assert body["errors"][0]["message"].startswith(message)
