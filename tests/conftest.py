"""Shared fixtures: one strict build of the site per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbtest import ARTIFACTS, build_site


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
