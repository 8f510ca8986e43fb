"""Helpers for executed blocks in the chapter pages (markdown-exec).

Pages print Markdown or HTML; these helpers make that output look the same on every build:
figures become inline SVG with stable ids and no date, tables become Markdown with fixed
number formatting. The MkDocs hook puts this folder on ``sys.path``.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 100,
    "font.size": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "svg.fonttype": "none",  # text stays text: searchable, crisp, small
}


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs: Any):
    """A figure and axes in the site's style."""
    with plt.rc_context(STYLE):
        return plt.subplots(nrows, ncols, **kwargs)


def figure(fig, name: str, caption: str = "") -> str:
    """Render ``fig`` as an inline, reproducible SVG inside a ``<figure>``; closes ``fig``.

    ``name`` must be unique on the page: it salts the SVG ids (two figures with the same
    salt would share clip-path ids) and becomes the element id, so pages can link to it.
    Print the result from a block with ``html="true"``.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"figure name must be lowercase words joined by '-', got {name!r}")
    buffer = io.StringIO()
    with plt.rc_context({**STYLE, "svg.hashsalt": name}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: invalid inside HTML
    svg = _namespace_ids(svg, name)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(caption or name)}" ', 1)
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="kb-figure" id="fig-{name}">\n{svg}\n{cap}</figure>\n'


def _namespace_ids(svg: str, prefix: str) -> str:
    """Prefix every id (and every reference to it), so figures on one page never share ids."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg
    pattern = re.compile(r'(\bid="|url\(#|href="#)(' + "|".join(map(re.escape, ids)) + r')(?=[")])')
    return pattern.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def fmt(value: Any, digits: int = 3) -> str:
    """Format a number for a table: fixed significant digits, no ``-0``, inf and nan spelled."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        if value == 0:
            return "0"
        if 10 ** (digits - 1) <= abs(value) < 1e15:  # whole units with separators: 1,320
            text = f"{value:,.0f}"
        else:  # otherwise `digits` significant digits (scientific only when tiny or huge)
            text = f"{value:,.{digits}g}"
        return text.replace("-", "−")
    return str(value)


def table(
    rows: Iterable[Sequence[Any]], headers: Sequence[str], digits: int = 3, align: str | None = None
) -> str:
    """A Markdown table; numbers go through :func:`fmt`. ``align`` is one of l/r/c per column."""
    rows = [list(r) for r in rows]
    if any(len(r) != len(headers) for r in rows):
        raise ValueError("every row needs one cell per header")
    align = align or "l" + "r" * (len(headers) - 1)
    rule = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule[a] for a in align) + " |"]
    for r in rows:
        lines.append("| " + " | ".join(fmt(c, digits).replace("|", "\\|") for c in r) + " |")
    return "\n".join(lines) + "\n"
