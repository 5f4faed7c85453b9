"""Start-up cost: a process (``create_app()``, a ``flask`` command that does not index) and a real
gunicorn start (the project's ``gunicorn.conf.py``, 4 workers), each against a Flask hello world
measured the same way in the same run.

    .venv/bin/python scripts/bench_startup.py [--runs 3] [--workers 4] [--no-gunicorn]

The machine is shared, so besides wall time each case reports CPU time (user + system), which
other processes on the machine disturb far less, and every figure is also given as a ratio to
the hello world's. Bytecode is cached, as in a deployment (``pip install`` compiles it) or on
any second start: the children write and read it in this run's temporary folder
(``PYTHONPYCACHEPREFIX``), and an untimed first run of every case fills it; with
``PYTHONDONTWRITEBYTECODE=1`` and no cache every start compiled the catalogue's 100 modules
from source again (about 0.5 s).

In-process cases run in a fresh interpreter each, interleaved: median wall and CPU time and
peak resident memory (VmHWM). The gunicorn cases start the hello world and the catalogue
alternately (a throw-away SQLite catalogue, migrated and seeded with the real commands, 19
profiles, its index built before the first start, as on a restart), each with the project's
``gunicorn.conf.py`` plus three hooks that write to a log file: when a worker was forked
(``post_fork``), when it had loaded the app (``post_worker_init``: from then on it accepts
requests; with its CPU time) and which worker served which request (``post_request``). Per
start it measures:

- launch → every worker ready: from starting the master until the last worker loaded the app
  (and then ``/readyz`` answers 200);
- worker start → ready: the slowest worker's time from its fork to its app being loaded, and
  the largest CPU time a worker spent on it;
- memory after warm-up: every worker has served each warm-up page at least once (the home
  page, ``/projekte``, a profile, a search, an API search; the hello world: ``/``), then RSS
  (VmRSS), its file-backed part (RssFile: mapped files such as the compound table, shared
  between processes) and PSS (``/proc/<pid>/smaps_rollup``: shared pages divided among the
  processes that map them, the fairer figure for a worker's share of the machine).

Nothing is written into ``instance/`` or the checkout; both servers are stopped after each start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pages import HELLO, first_slug, free_port, stop  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent

# Each snippet prints its own peak RSS in kB (the interpreter's start is inside the timing).
PEAK = "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
HELLO_CASE = "Flask hello world"
COMMAND = "flask create-user --help"
CASES = {
    HELLO_CASE: "from flask import Flask\napp = Flask('hello')\n" + PEAK,
    "create_app()": "from catalogue import create_app\napp = create_app()\n" + PEAK,
    "create_app() + first analysis": (
        "from catalogue import create_app\nfrom catalogue.search.analysis import compound_parts\n"
        "app = create_app()\ncompound_parts('kommunalverwaltung')\n" + PEAK
    ),
}

#: The project's settings, then hooks that only record (appended to the log file named in the
#: environment): gunicorn reads one config file, so this one runs the project's first.
GUNICORN_CONFIG = """
import os, runpy, time

_project = runpy.run_path({project!r})
globals().update({{name: value for name, value in _project.items() if not name.startswith("__")}})


def _record(*fields):
    with open(os.environ["BENCH_STARTUP_LOG"], "a") as log:
        log.write(" ".join(str(field) for field in fields) + "\\n")


def post_fork(server, worker):
    _record("fork", worker.pid, time.time())


def post_worker_init(worker):
    _record("ready", worker.pid, time.time(), time.process_time())


def post_request(worker, req, environ, resp):
    _record("served", worker.pid, req.uri)
"""


def timed(command: list[str], env: dict, cwd: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system) of a child process, and its output."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{command} failed ({child.returncode})")
    return wall, usage.ru_utime + usage.ru_stime, out


def run(case: str, checkout: Path, env: dict) -> tuple[float, float, int]:
    """Wall s, CPU s and peak RSS kB of one case in a fresh interpreter, with ``checkout``'s code."""
    env = dict(env, PYTHONPATH=str(checkout))
    if case == COMMAND:
        wall, cpu, _ = timed([str(BIN / "flask"), "--app", "catalogue", "create-user", "--help"], env, checkout)
        return wall, cpu, 0
    wall, cpu, out = timed([PYTHON, "-c", CASES[case]], env, checkout)
    return wall, cpu, int(out.split()[-1])


def in_process(checkouts: dict[str, Path], env: dict, runs: int) -> list[str]:
    """The in-process cases of every checkout, interleaved run by run: medians against the hello world."""
    cases = [(HELLO_CASE, "", REPO)] + [
        (case, label, checkout)
        for label, checkout in checkouts.items()
        for case in [*CASES, COMMAND]
        if case != HELLO_CASE
    ]
    for case, _, checkout in cases:  # untimed: writes the bytecode cache (see main)
        run(case, checkout, env)
    results: dict[tuple, list] = {(case, label): [] for case, label, _ in cases}
    for _ in range(runs):
        for case, label, checkout in cases:
            results[case, label].append(run(case, checkout, env))
    wall0 = statistics.median(r[0] for r in results[HELLO_CASE, ""])
    cpu0 = statistics.median(r[1] for r in results[HELLO_CASE, ""])
    lines = [
        f"| process, median of {runs} | wall s | × hello world | CPU s | × hello world | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for (case, label), measured in results.items():
        wall = statistics.median(r[0] for r in measured)
        cpu = statistics.median(r[1] for r in measured)
        rss = statistics.median(r[2] for r in measured) / 1024
        lines.append(
            f"| {case}{label} | {wall:.2f} | {wall / wall0:.1f} | {cpu:.2f} | {cpu / cpu0:.1f} | "
            f"{f'{rss:.0f}' if rss else '-'} |"
        )
    return lines


def read_log(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS, RssFile and PSS of a process, in MB."""
    figures = {}
    for name in ("status", "smaps_rollup"):
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssFile", "Pss"):
                figures[key] = int(value.split()[0]) / 1024
    return figures


def get(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def start_and_measure(app: str, cwd: Path, paths: list[str], folder: Path, env: dict, workers: int) -> dict:
    """Start gunicorn with the settings of the checkout ``cwd`` (the hello world: of this one),
    wait for every worker, warm each one up, read its memory, stop. Returns seconds and MB (the
    largest worker's figures)."""
    log = folder / f"gunicorn-{time.monotonic_ns()}.log"
    port = free_port()
    launched = time.time()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(folder / f"{cwd.name}.gunicorn.conf.py"), "--workers", str(workers)]
        + ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(cwd), app],
        env=dict(env, BENCH_STARTUP_LOG=str(log), PYTHONPATH=str(cwd)),
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: the request log writes a line per request to standard error.
        stderr=open(log.with_suffix(".err"), "ab"),  # noqa: SIM115 - the server process keeps it open
        start_new_session=True,  # its own process group: stopped with its workers, also mid-start
    )
    try:
        while len({pid for kind, pid, *_ in read_log(log) if kind == "ready"}) < workers:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited: {log.with_suffix('.err').read_text(errors='replace')[-2000:]}")
            if time.time() - launched > 180:
                raise SystemExit("gunicorn's workers did not get ready within 180 s")
            time.sleep(0.02)
        events = read_log(log)
        forked = {pid: float(at) for kind, pid, at in (e for e in events if e[0] == "fork")}
        ready = {pid: float(at) for kind, pid, at, _ in (e for e in events if e[0] == "ready")}
        cpu = {pid: float(seconds) for kind, pid, _, seconds in (e for e in events if e[0] == "ready")}
        all_ready = max(ready.values()) - launched
        slowest = max(ready[pid] - forked[pid] for pid in ready)
        health = "/healthz" if app == "wsgi:app" else "/"
        if get(port, health) != 200:
            raise SystemExit(f"{app} in {cwd}: {health} did not answer 200 after every worker was ready")
        # Warm-up: until every worker has served every page (requests go to whichever worker
        # accepts first, so keep asking, several at a time).
        wanted = {(pid, path) for pid in ready for path in paths}
        for _ in range(200):
            served = {(pid, uri) for kind, pid, uri in (e for e in read_log(log) if e[0] == "served")}
            if wanted <= served:
                break
            with ThreadPoolExecutor(2 * workers) as clients:
                list(clients.map(lambda path: get(port, path), paths * 2))
        else:
            print(f"  note: not every worker served every page ({len(wanted - served)} pairs missing)")
        memory = [memory_mb(int(pid)) for pid in ready]
        return {
            "all ready": all_ready,
            "slowest worker": slowest,
            "worker CPU": max(cpu.values()),
            **{key: max(figures[key] for figures in memory) for key in ("VmRSS", "RssFile", "Pss")},
        }
    finally:
        stop(process)


def under_gunicorn(checkouts: dict[str, Path], folder: Path, env: dict, runs: int, workers: int) -> list[str]:
    """Start the hello world and each checkout's catalogue in turn, ``runs`` times each."""
    (folder / "hello.py").write_text(HELLO, encoding="utf-8")
    for checkout in {folder, *checkouts.values()}:
        project = (checkout if checkout != folder else REPO) / "gunicorn.conf.py"
        (folder / f"{checkout.name}.gunicorn.conf.py").write_text(
            GUNICORN_CONFIG.format(project=str(project)), encoding="utf-8"
        )
    slug = first_slug()
    site_paths = ["/", "/projekte", f"/projekte/{slug}", "/suche?q=Klima", "/api/v1/projects?q=Verwaltung"]
    servers = {"hello world": ("hello:app", folder, ["/"])}
    servers.update({f"catalogue{label}": ("wsgi:app", checkout, site_paths) for label, checkout in checkouts.items()})
    results: dict[str, list[dict]] = {name: [] for name in servers}
    for round in range(runs + 1):  # the first round is untimed: it writes the bytecode cache
        for name, (app, cwd, paths) in servers.items():
            measured = start_and_measure(app, cwd, paths, folder, env, workers)
            if round:
                results[name].append(measured)
    rows = [
        ("launch → every worker ready, s", "all ready", "{:.2f}"),
        ("worker start → ready (slowest worker), s", "slowest worker", "{:.2f}"),
        ("CPU of a worker from fork to ready (largest), s", "worker CPU", "{:.2f}"),
        ("RSS per worker after warm-up (largest), MB", "VmRSS", "{:.0f}"),
        ("… of it file-backed (RssFile), MB", "RssFile", "{:.0f}"),
        ("PSS per worker after warm-up (largest), MB", "Pss", "{:.0f}"),
    ]
    sites = [name for name in servers if name != "hello world"]
    lines = [
        f"| gunicorn, {workers} workers, median of {runs} starts | hello world | "
        + " | ".join(f"{name} | × hello" for name in sites)
        + " |",
        "|---|---|" + "---|---|" * len(sites),
    ]
    for label, key, form in rows:
        hello = statistics.median(r[key] for r in results["hello world"])
        cells = [form.format(hello)]
        for name in sites:
            value = statistics.median(r[key] for r in results[name])
            cells += [form.format(value), f"{value / hello:.1f}" if hello else "-"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-gunicorn", action="store_true", help="only the in-process cases")
    parser.add_argument(
        "--before", metavar="REVISION", help="also measure this git revision's code (e.g. an earlier commit), same run"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        checkouts = {"": REPO}
        if args.before:
            # The earlier code, exported into the run's folder; it uses the same catalogue.
            before = folder / "before"
            before.mkdir()
            archive = subprocess.run(["git", "archive", args.before], cwd=REPO, check=True, capture_output=True)
            subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
            checkouts[f" ({args.before})"] = before
        env = dict(
            os.environ,
            CATALOGUE_DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3",
            CATALOGUE_INDEX_DIR=f"{folder}/index",
            # gunicorn.conf.py empties this folder on start: never another server's.
            PROMETHEUS_MULTIPROC_DIR=f"{folder}/metrics",
            # Bytecode cached, as after `pip install` (which compiles it) or any earlier start:
            # written into this run's folder, not the checkout (nor read from it).
            PYTHONPYCACHEPREFIX=f"{folder}/pycache",
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for command in (["db", "upgrade"], ["seed"]):
            subprocess.run(
                [str(BIN / "flask"), "--app", "catalogue", *command], env=env, cwd=REPO, check=True, capture_output=True
            )
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print("\n".join(in_process(checkouts, env, args.runs)))
        if not args.no_gunicorn:
            print()
            print("\n".join(under_gunicorn(checkouts, folder, env, args.runs, args.workers)))
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
