"""Start-up cost of a process: ``create_app()`` and a ``flask`` command that does not index,
against a Flask hello world measured in the same run (each in a fresh interpreter).

    .venv/bin/python scripts/bench_startup.py [--runs 3]

Prints a table: median wall time and resident memory (VmHWM, the peak) per case and the ratio
to the hello world. The app uses a throw-away SQLite file and index folder, so nothing is
written into ``instance/``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Each snippet prints its own peak RSS in kB (the interpreter's start is inside the timing).
PEAK = "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
CASES = {
    "Flask hello world": "from flask import Flask\napp = Flask('hello')\n" + PEAK,
    "create_app()": "from catalogue import create_app\napp = create_app()\n" + PEAK,
    "create_app() + first analysis": (
        "from catalogue import create_app\nfrom catalogue.search.analysis import compound_parts\n"
        "app = create_app()\ncompound_parts('kommunalverwaltung')\n" + PEAK
    ),
}


def run(code: str, env: dict) -> tuple[float, int]:
    start = time.perf_counter()
    out = subprocess.run([PYTHON, "-c", code], env=env, cwd=REPO, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, int(out.stdout.split()[-1])


def run_command(env: dict) -> tuple[float, int]:
    flask = str(Path(PYTHON).with_name("flask"))
    start = time.perf_counter()
    subprocess.run(
        [flask, "--app", "catalogue", "create-user", "--help"], env=env, cwd=REPO, check=True, capture_output=True
    )
    return time.perf_counter() - start, 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ, CATALOGUE_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", CATALOGUE_INDEX_DIR=f"{tmp}/index"
        )
        subprocess.run(
            [str(Path(PYTHON).with_name("flask")), "--app", "catalogue", "db", "upgrade"],
            env=env,
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        results = {}
        for name, code in CASES.items():
            results[name] = [run(code, env) for _ in range(args.runs)]
        results["flask create-user --help"] = [run_command(env) for _ in range(args.runs)]
    base = statistics.median(t for t, _ in results["Flask hello world"])
    print(f"{'case':32} {'median s':>9} {'× hello':>8} {'peak RSS MB':>12}")
    for name, runs in results.items():
        seconds = statistics.median(t for t, _ in runs)
        rss = statistics.median(kb for _, kb in runs) / 1024
        print(
            f"{name:32} {seconds:9.2f} {seconds / base:8.1f} {rss:12.0f}"
            if rss
            else f"{name:32} {seconds:9.2f} {seconds / base:8.1f} {'-':>12}"
        )


if __name__ == "__main__":
    main()
