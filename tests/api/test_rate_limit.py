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
    answers = [client.get(f"{API}/legal-forms") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    # The budget is announced on every answer, a time to wait only on the refusal.
    assert answers[0].headers["X-RateLimit-Remaining"] == "2" and "Retry-After" not in answers[0].headers
    response = client.get(f"{API}/legal-forms")
    problem_of(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    # One budget for the whole API, writes included: not one per endpoint.
    problem_of(client.get(f"{API}/keywords"), 429)
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
    env = {
        **os.environ,
        "CATALOGUE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CATALOGUE_INDEX_DIR": str(tmp_path / "index"),
        "CATALOGUE_RATELIMIT_STORAGE_URI": REDIS,
        "CATALOGUE_API_RATE_LIMIT": f"4 per {window} second",
    }
    flask = Path(sys.executable).with_name("flask")
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"worker-{port}.log" for port in ports]
    log_files = [log.open("w") for log in logs]
    workers = [
        subprocess.Popen(
            [str(flask), "--app", "catalogue", "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=file,
        )
        for port, file in zip(ports, log_files)
    ]
    try:

        def status(port: int) -> int:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{API}/legal-forms", timeout=10) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        for port, worker, log in zip(ports, workers, logs):  # wait until both answer (a page outside the limit)
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
                    break
                except OSError:
                    assert worker.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.2)
        answers = [status(ports[n % 2]) for n in range(6)]
        assert answers == [200, 200, 200, 200, 429, 429]  # memory:// would allow 4 per worker
    finally:
        for worker, file in zip(workers, log_files):
            worker.terminate()
            worker.wait(timeout=10)
            file.close()


_DOWN_STORE_PROBE = """
import sys
from catalogue import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "INDEX_DIR": sys.argv[2], "RATELIMIT_STORAGE_URI": sys.argv[3]})
client = app.test_client()
print(client.get("/api/v1/legal-forms").status_code, client.get("/projekte").status_code)
"""


def test_a_rate_limit_store_that_is_down_does_not_take_the_site_down(app, tmp_path):
    """Redis restarting: requests are still answered (counted per process meanwhile), never a 500.
    In a process of its own, because the limiter's storage is process-wide."""
    dead = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    result = subprocess.run(
        [sys.executable, "-c", _DOWN_STORE_PROBE, app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path / "index"), dead],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["200", "200"], result.stderr[-3000:]
