"""Configuration: safe defaults, then CATALOGUE_* environment variables, then an explicit mapping."""

from __future__ import annotations

import os
from pathlib import Path

#: Settings read from the environment: CATALOGUE_<NAME> sets <NAME>.
ENV_SETTINGS = {
    "DATABASE_URL": str,
    "DATABASE_CONNECT_TIMEOUT": int,
    "INDEX_DIR": str,
    "SECRET_KEY": str,
    "ENV": str,
    "PAGE_SIZE": int,
    "MAX_PAGE_SIZE": int,
    "BASE_URL": str,
    "RATELIMIT_STORAGE_URI": str,
    "API_RATE_LIMIT": str,
    "LOGIN_RATE_LIMIT": str,
    "OPERATOR_NAME": str,
    "IMPRINT_URL": str,
    "PRIVACY_URL": str,
    "ACCESSIBILITY_URL": str,
    "CONTACT_EMAIL": str,
    "TRUSTED_PROXIES": int,
    "HSTS_MAX_AGE": int,
    "METRICS_ALLOWED": str,
    "LOG_FORMAT": str,
    "READY_MAX_LAG_SECONDS": int,
    "PLACES_DIR": str,
    "MAP_TILE_URL": str,
    "MAP_TILE_ATTRIBUTION": str,
    "DATA_LICENSE": str,
    "PUBLISHER_NAME": str,
    "PUBLISHER_URL": str,
    "CACHE_REDIS_URL": str,
    "RESPONSE_CACHE": lambda raw: raw.strip().lower() not in ("0", "false", "no", "off"),
    "PASSWORD_HASH_METHOD": str,
}

#: The operator's pages a public site in Germany must link (TMG/DDG § 5 Impressum, GDPR
#: Art. 13 privacy notice, BITV 2.0 § 7 accessibility statement): production refuses to start
#: without them, so that no catalogue goes online looking anonymous.
LEGAL_PAGES = {
    "IMPRINT_URL": "Impressum",
    "PRIVACY_URL": "Datenschutzerklärung",
    "ACCESSIBILITY_URL": "Erklärung zur Barrierefreiheit",
}
#: Shortest HSTS lifetime production accepts (seconds; a day. The default is a year).
MIN_HSTS_MAX_AGE = 86400

DEV_SECRET_KEY = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """The configuration is unsafe or inconsistent; the app refuses to start."""


def build_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Return the effective settings for an app whose instance folder is ``instance_path``."""
    settings: dict = {
        "ENV": "development",
        "DATABASE_URL": "sqlite:///" + str(Path(instance_path) / "catalogue.sqlite3"),
        # PostgreSQL: seconds to wait for a connection before giving up (a host that drops
        # packets would otherwise hold a worker until gunicorn's timeout kills it).
        "DATABASE_CONNECT_TIMEOUT": 5,
        "INDEX_DIR": str(Path(instance_path) / "index"),
        "SECRET_KEY": None,
        "PAGE_SIZE": 20,
        "MAX_PAGE_SIZE": 100,
        "BASE_URL": "",
        # memory:// counts per process; several workers need a shared store such as redis://.
        "RATELIMIT_STORAGE_URI": "memory://",
        "API_RATE_LIMIT": "300 per minute",
        "LOGIN_RATE_LIMIT": "10 per minute",
        "SEED_DIR": str(Path(__file__).resolve().parent.parent / "data" / "seed"),
        # The register of places and the map outlines (data/places, see its README).
        "PLACES_DIR": str(Path(__file__).resolve().parent.parent / "data" / "places"),
        # Maps draw the shipped outlines and request nothing elsewhere: public bodies may not
        # hand visitors' addresses to a tile server without consent, and closed networks have
        # none. An operator may add a background (an XYZ tile URL, e.g. basemap.de's web raster,
        # or a WMS as {z}/{x}/{y} tiles) with its attribution.
        "MAP_TILE_URL": "",
        "MAP_TILE_ATTRIBUTION": "",
        # The operator's legal pages (Impressum, Datenschutzerklärung, Erklärung zur
        # Barrierefreiheit under BITV 2.0) and contact: their content is the operator's to
        # write, so the catalogue links to them; the footer shows whichever are set.
        "OPERATOR_NAME": "",
        "IMPRINT_URL": "",
        "PRIVACY_URL": "",
        "ACCESSIBILITY_URL": "",
        "CONTACT_EMAIL": "",
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host. Without
        # this, every request seems to come from the proxy: rate limits would then count all
        # visitors (and all editors' logins) as one client, and URLs would say http.
        # None: not said; production insists on an explicit number (0 = no proxy).
        "TRUSTED_PROXIES": None,
        # Strict-Transport-Security in production (seconds); browsers then never use http again.
        "HSTS_MAX_AGE": 31536000,
        # Who may read /metrics: comma-separated addresses or networks (CIDR).
        "METRICS_ALLOWED": "127.0.0.1,::1",
        # Request log lines: "text" (one readable line) or "json" (one JSON object per line).
        "LOG_FORMAT": "text",
        # /readyz fails when the index lags the change log by more than this (seconds).
        "READY_MAX_LAG_SECONDS": 60,
        # Open data (DCAT-AP.de, downloads): the licence is a URI of the DCAT-AP.de licence list
        # (catalogue.opendata.licences); publisher of the data sets, defaulting to the operator.
        "DATA_LICENSE": "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
        "PUBLISHER_NAME": "",
        "PUBLISHER_URL": "",
        # How new passwords are hashed (werkzeug's generate_password_hash methods). Stored hashes
        # carry their method, so changing this never locks anyone out. The tests use a cheap one.
        "PASSWORD_HASH_METHOD": "scrypt",
    }
    for name, convert in ENV_SETTINGS.items():
        raw = os.environ.get(f"CATALOGUE_{name}")
        if raw not in (None, ""):
            settings[name] = convert(raw)
    settings.update(overrides or {})
    _check(settings)
    return _derive(settings)


def _check(settings: dict) -> None:
    """Refuse configurations that would be unsafe in production."""
    if settings["ENV"] == "production":
        _check_production(settings)
    if settings["TRUSTED_PROXIES"] is not None and not 0 <= settings["TRUSTED_PROXIES"] <= 5:
        raise ConfigError("TRUSTED_PROXIES must be between 0 and 5.")
    from .opendata.licences import LICENCES

    if settings["DATA_LICENSE"] not in LICENCES:
        raise ConfigError(
            "DATA_LICENSE must be a URI of the DCAT-AP.de licence list, one of: " + ", ".join(sorted(LICENCES))
        )
    if not 1 <= settings["PAGE_SIZE"] <= settings["MAX_PAGE_SIZE"]:
        raise ConfigError("PAGE_SIZE must be between 1 and MAX_PAGE_SIZE.")
    if settings["LOG_FORMAT"] not in ("text", "json"):
        raise ConfigError("LOG_FORMAT must be text or json.")
    if not 1 <= settings["DATABASE_CONNECT_TIMEOUT"] <= 300:
        raise ConfigError("DATABASE_CONNECT_TIMEOUT must be between 1 and 300 seconds.")


def _check_production(settings: dict) -> None:
    """Secret key, HTTPS-only cookies, HSTS, an explicit proxy count, the operator's legal pages and
    the editorial team's address."""
    key = settings.get("SECRET_KEY")
    if not key or key == DEV_SECRET_KEY or len(key) < 16:
        raise ConfigError(
            "CATALOGUE_SECRET_KEY must be set to a random value of at least 16 characters "
            "when CATALOGUE_ENV=production."
        )
    if not _strong_hash_method(settings["PASSWORD_HASH_METHOD"]):
        raise ConfigError(
            "CATALOGUE_PASSWORD_HASH_METHOD must be scrypt or pbkdf2 with at least 600000 "
            "iterations when CATALOGUE_ENV=production."
        )
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if settings.get(name) is False:
            raise ConfigError(f"{name} cannot be off in production: session cookies travel over HTTPS only.")
    if not isinstance(settings["HSTS_MAX_AGE"], int) or settings["HSTS_MAX_AGE"] < MIN_HSTS_MAX_AGE:
        raise ConfigError(f"CATALOGUE_HSTS_MAX_AGE must be at least {MIN_HSTS_MAX_AGE} seconds in production.")
    if settings["TRUSTED_PROXIES"] is None:
        raise ConfigError(
            "CATALOGUE_TRUSTED_PROXIES must be set in production: 1 behind one TLS-terminating proxy "
            "(nginx), 0 when clients reach gunicorn directly. Otherwise rate limits and logs see only the proxy."
        )
    missing = [
        f"CATALOGUE_{name} ({label})"
        for name, label in LEGAL_PAGES.items()
        if not str(settings.get(name) or "").startswith(("https://", "http://"))
    ]
    if missing:
        raise ConfigError(
            "In production the operator's legal pages must be linked: set "
            + ", ".join(missing)
            + " to the full https:// address of each page."
        )
    if "@" not in str(settings.get("CONTACT_EMAIL") or "").strip("@"):
        raise ConfigError(
            "CATALOGUE_CONTACT_EMAIL (the editorial team's address) must be set in production: profiles "
            "without a contact, the footer and the accessibility statement's feedback channel offer it."
        )


def _strong_hash_method(method: str) -> bool:
    """scrypt (any parameters), or pbkdf2 with at least OWASP's 600,000 iterations (werkzeug's
    default when none are given)."""
    name, _, rest = method.partition(":")
    if name == "scrypt":
        return True
    iterations = rest.partition(":")[2]
    return name == "pbkdf2" and (not iterations or iterations.isdigit() and int(iterations) >= 600_000)


def _derive(settings: dict) -> dict:
    """Translate our settings into the names Flask and its extensions read."""
    production = settings["ENV"] == "production"
    settings["SECRET_KEY"] = settings["SECRET_KEY"] or DEV_SECRET_KEY
    settings["TRUSTED_PROXIES"] = settings["TRUSTED_PROXIES"] or 0
    settings["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(settings["DATABASE_URL"])
    options = dict(settings.get("SQLALCHEMY_ENGINE_OPTIONS") or {"pool_pre_ping": True})
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # libpq's connect_timeout (sqlite3 has no such argument)
        connect_args = {"connect_timeout": settings["DATABASE_CONNECT_TIMEOUT"], **options.get("connect_args", {})}
        options["connect_args"] = connect_args
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = options
    settings.setdefault("SESSION_COOKIE_HTTPONLY", True)
    settings.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    settings.setdefault("SESSION_COOKIE_SECURE", production)
    settings.setdefault("BABEL_DEFAULT_LOCALE", "de")
    settings.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin")
    settings.setdefault("JSON_SORT_KEYS", False)
    settings.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A rate-limit store that is down (Redis restarting) must not take the site down with it:
    # count per process meanwhile, and never answer a visitor's request with that error.
    settings.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    settings.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    settings.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    settings.setdefault("REMEMBER_COOKIE_SECURE", production)
    settings.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    settings.setdefault("WTF_CSRF_TIME_LIMIT", None)  # editors keep forms open for hours
    # Large request bodies are refused early (413) instead of being parsed.
    settings.setdefault("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    return settings


def normalise_db_url(url: str) -> str:
    """Let operators write postgresql:// and still get the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
