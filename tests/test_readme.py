"""The README's examples run as written and print what the README says they print."""

from __future__ import annotations

import doctest
import re

from kbtest import ROOT


def test_readme_examples_give_the_results_they_state() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```pycon\n(.*?)```", text, flags=re.S)
    assert blocks, "the README shows no Python usage"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README block {number}", "README.md", 0)
        assert test.examples, f"README block {number} has no >>> examples"
        result = runner.run(test)
        assert result.failed == 0, f"README block {number}: {result.failed} example(s) differ"


def test_a_wrong_stated_result_fails() -> None:
    block = ">>> 1 + 1\n3\n"
    test = doctest.DocTestParser().get_doctest(block, {}, "wrong", "README.md", 0)
    runner = doctest.DocTestRunner()
    assert runner.run(test, out=lambda _: None).failed == 1
