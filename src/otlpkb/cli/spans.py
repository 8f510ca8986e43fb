"""`otlpkb spans`: the spans of OTLP trace files as a Parquet table.

``otlpkb spans PATH... --to parquet OUT`` writes one row per span (ids, name, kind,
service, times, duration, status, scope, and the span and resource attributes as JSON
text), one row group per batch, so an archive of any size converts in bounded memory.
Query the file with DuckDB, Spark or ClickHouse. Needs pyarrow (``pip install
'otlpkb[parquet]'``). See `otlpkb.diagnosis.inspect` (chapter 5.4).

Exit status: 0 success, 2 bad input or pyarrow missing.
"""

from __future__ import annotations

from pathlib import Path

import click

from otlpkb.cli._common import InputError
from otlpkb.cli._progress import files_of, reading
from otlpkb.diagnosis.inspect import write_parquet
from otlpkb.otlp import OTLPDecodeError

__all__ = ["command"]


@click.command(name="spans")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--to", "to", type=click.Choice(["parquet"]), required=True, help="The output format."
)
@click.argument("out", nargs=1, type=click.Path(dir_okay=False, path_type=Path))
def command(paths: tuple[str, ...], to: str, out: Path) -> None:
    """Write the spans of OTLP trace files to a Parquet file OUT.

    PATHS are OTLP files (JSON, JSON lines, protobuf, file-exporter frames, gzip) or
    directories of them. Exit status: 0 success, 2 bad input.
    """
    files = files_of(paths)
    if out.resolve() in {f.resolve() for f in files}:
        raise InputError(f"{out}: is one of the inputs")
    try:
        with reading(files) as on_read:
            count = write_parquet(files, out, on_read=on_read)
    except ImportError as error:
        raise InputError(str(error)) from None
    except OTLPDecodeError as error:
        out.unlink(missing_ok=True)
        raise InputError(str(error)) from None
    except OSError as error:
        raise InputError(
            f"{error.filename or out}: cannot read or write: {error.strerror or error}"
        ) from None
    click.echo(f"{count} spans -> {out}", err=True)
