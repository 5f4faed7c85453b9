"""Security headers on every response (pages, API, static files, errors)."""

from __future__ import annotations

from flask import Flask

#: No inline script or style anywhere: the pages load only their own CSS and JS files.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # frame-ancestors covers modern browsers; X-Frame-Options the old ones.
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def add_security_headers(response):
    """Set the headers unless a view chose its own value (setdefault keeps that choice)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Register the header hook for every response of the app (HSTS in production)."""
    app.after_request(add_security_headers)
    if app.config["ENV"] == "production":
        hsts = f"max-age={app.config['HSTS_MAX_AGE']}; includeSubDomains"

        @app.after_request
        def _strict_transport(response):
            # Sent on every answer: browsers ignore it over http, and behind the TLS proxy every
            # answer the visitor sees went over https.
            response.headers.setdefault("Strict-Transport-Security", hsts)
            return response
