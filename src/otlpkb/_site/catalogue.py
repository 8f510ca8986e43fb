"""The chapter pages, the navigation, the API reference pages and the landing map.

The chapter catalogue (`otlpkb.chapters`) says which 39 chapters exist; a chapter is on
the site when its page exists, and the page's YAML front matter declares what pairs with it.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from otlpkb.chapters import CHAPTERS, PARTS, SECTIONS, Chapter

#: the repository (the package is installed in editable mode wherever the site is built)
ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs"
REQUIRED_KEYS = ("chapter", "title", "seed_title", "modules", "example", "tests")


@dataclass
class ChapterPage:
    """A written chapter: the catalogue entry and the page's front matter."""

    chapter: Chapter
    meta: dict[str, Any]
    body: str
    path: Path = field(repr=False)

    @property
    def modules(self) -> list[str]:
        return list(self.meta.get("modules") or [])

    @property
    def tests(self) -> list[str]:
        return list(self.meta.get("tests") or [])

    @property
    def example(self) -> str:
        return str(self.meta.get("example") or "")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a page into its YAML front matter (``{}`` if none) and its body."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ValueError("front matter opened with '---' but never closed")
    meta = yaml.safe_load(text[4:end]) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter must be a mapping")
    return meta, text[end + 5 :]


def chapter_pages(docs: Path = DOCS) -> list[ChapterPage]:
    """Every chapter page that exists, in catalogue order."""
    pages = []
    for chapter in CHAPTERS:
        path = docs / chapter.page
        if path.exists():
            meta, body = split_front_matter(path.read_text(encoding="utf-8"))
            pages.append(ChapterPage(chapter, meta, body, path))
    return pages


def nav(docs: Path = DOCS) -> list[Any]:
    """The site navigation: home, guide, the written chapters by part and section, reference."""
    written = {p.chapter.id for p in chapter_pages(docs)}
    parts: dict[str, list[Any]] = {}
    for number, (part, _folder, title) in SECTIONS.items():
        entries = [
            {f"{c.id} {c.title}": c.page}
            for c in CHAPTERS
            if c.section == number and c.id in written
        ]
        if not entries:
            continue
        if part == "advanced":
            parts.setdefault(part, []).extend(entries)
        else:
            parts.setdefault(part, []).append({title: entries})
    site_nav: list[Any] = [
        {"Home": "index.md"},
        {
            "Guide": [
                {"Getting started": "guide/index.md"},
                {"Running the examples": "guide/examples.md"},
                {"The otlpkb command": "guide/cli.md"},
                {"Writing a chapter": "guide/contributing.md"},
            ]
        },
    ]
    site_nav += [{PARTS[part]: entries} for part, entries in parts.items()]
    site_nav.append(
        {
            "API reference": [{"Overview": "reference/index.md"}]
            + [{name: page} for name, page in reference_pages()]
        }
    )
    return site_nav


def public_subpackages() -> list[str]:
    """``otlpkb`` and each of its public subpackages, by name."""
    import otlpkb

    names = ["otlpkb"]
    for info in pkgutil.iter_modules(otlpkb.__path__, "otlpkb."):
        if info.ispkg and not info.name.rsplit(".", 1)[1].startswith("_"):
            names.append(info.name)
    return sorted(names)


def public_modules(package: str) -> list[str]:
    """The public modules directly inside ``package``.

    Inside a section's subpackage this includes public packages too: a concept split
    into a package of modules (re-exporting its names, e.g.
    ``otlpkb.performance.resources``) keeps its one entry. ``otlpkb``'s own
    subpackages have pages of their own and are left out.
    """
    pkg = importlib.import_module(package)
    return sorted(
        info.name
        for info in pkgutil.iter_modules(pkg.__path__, package + ".")
        if (not info.ispkg or package != "otlpkb")
        and not info.name.rsplit(".", 1)[1].startswith("_")
    )


def reference_pages() -> list[tuple[str, str]]:
    """(navigation title, page path) of every generated API reference page."""
    return [(name, f"reference/{name}.md") for name in public_subpackages()]


def reference_markdown(package: str) -> str:
    """The mkdocstrings page of ``package``: its docstring, re-exports and public modules.

    A module is documented on its own unless the package re-exports its whole public API,
    in which case the package's entry already documents it.
    """
    pkg = importlib.import_module(package)
    exported = set(getattr(pkg, "__all__", ()))
    lines = [
        f"# `{package}`",
        "",
        f"::: {package}",
        "    options:",
        "      show_root_heading: false",
    ]
    if package == "otlpkb" or not exported:
        lines.append("      members: false")
    lines.append("")
    for module in public_modules(package):
        names = set(getattr(importlib.import_module(module), "__all__", ()))
        if names and names <= exported:
            continue
        lines += [
            f"## `{module}`",
            "",
            f"::: {module}",
            "    options:",
            "      show_root_heading: false",
            "      heading_level: 3",
            "",
        ]
    return "\n".join(lines)


def chapter_map_markdown(docs: Path = DOCS, link_from: str = "index.md") -> str:
    """The landing page's chapter map: every chapter, written ones linked, the rest planned."""
    pages = {p.chapter.id: p for p in chapter_pages(docs)}
    here = os.path.dirname(link_from)
    out = [
        f"**{len(pages)} of {len(CHAPTERS)} chapters written.** "
        "Planned chapters are listed without a link until their page lands.\n"
    ]
    current_part = None
    for number, (part, _folder, title) in SECTIONS.items():
        if part != current_part:
            out.append(f"\n### {PARTS[part]}\n")
            current_part = part
        chapters = [c for c in CHAPTERS if c.section == number]
        if part != "advanced":
            out.append(f"\n**{number}. {title}**\n")
        out.append("\n| Chapter | Original title | Status | Implementation |")
        out.append("| :-- | :-- | :-- | :-- |")
        for c in chapters:
            page = pages.get(c.id)
            if page:
                # a directory URL: markdown-exec output bypasses MkDocs' .md link rewriting
                link = os.path.relpath(c.page.removesuffix(".md"), here or ".") + "/"
                name = f"[{c.id} {c.title}]({link})"
                status = ":material-check-circle: written"
                modules = ", ".join(f"`{m}`" for m in page.modules)
            else:
                name = f"{c.id} {c.title}"
                status = ":material-progress-clock: planned"
                modules = ", ".join(f"`{m}`" for m in c.modules)
            out.append(f"| {name} | {c.seed_title} | {status} | {modules} |")
        out.append("")
    return "\n".join(out)
