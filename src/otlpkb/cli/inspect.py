"""`otlpkb inspect`: what is in OTLP trace files, read in bounded memory.

Reads files of any format `otlpkb.otlp.read_traces` reads (OTLP/JSON, JSON lines,
protobuf, the file exporter's frames, gzip), and directories of them, and prints the
services with their error rates, the structural problems (orphans, several roots, parent
cycles, clock skew), per-operation latency percentiles and the slowest traces. See
`otlpkb.diagnosis.inspect` (chapter 5.4).

Exit status: 0 success, 2 bad input (a missing file, a file that is not OTLP traces).
"""

from __future__ import annotations

import click
from rich import box
from rich.table import Table

from otlpkb.cli._common import InputError, console, echo_json
from otlpkb.cli._progress import files_of, reading
from otlpkb.diagnosis.inspect import Inspection, inspect_traces
from otlpkb.otlp import OTLPDecodeError

__all__ = ["command"]


def _show(report: Inspection, operations: int) -> None:
    out = console()
    out.print(
        f"[bold]{report.spans} spans[/bold] in {report.traces} traces from "
        f"{len(report.files)} file(s)"
    )
    services = Table(box=box.SIMPLE_HEAD, title="Services")
    for column in ("service", "spans", "errors", "error rate"):
        services.add_column(column, justify="left" if column == "service" else "right")
    for s in report.services:
        services.add_row(s.service, str(s.spans), str(s.errors), f"{s.error_rate:.2%}")
    out.print(services)
    checks = Table(box=box.SIMPLE_HEAD, title="Structure")
    checks.add_column("check")
    checks.add_column("count", justify="right")
    for label, value in (
        ("invalid spans", report.invalid_spans),
        ("duplicate spans", report.duplicate_spans),
        ("orphan spans (parent missing)", report.orphans),
        ("traces with several roots", report.multi_root_traces),
        ("traces with no root", report.rootless_traces),
        ("parent cycles", report.parent_cycles),
        ("spans skewed against their parent", report.skewed_spans),
        ("traces split by the window", report.split_traces),
    ):
        checks.add_row(label, str(value))
    out.print(checks)
    ops = Table(box=box.SIMPLE_HEAD, title=f"Operations (slowest p99 first, top {operations})")
    for column in ("service", "operation", "spans", "errors", "p50 ms", "p95 ms", "p99 ms"):
        ops.add_column(column, justify="left" if column in ("service", "operation") else "right")
    for o in report.operations[:operations]:
        ops.add_row(
            o.service,
            o.operation,
            str(o.count),
            str(o.errors),
            f"{o.p50_ms:.3g}",
            f"{o.p95_ms:.3g}",
            f"{o.p99_ms:.3g}",
        )
    out.print(ops)
    slow = Table(box=box.SIMPLE_HEAD, title="Slowest traces")
    for column in ("trace id", "duration ms", "spans", "root"):
        slow.add_column(column, justify="right" if column in ("duration ms", "spans") else "left")
    for t in report.slow_traces:
        slow.add_row(t.trace_id, f"{t.duration_ms:.4g}", str(t.spans), t.root)
    out.print(slow)


@click.command(name="inspect")
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the inspection as JSON.")
@click.option(
    "--top", type=click.IntRange(1, 1000), default=10, show_default=True,
    help="Slowest traces to list.",
)  # fmt: skip
@click.option(
    "--operations", type=click.IntRange(1, 10_000), default=20, show_default=True,
    help="Operations to list in the table (--json lists all).",
)  # fmt: skip
@click.option(
    "--window", type=click.IntRange(1, 100_000_000), default=200_000, show_default=True,
    help="Spans held in open traces; bounds memory.",
)  # fmt: skip
def command(paths: tuple[str, ...], as_json: bool, top: int, operations: int, window: int) -> None:
    """Summarise OTLP trace files: services, errors, orphans, skew, latency, slow traces.

    PATHS are OTLP files (JSON, JSON lines, protobuf, file-exporter frames, gzip) or
    directories of them. Exit status: 0 success, 2 bad input.
    """
    files = files_of(paths)
    try:
        with reading(files) as on_read:
            report = inspect_traces(files, window=window, top=top, on_read=on_read)
    except OTLPDecodeError as error:
        raise InputError(str(error)) from None
    except OSError as error:
        raise InputError(
            f"{error.filename or ', '.join(paths)}: cannot read: {error.strerror or error}"
        ) from None
    if as_json:
        echo_json(report.to_dict())
    else:
        _show(report, operations)
