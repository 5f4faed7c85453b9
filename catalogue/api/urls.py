"""Absolute URLs for documents that other portals store."""

from __future__ import annotations

from flask import current_app, request


def absolute(path: str) -> str:
    """``path`` on the configured public base URL (BASE_URL), else on the requested host."""
    base = current_app.config.get("BASE_URL") or request.host_url
    return base.rstrip("/") + path
