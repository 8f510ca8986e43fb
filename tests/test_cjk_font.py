"""The vendored CJK subset font holds every CJK character the site shows."""

from __future__ import annotations

from fontTools.ttLib import TTFont

import vendor_cjk_font as vendor  # scripts/ is on the tests' path


def test_the_subset_covers_every_cjk_character_of_the_site() -> None:
    cmap = TTFont(vendor.FONT).getBestCmap()
    missing = sorted(ch for ch in vendor.site_characters() if ord(ch) not in cmap)
    assert not missing, f"run scripts/vendor_cjk_font.py: the font lacks {''.join(missing)}"


def test_the_subset_carries_no_reserved_name_and_its_licence() -> None:
    font = TTFont(vendor.FONT)
    names = {record.toUnicode() for record in font["name"].names}
    assert vendor.FAMILY in names
    assert not any("Source" in n or "Noto" in n for n in names), names
    licence = (vendor.DEST / "LICENSE").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
