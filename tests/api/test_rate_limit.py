"""Rate limiting per client; with Redis the limit holds across worker processes."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from catalogue.extensions import limiter

from .api_helpers import API, problem_of

REDIS = "redis://127.0.0.1:6379/3"


def test_too_many_requests_get_429_problem(app, client, editor):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    statuses = [client.get(f"{API}/legal-forms").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = client.get(f"{API}/legal-forms")
    problem_of(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    # Writes count against the same budget.
    problem_of(client.post(f"{API}/projects", json={}), 429)
    # Another client (token) has its own budget; the public pages are not limited by the API's.
    assert client.get(f"{API}/legal-forms", headers=editor).status_code == 200
    assert client.get("/projekte").status_code == 200


def _redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_redis_storage_shares_the_limit_between_worker_processes(app, tmp_path):
    """Two separate server processes (as gunicorn workers would be) count against one budget."""
    # Other test runs may share this Redis: an odd window gives this run limit keys of its own
    # (the key names the limit), instead of flushing what others count.
    window = 600 + secrets.randbelow(100_000)
    env = {**os.environ, "CATALOGUE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "CATALOGUE_INDEX_DIR": str(tmp_path / "index"), "CATALOGUE_RATELIMIT_STORAGE_URI": REDIS,
           "CATALOGUE_API_RATE_LIMIT": f"4 per {window} second"}
    flask = Path(sys.executable).with_name("flask")
    ports = [_free_port(), _free_port()]
    workers = [subprocess.Popen([str(flask), "--app", "catalogue", "run", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for port in ports]
    try:
        def status(port: int) -> int:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{API}/legal-forms", timeout=10) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        for port in ports:  # wait until both workers answer (a page outside the API's limit)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
                    break
                except OSError:
                    time.sleep(0.2)
        answers = [status(ports[n % 2]) for n in range(6)]
        assert answers == [200, 200, 200, 200, 429, 429]  # memory:// would allow 4 per worker
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)
