"""A page's prose may not state a count of shipped data that the data contradict (issue 9.7).

Chapter 3.4 said "the twelve Jepsen etcd histories" twice while its own table showed 102.
Counts belong in executed output; where prose still names a count of a shipped data set,
this test recomputes the count from the files in ``otlpkb.datasets`` and compares. The
prose is the Markdown outside fenced code blocks (executed blocks print their own,
computed, sentences).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from kbtest import ROOT
from otlpkb import datasets

WORDS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
NUMBER = r"(?P<count>\d[\d,]*|" + "|".join(WORDS) + r")"
FENCE = re.compile(r"^\s*(```|~~~).*?^\s*\1", re.S | re.M)


def _files(folder: str, pattern: str) -> int:
    """How many shipped files in ``folder`` match ``pattern`` (found via a README/LICENSE)."""
    anchor = {"jepsen": "jepsen/etcd_000.log", "otlp/jaeger": "otlp/jaeger/LICENSE"}[folder]
    return len(list(Path(datasets.path(anchor)).parent.glob(pattern)))


# (what, a pattern whose "count" group is the stated number, the count from the data)
CLAIMS: list[tuple[str, re.Pattern[str], Callable[[], int]]] = [
    (
        "Jepsen etcd histories",
        re.compile(NUMBER + r"\s+(?:shipped\s+)?Jepsen(?:\s+etcd)?\s+(?:logs|histories)", re.I),
        lambda: _files("jepsen", "etcd_*.log"),
    ),
    (
        "Jaeger OTLP fixtures",
        re.compile(NUMBER + r"\s+OTLP\s+fixtures\s+from\s+Jaeger", re.I),
        lambda: _files("otlp/jaeger", "*.json"),
    ),
]

PAGES = sorted(p for p in (ROOT / "docs").rglob("*.md") if "reference" not in p.parts)


def prose(page: Path) -> str:
    """The page without its fenced code blocks (executed or shown)."""
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def stated_counts(text: str) -> list[tuple[str, int, int]]:
    """(what, stated, actual) for every count claim in ``text``."""
    found = []
    for what, pattern, actual in CLAIMS:
        for m in pattern.finditer(" ".join(text.split())):
            word = m["count"].lower()
            stated = WORDS[word] if word in WORDS else int(word.replace(",", ""))
            found.append((what, stated, actual()))
    return found


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_prose_counts_of_shipped_data_match_the_data(page: Path) -> None:
    wrong = [(w, s, a) for w, s, a in stated_counts(prose(page)) if s != a]
    assert not wrong, f"{page.name}: prose states {wrong} (what, stated, in the data)"


def test_the_check_catches_the_twelve_histories() -> None:
    shipped = _files("jepsen", "etcd_*.log")
    assert shipped > 12  # the data this test was written against
    text = "The twelve Jepsen etcd histories must receive the verdicts.\n```\n12 Jepsen logs\n```"
    assert stated_counts(prose_text(text)) == [("Jepsen etcd histories", 12, shipped)]
    assert stated_counts(f"all {shipped:,} Jepsen histories") == [
        ("Jepsen etcd histories", shipped, shipped)
    ]


def prose_text(markdown: str) -> str:
    return FENCE.sub("", markdown)
