"""Real data sets that ship with otlpkb: OTLP files, Jepsen histories and their licences.

Every file here was copied byte for byte from a public repository; ``SOURCES.md`` in each
folder names the repository, path, commit and licence. Examples, pages and tests load them
through `path`, so they run from an installed package as well as from a clone.

Examples:
    >>> from otlpkb import datasets
    >>> datasets.path("otlp/proto-examples/trace.json").name
    'trace.json'
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["available", "path"]

_ROOT = Path(str(files(__name__)))


def path(name: str) -> Path:
    """The filesystem path of the data file ``name`` (a ``/``-separated relative path).

    Raises:
        FileNotFoundError: no shipped data file has that name; the message lists what exists.
    """
    candidate = (_ROOT / name).resolve()
    if _ROOT.resolve() not in candidate.parents or not candidate.is_file():
        raise FileNotFoundError(f"no data set file {name!r}; available: {', '.join(available())}")
    return candidate


def available() -> list[str]:
    """The names of every shipped data file, sorted."""
    return sorted(
        p.relative_to(_ROOT).as_posix()
        for p in _ROOT.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    )
