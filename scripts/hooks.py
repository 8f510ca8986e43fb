"""A convenience for `mkdocs serve` only; no page depends on it (Zensical runs no hooks).

``on_pre_build`` drops ``otlpkb`` from ``sys.modules``, so that a rebuild executes edited
code instead of the modules the previous build imported, and brings the generated files
(navigation, API reference pages, notebooks) up to date, so a new page shows up at once.
"""

from __future__ import annotations

import sys


def _drop_project_modules() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] == "otlpkb":
            del sys.modules[name]


def on_pre_build(config):
    _drop_project_modules()
    from otlpkb._site import generate

    generate.write()
