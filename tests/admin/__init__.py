"""Tests of the editing area (a package, so its conftest does not shadow tests/conftest.py)."""
