"""The page helpers: figures must be reproducible, tables exact, mistakes loud."""

from __future__ import annotations

import re

import pytest

from otlpkb._site.pagekit import figure, fmt, new_figure, table


def draw(name: str) -> str:
    fig, ax = new_figure()
    ax.plot([0, 1, 2], [1, 4, 9], label="squares")
    ax.legend()
    return figure(fig, name, "A caption & more")


def test_the_same_figure_renders_to_the_same_bytes() -> None:
    assert draw("same") == draw("same")


def test_figures_carry_no_date_and_no_xml_prolog() -> None:
    svg = draw("nodate")
    assert "<dc:date>" not in svg and "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert svg.startswith('<figure class="kb-figure" id="fig-nodate">')
    assert "A caption &amp; more" in svg


def test_figures_on_one_page_share_no_id_and_keep_their_references() -> None:
    a, b = draw("alpha"), draw("beta")
    ids_a = set(re.findall(r'\bid="([^"]+)"', a))
    ids_b = set(re.findall(r'\bid="([^"]+)"', b))
    assert ids_a and not (ids_a & ids_b), "two figures on a page would share element ids"
    for svg, ids in ((a, ids_a), (b, ids_b)):
        refs = set(re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', svg))
        for ref in {r for pair in refs for r in pair if r}:
            assert ref in ids, f"reference to missing id {ref}"


def test_bad_figure_names_are_refused() -> None:
    fig, _ = new_figure()
    with pytest.raises(ValueError, match="figure name"):
        figure(fig, "Has Spaces")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (1234.5678, "1,235"),
        (999.94, "1,000"),
        (123.456, "123"),
        (0.5, "0.5"),
        (2.5e17, "2.5e+17"),
        (12345, "12,345"),
        (float("nan"), "n/a"),
        (float("inf"), "∞"),
        (-0.5, "−0.5"),
        (True, "yes"),
        (None, "—"),
        ("x|y", "x|y"),
    ],
)
def test_fmt(value: object, text: str) -> None:
    assert fmt(value) == text


def test_fmt_keeps_digits() -> None:
    assert fmt(3.14159, 4) == "3.142"
    assert fmt(0.000123456) == "0.000123"


def test_table_shape_and_escaping() -> None:
    out = table([("a|b", 1.5), ("c", 2)], ["name", "value"])
    assert out.splitlines() == ["| name | value |", "| :-- | --: |", "| a\\|b | 1.5 |", "| c | 2 |"]
    with pytest.raises(ValueError, match="one cell per header"):
        table([(1,)], ["a", "b"])
