"""gunicorn settings of the catalogue (`make run`, the systemd unit in the README).

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS; the ones an
operator changes most have CATALOGUE_* / WEB_* variables here.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

wsgi_app = "wsgi:app"
bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
# Two per core is gunicorn's advice for I/O-bound apps; capped, since each worker holds a
# searcher and database connections.
workers = int(os.environ.get("WEB_WORKERS", min(2 * multiprocessing.cpu_count(), 8)))
worker_class = "sync"
# A request that takes longer than this is a stuck worker: it is killed and replaced.
timeout = int(os.environ.get("WEB_TIMEOUT", 30))
# On SIGTERM (systemctl stop/restart) running requests get this long; before, gunicorn's
# default of 30 s plus slow keep-alive clients made a restart take 17 s.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", 5))
keepalive = 2
# Workers are recycled after this many requests (± jitter, so they do not all restart at once):
# bounds the memory any slow leak can take.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 2000))
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", 200))
# The app writes one line per request itself (catalogue.ops.requestlog, with request id);
# gunicorn's own access log would say the same again.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
# X-Forwarded-* are trusted only from the proxy addresses (nginx on the same machine by
# default); the app's ProxyFix then takes CATALOGUE_TRUSTED_PROXIES hops from them.
forwarded_allow_ips = os.environ.get("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
if int(os.environ.get("CATALOGUE_TRUSTED_PROXIES", "0") or 0) == 0:
    forwarded_allow_ips = ""  # no proxy said: trust no forwarded header at all

# prometheus_client's multiprocess mode: every worker writes its metrics into this folder and
# /metrics sums them. It must exist, empty, before the workers import prometheus_client.
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / f"ikz-metrics-{os.getuid()}")
)
_multiprocess = None  # prometheus_client.multiprocess, imported by on_starting


def on_starting(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    Path(_metrics_dir).mkdir(parents=True, exist_ok=True)
    # Imported once here, in the master's normal flow: child_exit runs inside the master's
    # SIGCHLD handler, and two workers ending together made a second call see the module
    # half imported by the first (AttributeError: no mark_process_dead) on every shutdown.
    global _multiprocess
    from prometheus_client import multiprocess as _multiprocess


def child_exit(server, worker):
    # A worker's live gauges end with it (counters and histograms stay summed).
    _multiprocess.mark_process_dead(worker.pid)


def worker_exit(server, worker):
    """Leave without the interpreter's teardown. Freeing a worker's caches (search postings,
    place register, compound-split model) took about 6 s of C-level deallocation, during which
    the worker had already stopped serving: a restart took graceful_timeout every time. Logs are
    flushed first; the exit code gunicorn's master reads (boot errors halt it) is kept."""
    import logging
    import sys

    logging.shutdown()
    error = sys.exc_info()[1]
    code = error.code if isinstance(error, SystemExit) and isinstance(error.code, int) else (1 if error else 0)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
