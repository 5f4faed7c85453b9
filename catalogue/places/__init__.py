"""The register of German places (Destatis GV-ISys) and the map outlines (BKG VG5000).

Only this package knows geometry: distances, nearby places, outlines and maps.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the command line, the pages and the template helpers."""
    from .cli import places_cli

    app.cli.add_command(places_cli)
