"""What every subcommand shares: the one-line error for bad input, JSON and table output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console

__all__ = ["InputError", "console", "echo_json", "read_text"]


class InputError(click.ClickException):
    """Bad input (a missing file, an unreadable format, an impossible parameter): exit 2.

    Shown as one line, `otlpkb: error: <message>`; the message names the file, the position
    and what is wrong.
    """

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"otlpkb: error: {self.format_message()}", err=True, file=file)


def console() -> Console:
    """A Rich console for human-readable output on standard output."""
    return Console(highlight=False)


def echo_json(data: Any) -> None:
    """Print `data` as indented JSON, keeping non-ASCII text readable."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of `path`, or an `InputError` naming the file (`what` it should be)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not {what}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
