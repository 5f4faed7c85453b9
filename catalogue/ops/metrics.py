"""/metrics in the Prometheus text format (prometheus_client).

Under gunicorn each worker is its own process: with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py
does it) the counters and histograms are kept in files there and summed over all workers at
scrape time (prometheus_client's multiprocess mode). The index lag is measured by the worker
that answers the scrape. Only the addresses in CATALOGUE_METRICS_ALLOWED may read it.
"""

from __future__ import annotations

import ipaddress
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from ..extensions import db, limiter

# In multiprocess mode every metric is a file in this folder, opened as the metric is created:
# a command run with the service's environment (flask … backup) must not fail on a missing folder.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

bp = Blueprint("metrics", __name__)
limiter.exempt(bp)

REQUESTS = Counter("catalogue_http_requests_total", "Answered requests", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "catalogue_http_request_duration_seconds",
    "Time to answer a request",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SEARCH_LATENCY = Histogram(
    "catalogue_search_request_duration_seconds",
    "Time to answer a full-text search",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CATCHUP = Histogram(
    "catalogue_search_catchup_duration_seconds",
    "Time a catch-up of the index with the change log took",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
#: Endpoints whose requests run a full-text search (the API list only with q).
SEARCH_ENDPOINTS = {"public.search_page", "api.suggest", "api.projects"}


class IndexLagCollector:
    """Index lag, measured at scrape time by the answering worker (changes and seconds)."""

    def describe(self):
        return [self._changes(), self._seconds()]

    @staticmethod
    def _changes():
        return GaugeMetricFamily("catalogue_search_index_lag_changes", "Changes the index has not applied yet")

    @staticmethod
    def _seconds():
        return GaugeMetricFamily(
            "catalogue_search_index_lag_seconds", "Age of the oldest change the index has not applied"
        )

    def collect(self):
        from .health import index_lag

        try:
            lag = index_lag()
        except Exception:  # no index, no database: the lag is unknown, the scrape still answers
            db.session.rollback()
            return
        changes, seconds = self._changes(), self._seconds()
        changes.add_metric([], lag["lag_changes"])
        seconds.add_metric([], lag["lag_seconds"])
        yield changes
        yield seconds


LAG = IndexLagCollector()
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    REGISTRY.register(LAG)


def _registry() -> CollectorRegistry:
    """All workers' metrics (multiprocess mode) or this process's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(LAG)
    return registry


def _allowed(address: str | None) -> bool:
    networks = [n.strip() for n in current_app.config["METRICS_ALLOWED"].split(",") if n.strip()]
    try:
        ip = ipaddress.ip_address(address or "")
        return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    """Prometheus metrics; 404 for addresses that are not allowed (nothing to see here)."""
    if not _allowed(request.remote_addr):
        abort(404)
    body = generate_latest(_registry())
    db.session.rollback()
    return Response(body, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def _start():
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop("metrics_started", None)
    if started is None or request.endpoint in ("metrics.metrics",):
        return response
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "(unbekannt)"  # 404s without a route share one label
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(seconds)
    if endpoint in SEARCH_ENDPOINTS and (endpoint != "api.projects" or request.args.get("q")):
        SEARCH_LATENCY.labels(endpoint).observe(seconds)
    return response


def init_app(app: Flask) -> None:
    """Count and time every request; observe catch-ups; serve /metrics."""
    from ..caching import also_for_stored_pages

    app.before_request(_start)
    app.after_request(_observe)
    also_for_stored_pages(app, _start, _observe)  # pages answered from the cache ahead of Flask's dispatch
    from ..search import sync

    if CATCHUP.observe not in sync.CATCHUP_OBSERVERS:
        sync.CATCHUP_OBSERVERS.append(CATCHUP.observe)
    app.register_blueprint(bp)
