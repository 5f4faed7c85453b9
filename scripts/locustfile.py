"""Load test of the catalogue (Locust): visitors browse and search, portals read the API,
a few editors write through it. Loopback only; headless and bounded in time:

    .venv/bin/locust -f scripts/locustfile.py --headless --host http://127.0.0.1:8000 \\
        --users 64 --spawn-rate 16 --run-time 60s --csv /tmp/ikz-load

Writers need a token of an editor: ``CATALOGUE_LOAD_TOKEN=ikz_… `` (``flask --app catalogue
create-token USER``); without it only readers run. scripts/load_and_faults.sh runs the whole thing.
"""

from __future__ import annotations

import itertools
import os
import random
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

QUERIES = [
    "Standesamt",
    "Digitalisierung",
    "Klima",
    "Feuerwehr",
    "Bauhof",
    "Verwaltung",
    "Arnsberg",
    "Gewerbegebiet",
    "Wasser",
    "Schule",
    "Tourismus",
    "Kooperation",
    '"starke Verwaltung"',
    "Digitalisirung",
]
_numbers = itertools.count(1)


@events.test_start.add_listener
def _loopback_only(environment, **_kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"Nur gegen Loopback (127.0.0.1), nicht gegen {host!r}.")


class Visitor(HttpUser):
    """A citizen on the public pages: lists, filters, profiles, search."""

    weight = 6
    wait_time = between(0.5, 2)

    def on_start(self):
        listing = self.client.get("/api/v1/projects?per_page=100", name="/api/v1/projects (Liste)").json()
        self.slugs = [p["slug"] for p in listing.get("items", [])] or ["x"]

    @task(3)
    def home_and_list(self):
        self.client.get("/", name="/")
        # (the seed's 19 profiles fill one page: a second one would rightly be a 404)
        self.client.get(
            "/projekte",
            params=random.choice([{}, {"stichwort": "Digitalisierung"}, {"land": "DE-NW"}]),
            name="/projekte",
        )

    @task(3)
    def profile(self):
        self.client.get(f"/projekte/{random.choice(self.slugs)}", name="/projekte/<slug>")

    @task(4)
    def search(self):
        self.client.get("/suche", params={"q": random.choice(QUERIES)}, name="/suche")

    @task(1)
    def keywords(self):
        self.client.get("/stichworte", name="/stichworte")


class Portal(HttpUser):
    """Another portal reading and mirroring through the API."""

    weight = 3
    wait_time = between(0.2, 1)

    def on_start(self):
        self.cursor = 0

    @task(3)
    def projects(self):
        self.client.get(
            "/api/v1/projects", params={"q": random.choice(QUERIES), "facets": "true"}, name="/api/v1/projects?q="
        )

    @task(2)
    def changes(self):
        answer = self.client.get(f"/api/v1/changes?since={self.cursor}", name="/api/v1/changes").json()
        self.cursor = answer.get("next", self.cursor) if answer.get("has_more") else 0

    @task(1)
    def suggest(self):
        self.client.get("/api/v1/suggest", params={"q": random.choice(QUERIES)[:4]}, name="/api/v1/suggest")


class Editor(HttpUser):
    """An editor's system writing through the API (create, then change with If-Match)."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        token = os.environ.get("CATALOGUE_LOAD_TOKEN", "")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.enabled = bool(token)
        self.mine: list[str] = []

    @task(1)
    def create(self):
        if not self.enabled:
            return
        number = f"{os.getpid()}-{next(_numbers)}"
        body = {
            "title": f"Lasttest Kooperation {number}",
            "slug": f"lasttest-{number}",
            "summary": "Angelegt vom Lasttest.",
            "keywords": ["Lasttest"],
            "participants": [
                {"role": "lead", "organisation": {"name": f"Lastgemeinde {number}", "kind": "municipality"}}
            ],
        }
        answer = self.client.post("/api/v1/projects", json=body, headers=self.headers, name="POST /api/v1/projects")
        if answer.status_code == 201:
            self.mine.append(answer.json()["slug"])

    @task(2)
    def change(self):
        if not self.mine:
            return
        url = f"/api/v1/projects/{random.choice(self.mine)}"
        current = self.client.get(url, headers=self.headers, name="/api/v1/projects/<slug> (Editor)")
        with self.client.patch(
            url,
            json={"summary": f"Geändert {random.random():.6f}"},
            headers={
                **self.headers,
                "If-Match": current.headers.get("ETag", ""),
                "Content-Type": "application/merge-patch+json",
            },
            name="PATCH /api/v1/projects/<slug>",
            catch_response=True,
        ) as answer:
            if answer.status_code == 412:
                answer.success()  # another editor saved in between: the protocol working, not an error
