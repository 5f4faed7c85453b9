"""Fixtures of the open-data tests: the vendored SHACL shapes, parsed once."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

SHAPES = Path(__file__).resolve().parent / "shapes"
#: What GovData validates with: SEMIC's shapes, the German layer on top, the German additions.
SHAPE_FILES = ("dcat-ap-3.0.0-SHACL.ttl", "dcat-ap-SHACL-DE.ttl", "dcat-ap-spec-german-additions.ttl")


@pytest.fixture(scope="session")
def dcat_shapes() -> Graph:
    shapes = Graph()
    for name in SHAPE_FILES:
        shapes.parse(SHAPES / name, format="turtle")
    return shapes


@pytest.fixture(scope="session")
def deprecation_shapes() -> Graph:
    return Graph().parse(SHAPES / "dcat-ap-de-deprecated.ttl", format="turtle")
