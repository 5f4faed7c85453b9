#!/usr/bin/env python3
"""Example client: mirror the IKZ catalogue through /api/v1/changes, as another portal would.

    python scripts/mirror_client.py https://ikz.example.org --state mirror.json
    python scripts/mirror_client.py https://ikz.example.org --state mirror.json --follow 60

The state file holds the cursor and every published profile by its stable ``id``; each run
fetches only what changed since the last one. Standard library only, so portals can copy it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path

USER_AGENT = "ikz-mirror-example/1.0"


#: Answers worth waiting for instead of giving up: too many requests, busy or restarting server.
RETRY_STATUSES = (429, 502, 503, 504)
MAX_ATTEMPTS = 5


def fetch_json(url: str, attempts: int = MAX_ATTEMPTS) -> dict:
    """GET a JSON document, waiting as Retry-After asks on 429/503; other errors raise
    urllib.error.HTTPError (its body is the problem document)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code not in RETRY_STATUSES or attempt == attempts:
                raise
            wait = _retry_after(error.headers.get("Retry-After"), default=2**attempt)
            print(f"HTTP {error.code}; neuer Versuch in {wait:.0f} s", file=sys.stderr)
            time.sleep(wait)
    raise AssertionError("unreachable")


def _retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped at 5 minutes."""
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            seconds = default
    return min(max(seconds, 0.0), 300.0)


def sync(base_url: str, state: dict, page_size: int = 500) -> int:
    """Apply every change after ``state["cursor"]`` to ``state["projects"]``; returns how many.

    The cursor goes with the fingerprint of the change it names: when the catalogue restored a
    backup, the same number names another write, the feed answers 410, and the mirror starts
    again from nothing (otherwise it would silently miss the writes under reused numbers)."""
    applied = 0
    projects = state.setdefault("projects", {})
    while True:
        url = f"{base_url.rstrip('/')}/api/v1/changes?since={state.get('cursor', 0)}&limit={page_size}"
        if state.get("cursor") and state.get("fingerprint"):
            url += f"&fingerprint={state['fingerprint']}"
        try:
            page = fetch_json(url)
        except urllib.error.HTTPError as error:
            if error.code != 410:
                raise
            print("Der Verlauf des Katalogs wurde ersetzt; Abgleich beginnt von vorn.", file=sys.stderr)
            state.update(cursor=0, fingerprint=None)
            projects.clear()
            continue
        for item in page["items"]:
            key = str(item["id"])  # the slug can change; the id cannot
            if item["deleted"]:
                projects.pop(key, None)  # tombstone: unpublished or archived
            else:
                projects[key] = item["project"]
            applied += 1
        state["cursor"] = page["next"]
        state["fingerprint"] = page.get("next_fingerprint")
        if not page["has_more"]:
            return applied


def save(state: dict, path: Path) -> None:
    """Write then rename, so an interrupted run never leaves a half-written mirror."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, ensure_ascii=False, indent=1), "utf-8")
    temporary.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Command line: one sync, or follow the catalogue every N seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="the catalogue's address, e.g. https://ikz.example.org")
    parser.add_argument("--state", type=Path, default=Path("ikz-mirror.json"), help="cursor and profiles (JSON)")
    parser.add_argument("--follow", type=float, metavar="SECONDS", help="keep polling with this interval")
    args = parser.parse_args(argv)
    state = (
        json.loads(args.state.read_text("utf-8"))
        if args.state.exists()
        else {"cursor": 0, "fingerprint": None, "projects": {}}
    )
    while True:
        try:
            applied = sync(args.base_url, state)
        except (OSError, ValueError) as error:  # network or HTTP error, or an answer that is not JSON
            save(state, args.state)  # the pages applied so far are consistent with the cursor
            print(f"Fehler: {error}; Cursor {state.get('cursor', 0)}", file=sys.stderr)
            if not args.follow:
                return 1
        else:
            save(state, args.state)
            print(
                f"{applied} Änderungen übernommen; Cursor {state['cursor']}; {len(state['projects'])} Profile",
                file=sys.stderr,
            )
            if not args.follow:
                return 0
        time.sleep(args.follow)


if __name__ == "__main__":
    sys.exit(main())
