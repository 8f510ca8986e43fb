"""Shared fixtures (one strict build of the site per session) and the hypothesis profiles.

Profiles (`HYPOTHESIS_PROFILE`):

- `ci` (the default, and what `.ci/run` selects): derandomized, no example database, no
  deadline. Every run draws the same examples, so a failure always reproduces and nothing
  fails by chance; the examples each test asks for (`max_examples`) are the coverage.
- `dev`: randomized with a local example database, for exploring; `make explore` runs it with
  `OTLPKB_TEST_SCALE=10`, which multiplies the example counts of the property tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from kbtest import ARTIFACTS, build_site

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# make mutate: mutmut runs pytest several times in one process, so a hypothesis test that
# is a method sees a new instance of its class on each run; nothing else differs from ci.
settings.register_profile(
    "mutate",
    settings.get_profile("ci"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.register_profile("dev", derandomize=False, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once per session (tests using it share the xdist group "site")."""
    dest = tmp_path_factory.mktemp("site") / "site"
    result = build_site(dest)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "mkdocs-build.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    assert result.returncode == 0, f"strict build failed:\n{result.stderr[-6000:]}"
    assert (dest / "index.html").is_file(), "the build produced no index.html"
    return dest
