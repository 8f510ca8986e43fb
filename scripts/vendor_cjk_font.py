"""Vendor a subset of Noto Sans CJK SC holding exactly the CJK characters the site shows.

The site loads no web font from another host (`theme.font: false`), and a reader without a
CJK system font saw the chapters' original titles as empty boxes. This script cuts, from
Debian's `fonts-noto-cjk` (SIL Open Font License 1.1), a WOFF2 font with only the CJK
characters used in the chapter catalogue and the pages — a few kilobytes — renamed so that no
reserved font name is used by the modified font. `tests/test_cjk_font.py` fails when a page
uses a character the subset lacks; run this script again then:

    apt-get install fonts-noto-cjk     # once, on the machine that refreshes the font
    .venv/bin/python scripts/vendor_cjk_font.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_INDEX = 2  # Noto Sans CJK SC in the collection
LICENSE = Path("/usr/share/doc/fonts-noto-cjk/copyright")
DEST = ROOT / "docs" / "assets" / "vendor" / "cjk"
FONT = DEST / "otlpkb-cjk-subset.woff2"
FAMILY = "otlpkb CJK subset"
# CJK ideographs, CJK symbols and punctuation, full-width forms
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def site_characters(root: Path = ROOT) -> set[str]:
    """Every CJK character in the catalogue, the pages and the library's docstrings."""
    texts = [(root / "src" / "otlpkb" / "chapters.py").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (root / "docs").rglob("*.md")]
    texts += [p.read_text(encoding="utf-8") for p in (root / "src").rglob("*.py")]
    return {ch for text in texts for ch in CJK.findall(text)}


def main() -> int:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    if not SOURCE.exists():
        print(f"error: {SOURCE} not found; apt-get install fonts-noto-cjk", file=sys.stderr)
        return 2
    characters = sorted(site_characters())
    font = TTCollection(SOURCE).fonts[SOURCE_INDEX]
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []  # titles need no ligatures or vertical forms
    options.hinting = False
    options.name_IDs = []  # drop every name record; we write our own below
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(characters))
    subsetter.subset(font)
    names = font["name"]
    for name_id, value in ((1, FAMILY), (2, "Regular"), (4, FAMILY), (6, "otlpkbCJKsubset")):
        names.setName(value, name_id, 3, 1, 0x409)
    DEST.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff2"
    font.save(FONT)
    license_text = LICENSE.read_text(encoding="utf-8")
    ofl = license_text[license_text.index("License: SIL-1.1\n -----") :]
    ofl = ofl.split("\nLicense: ", 1)[0]  # the OFL paragraph ends where the next begins
    body = [line[1:] for line in ofl.splitlines()[1:]]
    body = ["" if line == "." else line for line in body]  # Debian's blank-line marker
    (DEST / "LICENSE").write_text(
        "otlpkb-cjk-subset.woff2 is a subset of Noto Sans CJK SC (googlefonts/noto-cjk, as\n"
        "packaged by Debian fonts-noto-cjk 1:20220127), renamed; Copyright 2014-2021 Adobe,\n"
        "Copyright 2010-2012 Google Corporation. It is distributed under the SIL Open Font\n"
        "License 1.1:\n\n" + "\n".join(body).rstrip() + "\n",
        encoding="utf-8",
    )
    size = FONT.stat().st_size
    print(f"wrote {FONT.relative_to(ROOT)}: {len(characters)} characters, {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
