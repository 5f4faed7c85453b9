"""The table of places: every German state, government district, district, municipal association
and municipality of the loaded Destatis register."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import UTCDateTime, utcnow

PLACE_KINDS = ("state", "government_district", "district", "association", "municipality")
#: kinds that have a public page under /kommunen/
PAGE_KINDS = ("district", "association", "municipality")
#: AGS state prefix → ISO 3166-2 code, as organisations store states
STATE_CODES = {
    "01": "DE-SH",
    "02": "DE-HH",
    "03": "DE-NI",
    "04": "DE-HB",
    "05": "DE-NW",
    "06": "DE-HE",
    "07": "DE-RP",
    "08": "DE-BW",
    "09": "DE-BY",
    "10": "DE-SL",
    "11": "DE-BE",
    "12": "DE-BB",
    "13": "DE-MV",
    "14": "DE-SN",
    "15": "DE-ST",
    "16": "DE-TH",
}


class Place(db.Model):
    """A place of the official register, keyed by its official key.

    Keys have one length per kind (state 2, government district 3, district 5, municipality 8
    digits: the AGS; association 9: Land, RB, Kreis, Verband), so one key column serves all.
    A place that a later register no longer has stays, marked inactive: organisations keep
    their link, and the load reports them.
    """

    __tablename__ = "places"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('state', 'government_district', 'district', 'association', 'municipality')",
            name="kind_known",
        ),
    )

    key: Mapped[str] = mapped_column(String(12), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    #: the name without the register's suffix: "Sundern (Sauerland)"
    name: Mapped[str] = mapped_column(String(200))
    #: the register's own spelling: "Sundern (Sauerland), Stadt"
    official_name: Mapped[str] = mapped_column(String(200))
    #: Stadt, Gemeinde, Markt, Kreisfreie Stadt, Landkreis, Verbandsgemeinde, ...
    designation: Mapped[str] = mapped_column(String(80), default="")
    #: folded name for matching and autocomplete (see places.naming.name_key)
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    slug: Mapped[str] = mapped_column(String(220))
    #: the next place up: association (if any) or district; district → government district or state
    parent_key: Mapped[str | None] = mapped_column(String(12), index=True)
    district_key: Mapped[str | None] = mapped_column(String(5), index=True)
    association_key: Mapped[str | None] = mapped_column(String(9), index=True)
    state_key: Mapped[str] = mapped_column(String(2), index=True)
    postcode: Mapped[str] = mapped_column(String(5), default="", index=True)
    area_km2: Mapped[float | None] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer, index=True)
    #: where the population comes from, e.g. "Destatis GV-ISys (Ausgabe vor 2021)"
    population_source: Mapped[str] = mapped_column(String(200), default="")
    #: centre (WGS84): the register's for municipalities, the members' area-weighted mean above
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: False once a loaded register no longer contains the place (no index: true for nearly all,
    #: SQLite would read every place through it, see migration 0009)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def state_code(self) -> str:
        """ISO 3166-2 code of the place's state (DE-NW)."""
        return STATE_CODES.get(self.state_key, "")

    @property
    def label(self) -> str:
        """Name as people say it: "Landkreis Leipzig" for a district called "Leipzig"."""
        if (
            self.kind == "district"
            and self.designation in ("Landkreis", "Kreis")
            and "kreis" not in self.name.casefold()
        ):
            return f"{self.designation} {self.name}"
        return self.name

    @property
    def url_part(self) -> str:
        """The page's path segment: key and slug."""
        return f"{self.key}-{self.slug}"


class RegisterLoad(db.Model):
    """A load of the register that changed places: the newest row's id and time are the
    register's stamp, part of the catalogue's version (see caching.catalogue_version), so that
    nothing made from the places (pages, API answers, the participants' centres) outlives a load."""

    __tablename__ = "register_loads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the file loaded (its name), empty when not known
    source: Mapped[str] = mapped_column(String(300), default="")
    #: places in the register, and how many of them were new, changed or no longer there
    total: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    vanished: Mapped[int] = mapped_column(Integer, default=0)
