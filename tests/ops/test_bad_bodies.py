"""Hostile request bodies get a 4xx that says what is wrong, never a 500, on SQLite and
PostgreSQL alike: deep nesting, huge numbers, lone surrogates, NUL and other control
characters, endless lists, oversized bodies; and every /api error is problem+json."""

from __future__ import annotations

import json

import pytest
from api.api_helpers import API, problem_of
from marshmallow import ValidationError
from sqlalchemy import func, select

from catalogue.extensions import db
from catalogue.models import Change, Project
from catalogue.schemas import MAX_KEYWORDS, ProjectInputSchema

from conftest import project_data

JSON = {"Content-Type": "application/json"}


def _post_raw(client, headers, body: str, url: str = f"{API}/projects"):
    return client.post(url, data=body.encode("utf-8", "surrogatepass"), headers={**headers, **JSON})


def _fields(problem: dict) -> set[str]:
    return {error["field"] for error in problem.get("errors", [])}


def test_deeply_nested_json_is_a_400_not_a_recursion_error(client, editor):
    for depth in (1_000, 100_000):
        body = '{"title": ' + "[" * depth + "]" * depth + "}"
        problem = problem_of(_post_raw(client, editor, body), 400)
        assert "verschachtelt" in problem["detail"]
    assert db.session.scalar(select(func.count(Change.seq))) == 0


def test_brackets_inside_strings_do_not_count_as_nesting(client, editor):
    data = project_data(goal="[" * 500 + "{" * 500 + '\\"]')
    response = client.post(f"{API}/projects", json=data, headers=editor)
    assert response.status_code == 201, response.get_data(as_text=True)[:300]


def test_an_integer_of_5000_digits_is_a_422_naming_the_field(client, editor):
    body = json.dumps(project_data())[:-1] + ', "since_year": ' + "9" * 5_000 + "}"
    problem = problem_of(_post_raw(client, editor, body), 422)
    assert _fields(problem) == {"since_year"}
    organisation = '{"name": "Gemeinde X", "kind": "municipality", "population": ' + "1" * 5_000 + "}"
    problem = problem_of(_post_raw(client, editor, organisation, f"{API}/organisations"), 422)
    assert _fields(problem) == {"population"}


def test_years_out_of_range_are_refused(client, editor):
    for year in (10**18, -5, 1899, 3000):
        problem = problem_of(client.post(f"{API}/projects", json=project_data(since_year=year), headers=editor), 422)
        assert _fields(problem) == {"since_year"}


@pytest.mark.parametrize("character", ["\\ud800", "\\udfff", "\\u0000", "\\u0007", "\\u001b", "\\u007f", "\\u0085"])
@pytest.mark.parametrize("field", ["title", "keyword", "organisation", "summary", "link"])
def test_forbidden_characters_in_any_text_are_a_422_naming_the_field(client, editor, field, character):
    data = project_data()
    marker = "MARKER"
    expected = {
        "title": ("title", lambda: data.update(title=f"Ein {marker} Titel")),
        "keyword": ("keywords.0", lambda: data.update(keywords=[f"Klima{marker}"])),
        "organisation": (
            "participants.0.organisation.name",
            lambda: data["participants"][0]["organisation"].update(name=f"Stadt {marker}"),
        ),
        "summary": ("summary", lambda: data.update(summary=f"Zeile eins\n{marker}")),
        "link": ("links.0.title", lambda: data.update(links=[{"title": f"x{marker}", "url": "https://example.org/"}])),
    }
    name, apply = expected[field]
    apply()
    body = json.dumps(data, ensure_ascii=True).replace(marker, character)
    problem = problem_of(_post_raw(client, editor, body), 422)
    assert _fields(problem) == {name}, problem
    assert db.session.scalar(select(func.count(Project.id))) == 0


def test_tab_and_line_breaks_stay_allowed(client, editor):
    data = project_data(summary="Erste\tZeile\r\nZweite\rDritte", title="Titel\tmit Tab")
    response = client.post(f"{API}/projects", json=data, headers=editor)
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert response.get_json()["summary"] == "Erste\tZeile\nZweite\nDritte"


def test_lists_have_upper_bounds(client, editor):
    for field, item in (
        ("keywords", lambda i: f"Stichwort {i}"),
        ("contacts", lambda i: {"organisation": f"Amt {i}"}),
        ("links", lambda i: {"title": f"Link {i}", "url": "https://example.org/"}),
        ("updates", lambda i: {"date": "2020", "title": f"Meldung {i}"}),
        ("participants", lambda i: {"role": "partner", "organisation": {"name": f"Gemeinde {i}"}}),
    ):
        problem = problem_of(
            client.post(
                f"{API}/projects", json=project_data(**{field: [item(i) for i in range(5_000)]}), headers=editor
            ),
            422,
        )
        assert _fields(problem) == {field}, problem
        assert "Höchstens" in problem["errors"][0]["message"]
    allowed = project_data(keywords=[f"Stichwort {i}" for i in range(MAX_KEYWORDS)])
    assert client.post(f"{API}/projects", json=allowed, headers=editor).status_code == 201


def test_a_body_over_the_size_limit_is_413_problem_json(app, client, editor):
    body = '{"title": "' + "x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + '"}'
    problem_of(_post_raw(client, editor, body), 413)


def test_merge_patches_are_parsed_within_the_same_bounds(client, editor):
    created = client.post(f"{API}/projects", json=project_data(), headers=editor)
    url, etag = f"{API}/projects/{created.get_json()['slug']}", created.headers["ETag"]
    headers = {**editor, "If-Match": etag, "Content-Type": "application/merge-patch+json"}
    deep = '{"summary": ' + "[" * 5_000 + "]" * 5_000 + "}"
    problem_of(client.patch(url, data=deep, headers=headers), 400)
    problem = problem_of(client.patch(url, data='{"summary": "a\\u0000b"}', headers=headers), 422)
    assert _fields(problem) == {"summary"}
    problem_of(client.patch(url, data='{"summary": NaN}', headers=headers), 400)


@pytest.mark.parametrize(
    "method, url, status",
    [
        ("delete", f"{API}/projects", 405),
        ("put", f"{API}/keywords", 405),
        ("get", f"{API}/gibt-es-nicht", 404),
        ("get", "/api/v2/projects", 404),
        ("get", "/api", 404),
    ],
)
def test_errors_outside_the_views_are_problem_json(client, method, url, status):
    problem_of(getattr(client, method)(url), status)


def test_the_one_schema_refuses_the_same_for_imports_and_forms():
    """The admin forms, the importers and the seed load through ProjectInputSchema too."""
    for bad in ("a\x00b", "a\ud800b", "a\x1bb"):
        with pytest.raises(ValidationError) as caught:
            ProjectInputSchema().load(project_data(title=f"Titel {bad}"))
        assert "title" in caught.value.messages
