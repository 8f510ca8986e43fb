"""What the performance chapters say about the Collector agrees with its source.

Findings of the reviews (issue 9 item 2, issue 17 items 1 and 2) that live in prose:

- ``otelcol_exporter_send_failed_*`` is recorded once per request by the exporter
  helper's observability sender, which wraps the retry sender
  (opentelemetry-collector ``exporter/exporterhelper/internal/base_exporter.go`` and
  ``obs_report_sender.go``): it never counts retries or failed attempts;
- the log line "Dropping data because sending_queue is full" was removed in Collector
  v0.93.0 (CHANGELOG, #9219): a page may name it only as removed;
- a refused enqueue goes back to the caller ("sending queue is full"), where an OTLP
  client may retry it: a page must not say such data is "not retried".

Each rule is checked sentence by sentence on the rendered Markdown source.
"""

from __future__ import annotations

import re

import pytest

from kbtest import ROOT

PAGES = sorted((ROOT / "docs" / "theory" / "performance").glob("*.md"))


def sentences(page: str) -> list[str]:
    """The page's prose as sentences (code fences dropped, lines joined)."""
    prose = re.sub(r"```.*?```", " ", page, flags=re.S)
    text = " ".join(prose.split())
    return re.split(r"(?<=[.!?])\s+(?=[A-Z`*(])", text)


def problems(page: str) -> list[str]:
    found = []
    for s in sentences(page):
        counts_attempts = re.search(r"marks retries|failed attempts?\b", s)
        denies_it = re.search(r"not (each|once per|per) failed attempt|not failed attempts", s)
        if "send_failed" in s and counts_attempts and not denies_it:
            found.append(f"send_failed described as counting attempts: {s!r}")
        if "Dropping data because sending_queue is full" in s and not re.search(
            r"removed|retired", s
        ):
            found.append(f"a retired log line presented as current: {s!r}")
        if "enqueue_failed" in s and "not retried" in s:
            found.append(f"refused data said to be 'not retried': {s!r}")
    return found


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_pages_state_the_collectors_behaviour(path):
    assert problems(path.read_text(encoding="utf-8")) == []


def test_the_rules_catch_what_the_reviews_found():
    # The sentences the pages carried before the fix (1.2, 1.1 and 1.3).
    old = (
        "Watch the fan-out. `otelcol_exporter_send_failed_spans` marks retries, each of "
        "which adds back-off. The queue is full and counted in "
        "`otelcol_exporter_enqueue_failed_spans` (with the log line \"Dropping data "
        'because sending_queue is full"). Refused and counted in '
        "`otelcol_exporter_enqueue_failed_spans`; these drops are not retried."
    )
    assert len(problems(old)) == 3
    new = (
        "Retries do not show in `otelcol_exporter_send_failed_spans`, not failed attempts. "
        'The message "Dropping data because sending_queue is full" was removed in v0.93.0.'
    )
    assert problems(new) == []
