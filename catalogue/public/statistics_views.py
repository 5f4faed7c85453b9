"""/statistik: the catalogue in figures, as server-rendered SVG charts each with its table."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext

from .. import statistics
from ..formatting import state_name
from . import bp


@bp.get("/statistik")
def statistics_page():
    """Cooperations by state, topic, legal form and start year, and the most connected municipalities."""
    charts = [
        (
            "laender",
            gettext("Kooperationen nach Land"),
            gettext("Land"),
            [(state_name(code), n, False) for code, n in statistics.by_state()],
            "",
            "bars",
        ),
        (
            "themen",
            gettext("Häufigste Themen"),
            gettext("Stichwort"),
            [(name, n, True) for name, n in statistics.by_topic()],
            "",
            "bars",
        ),
        (
            "rechtsformen",
            gettext("Kooperationen nach Rechtsform"),
            gettext("Rechtsform"),
            [(name if name else gettext("nicht angegeben"), n, bool(name)) for name, n in statistics.by_legal_form()],
            "",
            "bars",
        ),
        (
            "beginn",
            gettext("Beginn der Zusammenarbeit nach Jahr"),
            gettext("Jahr"),
            [(str(year), n, False) for year, n in statistics.by_start_year()],
            _unknown_years_note(statistics.unknown_start_year()),
            "years",  # a time series: one row per year, years without a beginning too
        ),
        (
            "kommunen",
            gettext("Am besten vernetzte Gemeinden und Städte"),
            gettext("Gemeinde / Stadt"),
            [(organisation.name, n, True) for organisation, n in statistics.most_connected_municipalities()],
            "",
            "bars",
        ),
    ]
    return render_template("public/statistics.html", charts=charts)


def _unknown_years_note(count: int) -> str:
    if not count:
        return ""
    if count == 1:
        return gettext("Ein Profil nennt kein Jahr.")
    return gettext("%(n)s Profile nennen kein Jahr.", n=count)
