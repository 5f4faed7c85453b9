"""The register of German places (Destatis GV-ISys) and the map outlines (BKG VG5000).

Only this package knows geometry: distances, nearby places, outlines and maps.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the command line, the pages and the template helpers."""
    from .cli import places_cli
    from .directory import describe, get_place, places_by_key
    from .linking import organisation_facts
    from .maps import ATTRIBUTION_BKG, ATTRIBUTION_DESTATIS
    from .pages import participants_map, place_url, search_map
    from .views import bp, partner_url

    app.cli.add_command(places_cli)
    app.register_blueprint(bp)
    if app.config.get("MAP_TILE_URL"):
        app.after_request(_allow_tile_host)
    app.jinja_env.globals.update(
        organisation_facts=organisation_facts,
        place_of=lambda org: get_place(org.place_key, active_only=False) if org.place_key else None,
        place_url=place_url,
        participants_map=participants_map,
        search_map=search_map,
        partner_url=partner_url,
        places_by_key=places_by_key,
        place_description=describe,
        legal_form_names=_legal_form_names,
        MAP_ATTRIBUTION_BKG=ATTRIBUTION_BKG,
        MAP_ATTRIBUTION_DESTATIS=ATTRIBUTION_DESTATIS,
    )


def _allow_tile_host(response):
    """An operator's tile background is the one host maps may load images from."""
    from urllib.parse import urlsplit

    from flask import current_app

    url = current_app.config["MAP_TILE_URL"]
    parts = urlsplit(url.replace("{s}", "tiles"))
    netloc = "*." + parts.netloc.split(".", 1)[1] if "{s}." in url and "." in parts.netloc else parts.netloc
    policy = response.headers.get("Content-Security-Policy")
    if policy and parts.scheme in ("http", "https") and netloc:
        response.headers["Content-Security-Policy"] = policy.replace(
            "img-src 'self' data:", f"img-src 'self' data: {parts.scheme}://{netloc}"
        )
    return response


def _legal_form_names() -> list[str]:
    from sqlalchemy import select

    from ..extensions import db
    from ..models import LegalForm

    return list(db.session.scalars(select(LegalForm.name).order_by(LegalForm.name)))


def public_place_urls(_external: bool = True) -> list[str]:
    """Every public place page URL (for the sitemap and open-data listings)."""
    from .pages import public_place_urls as urls

    return urls(_external)
