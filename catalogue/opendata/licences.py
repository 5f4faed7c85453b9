"""Licences the catalogue's data may be published under: URIs of the DCAT-AP.de licence list.

GovData accepts only these URIs in ``dct:license``; each comes with its human-readable title,
the page of its text (for the ``Link: rel="license"`` header and the XLSX licence sheet) and
whether it asks for attribution (then the downloads name the source).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    uri: str
    title: str
    #: where people read the licence text
    url: str
    attribution: bool


_LIST = "http://dcat-ap.de/def/licenses/"

LICENCES: dict[str, Licence] = {
    licence.uri: licence
    for licence in (
        Licence(
            _LIST + "dl-by-de/2.0",
            "Datenlizenz Deutschland – Namensnennung – Version 2.0",
            "https://www.govdata.de/dl-de/by-2-0",
            True,
        ),
        Licence(
            _LIST + "dl-zero-de/2.0",
            "Datenlizenz Deutschland – Zero – Version 2.0",
            "https://www.govdata.de/dl-de/zero-2-0",
            False,
        ),
        Licence(
            _LIST + "cc-by/4.0",
            "Creative Commons Namensnennung – 4.0 International (CC BY 4.0)",
            "https://creativecommons.org/licenses/by/4.0/",
            True,
        ),
        Licence(
            _LIST + "cc-by-sa/4.0",
            "Creative Commons Namensnennung – Weitergabe unter gleichen Bedingungen 4.0 International (CC BY-SA 4.0)",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            True,
        ),
        Licence(
            _LIST + "cc-zero",
            "Creative Commons CC Zero License (CC0 1.0)",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            False,
        ),
        Licence(
            _LIST + "odbl",
            "Open Data Commons Open Database License (ODbL)",
            "https://opendatacommons.org/licenses/odbl/1-0/",
            True,
        ),
    )
}


def configured_licence(config) -> Licence:
    """The licence the operator chose (config checked at start-up, so it is always known)."""
    return LICENCES[config["DATA_LICENSE"]]
