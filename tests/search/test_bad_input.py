"""Every bad input of the issue: never a 500, plain text where possible, else a clear 400/413."""

import pytest

from catalogue import search


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "(Stadt",
        "Stadt)",
        "[x",
        "AND",
        "OR",
        "NOT",
        "-",
        "*",
        "?",
        "*wasser",
        "Stadt AND",
        "%ZZ",
        "%",
        "\x00\x01Stadt\x7f",
        "\u202e\u200bStadt",
        "Stadt^3 feld:wert ~2",
        "\ufffd",
    ],
)
def test_odd_queries_are_text(client, make_project, query):
    make_project()
    response = client.get("/suche", query_string={"q": query})
    assert response.status_code == 200
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        '"Standesamt',
        "(Standesamt",
        "Standesamt)",
        "Standesamt AND",
        "AND Standesamt",
        "*Standesamt*",
        "\x00Standesamt\x7f",
        "~Standesamt^",
        "+Standesamt",
        "Standesamt -",
    ],
)
def test_operators_and_wildcards_are_plain_text(make_project, query):
    """What the query language does not know is text: the word is still searched for."""
    project = make_project()
    assert search.search_projects(query).ids == [project.id]


def test_invalid_percent_encoding_is_text(client):
    assert client.get("/suche?q=%E0%A4%A&x=%ZZ").status_code == 200


def test_too_long_query_is_413_with_message(client):
    response = client.get("/suche", query_string={"q": "a" * 10_000})
    assert response.status_code == 413
    assert "zu lang" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "args, status, words",
    [
        ({"q": "x", "seite": "0"}, 400, "Seitenzahl"),
        ({"q": "x", "seite": "abc"}, 400, "Seitenzahl"),
        ({"q": "x", "seite": "10000"}, 404, "Seite 10000"),
        ({"land": "DE-XX"}, 400, "Land"),
        ({"art": "alien"}, 400, "Art"),
        ({"seit_von": "neunzehn"}, 400, "Jahr"),
        ({"sort": "zufall"}, 400, "Sortierung"),
        ({"pro_seite": "100000"}, 400, "Einträge"),
    ],
)
def test_bad_parameters_say_what_is_wrong(client, args, status, words):
    response = client.get("/suche", query_string=args)
    assert response.status_code == status
    assert words in response.get_data(as_text=True)


def test_unknown_keyword_or_district_just_finds_nothing(client, make_project):
    make_project()
    response = client.get("/suche", query_string={"stichwort": "Gibtsnicht", "kreis": "Nirgendwo"})
    assert response.status_code == 200 and "0 Treffer" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, status",
    [
        ("", 422),
        ("\x00", 200),
        ("a" * 5000, 422),
        ("%ZZ", 200),
        ('"(', 200),
        ("*", 200),
        ("Stand", 200),
    ],
)
def test_suggestion_endpoint_takes_anything(client, make_project, query, status):
    make_project()
    response = client.get("/api/v1/suggest", query_string={"q": query})
    assert response.status_code == status
    assert isinstance(response.get_json(), list if status == 200 else dict)
    if query == "Stand":
        assert any(item["label"] == "Standesamt" for item in response.get_json())


@pytest.mark.parametrize("query", ['"unbalanced', "(x", "AND", "-", "*", "*wasser", "%ZZ", "\x00\x7f"])
def test_api_search_takes_the_same_odd_queries(client, make_project, query):
    make_project()
    assert client.get("/api/v1/projects", query_string={"q": query}).status_code == 200


def test_api_search_refuses_a_too_long_query_with_a_problem(client):
    response = client.get("/api/v1/projects", query_string={"q": "a" * 10_000})
    assert response.status_code == 413  # as on the site: too long is 413, not a validation error
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "q: Die Suchanfrage ist zu lang (höchstens 500 Zeichen)."
