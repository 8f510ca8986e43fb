"""A byte-count progress bar on standard error, shown only on a terminal."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from otlpkb.cli._common import InputError
from otlpkb.diagnosis.inspect import iter_paths

__all__ = ["files_of", "reading"]


def files_of(paths: tuple[str, ...]) -> list[Path]:
    """The files named by `paths` (directories walked), or an `InputError`."""
    try:
        files = list(iter_paths(paths))
    except FileNotFoundError as error:
        raise InputError(str(error)) from None
    if not files:
        raise InputError(f"{', '.join(paths)}: no files to read")
    return files


@contextlib.contextmanager
def reading(files: list[Path]) -> Iterator[Callable[[int], None] | None]:
    """A callback advancing a progress bar by bytes read; ``None`` when not on a terminal."""
    err = Console(stderr=True)
    if not err.is_terminal:
        yield None
        return
    total = sum(os.path.getsize(f) for f in files)
    columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("reading", total=total)
        yield lambda n: progress.advance(task, n)
