"""The public API: every exported name resolves to what it names, however modules were imported."""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import textanalytics

PACKAGES = ["textanalytics", "textanalytics.corpus", "textanalytics.preprocessing", "textanalytics.compare",
            "textanalytics.topics"]


def test_exported_names_are_not_shadowed_by_submodules():
    # Import every submodule first: importing ``pkg.x`` binds the module ``x`` on ``pkg``,
    # which would hide a lazily exported function of the same name.
    for info in pkgutil.walk_packages(textanalytics.__path__, "textanalytics."):
        if not info.name.endswith("__main__"):  # running it would start the CLI
            importlib.import_module(info.name)
    for name in PACKAGES:
        package = importlib.import_module(name)
        for export in package.__all__:
            if export.startswith("__"):
                continue
            value = getattr(package, export)
            assert not isinstance(value, types.ModuleType), f"{name}.{export} is a module"


@pytest.mark.parametrize("name", ["preprocess", "coherence"])
def test_functions_sharing_a_module_name_stay_callable(name):
    from textanalytics import topics

    owner = topics if name == "coherence" else textanalytics
    assert callable(getattr(owner, name))
