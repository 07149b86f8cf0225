"""Shared fixtures: the hand-checkable tiny corpus of the vocabulary tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny():
    """The module ``tests/data/compare/tiny.py`` (``tiny_corpus()``, ``tiny_tokens()``, ``Tokens``)."""
    spec = importlib.util.spec_from_file_location("compare_tiny", Path(__file__).parent / "data" / "compare" / "tiny.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
