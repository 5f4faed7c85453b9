"""Helpers shared by the API tests (a plain module: tests/ is not a package)."""

from __future__ import annotations

API = "/api/v1"


def problem_of(response, status: int) -> dict:
    """Assert an RFC 9457 problem document with ``status`` and return it."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def read(response):
    """Buffer and close a (possibly streamed) response, as a WSGI server would: closing ends the
    request context that a streamed body keeps open (and returns its database connection)."""
    response.get_data()
    response.close()
    return response
