"""One log line per request, with a request id: taken from X-Request-ID (set by nginx or a
client, when it looks like an id) or made here, and returned in the answer's X-Request-ID,
so that a visitor's report, the proxy's log and ours can be matched. CATALOGUE_LOG_FORMAT=json
writes each line as one JSON object (for log collectors)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, current_app, g, request

log = logging.getLogger("catalogue.request")
HEADER = "X-Request-ID"
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
#: The attribute of a request's log record that holds its fields (for the JSON lines).
FIELDS = "request_fields"
TEXT_LINE = "%(asctime)s %(levelname)s %(name)s %(message)s"


class LineFormatter(logging.Formatter):
    """The catalogue's log lines: readable text ("time level logger message"), or with
    ``json_lines`` one JSON object per line and nothing around it (what log collectors parse):
    time (UTC, ISO 8601), level, logger, then a request's fields or else the message."""

    def __init__(self, json_lines: bool = False):
        super().__init__(TEXT_LINE)
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        if not self.json_lines:
            return super().format(record)
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def request_id() -> str:
    """This request's id (made on first use)."""
    if "request_id" not in g:
        offered = request.headers.get(HEADER, "")
        g.request_id = offered if _ACCEPTABLE_ID.match(offered) else uuid.uuid4().hex
    return g.request_id


def _start():
    g.pop("request_id", None)  # tests keep one app context across requests
    g.request_started = time.perf_counter()
    request_id()


def _finish(response):
    rid = request_id()
    response.headers[HEADER] = rid
    started = g.pop("request_started", None)
    fields = {
        "request_id": rid,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "remote": request.remote_addr,
        "endpoint": request.endpoint,
        "bytes": response.calculate_content_length(),
    }
    extra = {FIELDS: fields}  # the JSON lines are made of these (LineFormatter)
    if current_app.config["LOG_FORMAT"] == "json":
        log.info(json.dumps(fields, ensure_ascii=False), extra=extra)
    else:
        log.info('%(remote)s "%(method)s %(path)s" %(status)s %(ms)sms id=%(request_id)s', fields, extra=extra)
    return response


def _configure_output(app: Flask) -> None:
    """Without a logging set-up (gunicorn configures only its own loggers), the catalogue's
    loggers write their lines to standard error, where systemd's journal collects them: as
    text, or with LOG_FORMAT=json as one JSON object per line (every logger of the catalogue)."""
    catalogue = logging.getLogger("catalogue")
    if logging.getLogger().handlers or catalogue.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LineFormatter(json_lines=app.config["LOG_FORMAT"] == "json"))
    catalogue.addHandler(handler)
    catalogue.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    """Log every request (first in, last out: the line includes the other hooks' time)."""
    from ..caching import also_for_stored_pages

    _configure_output(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    also_for_stored_pages(app, _start, _finish)  # pages answered from the cache ahead of Flask's dispatch
