"""Shared fixtures: the hand-checkable tiny corpus of the vocabulary tests, the seeds report
(built once per session and shared by the end-to-end, CLI and signal tests), and one headless
Chromium for the browser tests; and the pytest-xdist groups that keep each built once per run."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


#: Test files run by one pytest-xdist worker (``-n auto --dist loadgroup`` in pyproject.toml), so
#: that the session or module fixtures their tests share are built once per run, not once per
#: worker: the seeds report (and the Chromium its browser tests share with the explorer tests),
#: and the Spark session. Other tests are handed out one at a time.
XDIST_GROUPS = {
    "seeds_report": ("test_cli.py", "test_report_e2e.py", "test_report_explorer.py", "test_signals.py"),
    "spark": ("test_spark.py",),
}
#: The fixtures behind each group: a test using one outside the group's files gets a warning.
GROUP_FIXTURES = {"seeds_report": "seeds_report", "seeds_project": "seeds_report", "chrome": "seeds_report",
                  "spark": "spark"}
_GROUP_OF_FILE = {name: group for group, names in XDIST_GROUPS.items() for name in names}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` with the groups of :data:`XDIST_GROUPS`, by test file.

    pytest-xdist 3.8 forms its groups by renaming the tests' node ids, which pytest 9.2 ignores, so
    its ``xdist_group`` marks silently group nothing (pytest-dev/pytest-xdist#1386). The scheduler
    sees node ids only, hence groups of whole files.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling  # deferred: xdist, only when distributing

    class FileGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            group = _GROUP_OF_FILE.get(path.removeprefix("tests/"))
            return group or super()._split_scope(nodeid)

    return FileGroupScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = {GROUP_FIXTURES[name] for name in getattr(item, "fixturenames", ()) if name in GROUP_FIXTURES}
        for group in sorted(fixtures - {_GROUP_OF_FILE.get(item.path.name)}):
            item.warn(pytest.PytestWarning(
                f"{item.path.name} uses the {group} fixtures: add it to XDIST_GROUPS[{group!r}] in tests/conftest.py, "
                "or each pytest-xdist worker builds them anew"))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # The notebooks take longest of the ungrouped tests: handed out first, they do not end the run.
        items.sort(key=lambda item: item.path.suffix != ".ipynb")


@pytest.fixture(scope="session")
def tiny():
    """The module ``tests/data/compare/tiny.py`` (``tiny_corpus()``, ``tiny_tokens()``, ``Tokens``)."""
    spec = importlib.util.spec_from_file_location("compare_tiny", Path(__file__).parent / "data" / "compare" / "tiny.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def seeds_project(tmp_path_factory) -> Path:
    """A project folder for the seeds: ``analysis.toml`` as committed, ``seeds`` linked, its own cache.

    The cache (``.textanalytics_cache`` beside the config) starts empty in every session, so the
    session's report is a run from scratch wherever the tests run; afterwards it holds the
    tokens, topic fits and figures that the CLI and signal tests reuse.
    """
    return _seeds_project_in(tmp_path_factory.mktemp("seeds_project"))


@pytest.fixture
def own_seeds_project(tmp_path) -> Path:
    """Like ``seeds_project``, for one test: ``tmp_path`` with ``analysis.toml``, ``seeds`` and an empty cache."""
    return _seeds_project_in(tmp_path)


def _seeds_project_in(folder: Path) -> Path:
    (folder / "analysis.toml").write_bytes((ROOT / "analysis.toml").read_bytes())
    (folder / "seeds").symlink_to(ROOT / "seeds", target_is_directory=True)
    return folder


@pytest.fixture(scope="session")
def seeds_report(seeds_project):
    """``(folder, ReportResult)`` of ``analysis.toml`` on the seeds, written once per session from an empty cache.

    Tests must not change the folder: copy it first.
    """
    from textanalytics.report import build_report

    out = seeds_project / "reports"
    return out, build_report(seeds_project / "analysis.toml", out=out)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chrome():
    """One headless Chromium (selenium) for the session, keeping its browser and network logs.

    Missing Chromium or chromedriver fails under ``CI=true`` (``.ci/run`` installs them) and
    skips elsewhere. Tests read ``get_log("browser")`` / ``get_log("performance")`` once
    before loading their page, so each sees only its own page's entries.
    """
    chromium, driver_path = _chromium(), shutil.which("chromedriver")
    if not (chromium and driver_path):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Chromium/chromedriver are missing (.ci/run installs them)")
        pytest.skip("headless Chromium not installed (Debian/Ubuntu: apt-get install chromium chromium-driver)")
    from selenium import webdriver  # deferred: selenium, only for the browser tests
    from selenium.webdriver.chrome.service import Service  # deferred: selenium

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()
