"""The `otlpkb` command: the chapters' methods applied to your own data.

Run `otlpkb --help` for the subcommands; the guide page *The otlpkb command* shows each
one. Every subcommand lives in a module of this package named after it (`otlpkb.cli.inspect`
holds `otlpkb inspect`) that defines `command`; the group finds them by name and imports one
only when it runs, so `otlpkb --version` does not pay for numpy or scipy.

Exit status, for every subcommand: 0 success, 1 a finding the command exists to report
(a regression, an unhealthy Collector), 2 bad input or usage, with one line on standard
error that names the problem — never a traceback.
"""

from __future__ import annotations

import errno
import importlib
import pkgutil
import sys
from typing import Any

import click

from otlpkb import __version__

__all__ = ["main"]


class _Commands(click.Group):
    """A group whose subcommands are the public modules of this package, loaded lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(
            info.name.replace("_", "-")
            for info in pkgutil.iter_modules(__path__)
            if not info.name.startswith("_")
        )

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.list_commands(ctx):
            return None
        module = importlib.import_module(f"{__name__}.{cmd_name.replace('-', '_')}")
        command: click.Command = module.command
        return command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # What click leaves as a traceback becomes one line: an output the terminal cannot
        # encode, a full disk, a closed pipe.
        try:
            return super().main(*args, **kwargs)
        except UnicodeEncodeError as error:
            text = error.object[error.start : error.end]
            _die(
                f"the output encoding {error.encoding!r} cannot show {text!r}; "
                "set PYTHONIOENCODING=utf-8 or use a UTF-8 locale",
                1,
            )
        except OSError as error:
            if error.errno == errno.EPIPE:
                _die("", 1)  # the reader went away (e.g. `| head`): nothing to say
            _die(f"cannot write the output: {error.strerror or error}", 1)


def _die(message: str, status: int) -> None:
    try:
        sys.stdout = None  # never flush a broken stdout at exit
        if message:
            sys.stderr.write(f"otlpkb: error: {message}\n")
            sys.stderr.flush()
    finally:
        raise SystemExit(status)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="otlpkb")
def main() -> None:
    """Theory and operations of OTLP telemetry pipelines, as commands."""
