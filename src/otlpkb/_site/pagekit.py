"""Helpers for executed blocks in the chapter pages.

Pages print Markdown or HTML; these helpers make that output look the same on every build:
figures become inline SVG with stable ids and no date (and are refused when a legend covers
data), tables become Markdown with fixed number formatting, and every chapter opens with the
same "Run this chapter" box.
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
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from otlpkb.chapters import chapter

STYLE: Any = {  # matplotlib types rcParams keys as literals
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


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> Any:
    """A figure and axes in the site's style."""
    with plt.rc_context(STYLE):
        return plt.subplots(nrows, ncols, **kwargs)


def legend_below(ax: Axes, ncol: int = 3, **kwargs: Any) -> None:
    """Put the legend of `ax` under its x-axis label, where it can never cover data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=ncol, **kwargs)


def figure(fig: Figure, name: str, caption: str = "") -> str:
    """Render ``fig`` as an inline, reproducible SVG inside a ``<figure>``; closes ``fig``.

    ``name`` must be unique on the page: it salts the SVG ids (two figures with the same
    salt would share clip-path ids) and becomes the element id, so pages can link to it.
    Print the result from a block with ``html="true"``.

    Raises:
        ValueError: a bad name, or a legend drawn over the data of its axes (move it with
            ``loc=`` or ``bbox_to_anchor=``; `legend_overlaps` says what it covers).
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"figure name must be lowercase words joined by '-', got {name!r}")
    covered = legend_overlaps(fig)
    if covered:
        plt.close(fig)
        raise ValueError(f"figure {name!r}: the legend covers data: {'; '.join(covered)}")
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
    """A Markdown table; numbers go through `fmt`. ``align`` is one of l/r/c per column."""
    rows = [list(r) for r in rows]
    if any(len(r) != len(headers) for r in rows):
        raise ValueError("every row needs one cell per header")
    align = align or "l" + "r" * (len(headers) - 1)
    rule = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule[a] for a in align) + " |"]
    for r in rows:
        lines.append("| " + " | ".join(fmt(c, digits).replace("|", "\\|") for c in r) + " |")
    return "\n".join(lines) + "\n"


def _data_points(artist: Any, ax: Axes) -> np.ndarray:
    """Display coordinates of what `artist` draws: dense along lines, points for markers."""
    if isinstance(artist, Line2D):  # its own transform: axhline mixes axes and data units
        data = np.column_stack(artist.get_data()).astype(float)
        xy: np.ndarray = artist.get_transform().transform(data)
        if artist.get_linestyle() in ("None", "", " ") or len(xy) < 2:
            return xy
        steps = np.linspace(0.0, 1.0, 25)[:, None, None]  # points along every segment
        dense: np.ndarray = (xy[:-1] + steps * (xy[1:] - xy[:-1])).reshape(-1, 2)
        return dense
    if isinstance(artist, Collection):
        offsets = np.asarray(artist.get_offsets(), dtype=float)
        if len(offsets):
            points: np.ndarray = artist.get_offset_transform().transform(offsets)
            return points
    return np.empty((0, 2))


def legend_overlaps(fig: Figure) -> list[str]:
    """What each axes' legend (inside the axes) covers: a line, marker or bar of its data."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    found = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer)
        inside = Bbox.intersection(box, ax.get_window_extent(renderer))
        if inside is None:
            continue  # drawn outside the axes
        for artist in [*ax.lines, *ax.collections]:
            xy = _data_points(artist, ax)
            xy = xy[np.all(np.isfinite(xy), axis=1)]
            hit = (
                (xy[:, 0] > inside.x0)
                & (xy[:, 0] < inside.x1)
                & (xy[:, 1] > inside.y0)
                & (xy[:, 1] < inside.y1)
            )
            if hit.any():
                found.append(f"{artist.get_label() or type(artist).__name__} in {ax.get_title()!r}")
        bars = [p for c in ax.containers if isinstance(c, BarContainer) for p in c]
        if any(Bbox.intersection(p.get_window_extent(renderer), inside) for p in bars):
            found.append(f"a bar in {ax.get_title()!r}")
    return found


def run_box(chapter_id: str) -> str:
    """The "Run this chapter" box under a chapter's title (Markdown), from the catalogue."""
    c = chapter(chapter_id)
    up = "../" * (c.page.count("/") + 1)  # pages are served as directories: a/b/c/
    modules = ", ".join(f"`{m}`" for m in c.modules)
    return (
        '!!! abstract "Run this chapter"\n'
        f"    Download the example as a [notebook (.ipynb)]({up}downloads/{c.slug}.ipynb)"
        f"{{ download }} or a [script (.py)]({up}downloads/{c.slug}.py){{ download }}, or run "
        f"`python {c.example}` in a clone (see [Running the examples]({up}guide/examples/)). "
        f"Implemented in {modules}.\n"
    )
