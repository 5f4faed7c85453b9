"""The API of places and the partner-search arguments of /api/v1/projects."""

from __future__ import annotations

import pytest

from catalogue.extensions import limiter

API = "/api/v1"


@pytest.fixture(autouse=True)
def _no_rate_limit(app):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    limiter.reset()
    yield
    app.config["API_RATE_LIMIT"] = "300 per minute"


@pytest.fixture
def catalogue(seeded, sample_register):
    """The real seed profiles and the sample register."""


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_places_autocomplete_tells_the_neustadts_apart(client, catalogue):
    items = client.get(f"{API}/places?q=Neustadt&limit=30").get_json()["items"]
    municipalities = [i for i in items if i["kind"] == "municipality"]
    assert len(municipalities) >= 10
    hessen = next(i for i in municipalities if i["key"] == "06534016")
    assert hessen["name"] == "Neustadt (Hessen)" and hessen["designation"] == "Stadt"
    assert hessen["state"] == {"key": "06", "code": "DE-HE", "name": "Hessen"}
    assert client.get(f"{API}/places?q=59846").get_json()["items"][0]["key"] == "05958044"
    assert _problem(client.get(f"{API}/places"), 422)["errors"][0]["field"] == "q"


def test_place_document_has_facts_sources_parent_and_cooperations(client, catalogue):
    body = client.get(f"{API}/places/05958044").get_json()
    assert (body["name"], body["population"], body["population_source"]) == (
        "Sundern (Sauerland)",
        27725,
        "Destatis GV-ISys (Ausgabe vor 2021)",
    )
    assert (body["latitude"], body["longitude"], body["area_km2"]) == (51.330125, 8.005553, 193.27)
    assert body["parent"]["key"] == body["district"]["key"] == "05958"
    assert [p["slug"] for p in body["projects"]] == ["gemeinsam-nachhaltig-erfolgreich"]
    assert body["html_url"].endswith("/kommunen/05958044-sundern-sauerland")
    for key in ("99999999", "abc", "05"):
        assert _problem(client.get(f"{API}/places/{key}"), 404)["detail"]


def test_projects_near_a_place_carry_the_distance_and_nearest_participant(client, catalogue):
    body = client.get(f"{API}/projects?near=05958044&radius_km=50&q=Standesamt").get_json()
    assert body["total"] == 1
    (item,) = body["items"]
    assert item["slug"] == "standesamt-untere-lenne"
    assert item["nearest_participant"]["name"] == "Stadt Altena (Westf.)"
    assert item["distance_km"] == item["nearest_participant"]["distance_km"] == pytest.approx(23.3, abs=0.2)
    # without q: every cooperation within the radius, nearest first
    items = client.get(f"{API}/projects?near=51.33,8.0&radius_km=50").get_json()["items"]
    assert [i["slug"] for i in items][:1] == ["gemeinsam-nachhaltig-erfolgreich"]
    assert [i["distance_km"] for i in items] == sorted(i["distance_km"] for i in items)
    # combined with other filters
    assert client.get(f"{API}/projects?near=05958044&radius_km=50&state=DE-BY").get_json()["total"] == 0
    # population range: Altena has 16,718 inhabitants in the register, no editor's figure
    assert (
        client.get(f"{API}/projects?near=05958044&radius_km=50&q=Standesamt&population_min=20000").get_json()["total"]
        == 0
    )
    sized = client.get(f"{API}/projects?population_min=70000&population_max=80000").get_json()["items"]
    assert "gemeinsam-nachhaltig-erfolgreich" in [i["slug"] for i in sized]  # Arnsberg, 73,487
    # a plain list has no distances
    assert client.get(f"{API}/projects").get_json()["items"][0]["distance_km"] is None


@pytest.mark.parametrize(
    "query, field",
    [
        ("near=99999999", "near"),
        ("near=abc", "near"),
        ("near=95.0,8.0", "near"),
        ("near=51.3,", "near"),
        ("near=05958044&radius_km=5", "radius_km"),
        ("near=05958044&radius_km=201", "radius_km"),
        ("near=05958044&radius_km=x", "radius_km"),
        ("population_min=-1", "population_min"),
    ],
)
def test_bad_partner_arguments_are_problems(client, catalogue, query, field):
    body = _problem(client.get(f"{API}/projects?{query}"), 422)
    assert field in [error["field"] for error in body["errors"]]


def test_the_document_describes_the_new_parameters(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    names = {p["name"] for p in spec["paths"]["/api/v1/projects"]["get"]["parameters"]}
    assert {"near", "radius_km", "population_min", "population_max"} <= names
    assert "/api/v1/places" in spec["paths"] and "/api/v1/places/{key}" in spec["paths"]
