"""Fixtures of the places tests: a sample of the real register (six districts and every
Neustadt, cut from the shipped file), loaded through the real loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.extensions import db
from catalogue.places.loading import load_places, parse_register
from catalogue.places.register_file import read_register

SAMPLE = Path(__file__).resolve().parent / "files" / "register-sample.csv"


@pytest.fixture
def sample_register(app):
    """The sample register in the places table."""
    report = load_places(parse_register(read_register(SAMPLE), "Destatis GV-ISys (Ausgabe vor 2021)"))
    db.session.commit()
    return report
