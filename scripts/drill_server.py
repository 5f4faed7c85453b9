"""A throwaway catalogue for the load and fault scripts: migrated, seeded, an editor token,
served by gunicorn (gunicorn.conf.py) on a loopback port. Used by load_test.py and fault_test.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DrillServer:
    """gunicorn with ``workers`` workers on a fresh database (SQLite file, or the PostgreSQL URL given)."""

    def __init__(self, database_url: str | None, workers: int = 4):
        self.folder = Path(tempfile.mkdtemp(prefix="ikz-drill-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CATALOGUE_DATABASE_URL": database_url or f"sqlite:///{self.folder}/drill.sqlite3",
            "CATALOGUE_INDEX_DIR": str(self.folder / "index"),
            "CATALOGUE_API_RATE_LIMIT": "100000 per minute",
            "WEB_WORKERS": str(workers),
            "PROMETHEUS_MULTIPROC_DIR": str(self.folder / "metrics"),
        }
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [str(BIN / "flask"), "--app", "catalogue", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def prepare(self) -> str:
        """Schema, seed data and an editor's token (returned)."""
        if self.env["CATALOGUE_DATABASE_URL"].startswith("postgresql"):
            subprocess.run(
                [
                    str(BIN / "python"),
                    "-c",
                    (
                        "from sqlalchemy import create_engine, text; import os\n"
                        "e = create_engine(os.environ['CATALOGUE_DATABASE_URL'].replace('postgresql://', 'postgresql+psycopg://', 1))\n"
                        "with e.begin() as c: c.execute(text('DROP SCHEMA public CASCADE')); c.execute(text('CREATE SCHEMA public'))"
                    ),
                ],
                env=self.env,
                check=True,
            )
        self.flask("db", "upgrade")
        self.flask("seed")
        self.flask(
            "create-user", "lasttest", "--role", "editor", "--password-stdin", stdin="ein-langes-lasttest-passwort\n"
        )
        return [line for line in self.flask("create-token", "lasttest").split() if line.startswith("ikz_")][0]

    def app_args(self) -> list[str]:
        """What gunicorn serves beyond its config (none: the config's ``wsgi_app``)."""
        return []

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                *self.app_args(),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "gunicorn.log", "ab"),
        )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()  # never leave a server behind
            raise

    def wait_ready(self, seconds: float = 300) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not come up; see {self.folder / 'gunicorn.log'}")

    def workers(self) -> list[int]:
        """Process ids of the master's workers."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self) -> float:
        """SIGTERM and wait; returns the seconds the graceful shutdown took."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        return time.monotonic() - started
