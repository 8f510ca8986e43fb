"""MkDocs hooks: navigation from the chapter catalogue, generated pages, fresh modules.

- ``on_config``: put ``scripts/`` on ``sys.path`` (pages import ``pagekit``) and build the
  navigation from the chapters whose pages exist.
- ``on_pre_build``: drop ``otlpkb`` (and the page helpers) from ``sys.modules``, so that
  ``mkdocs serve`` executes edited code instead of the modules it imported last time.
- ``on_files``: generate the API reference pages and each chapter's downloadable notebook.
- ``on_page_markdown``: add the "run this chapter" box under a chapter page's title.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mkdocs.structure.files import File

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
FRESH = ("otlpkb", "pagekit", "kbsite")


def _drop_project_modules() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in FRESH:
            del sys.modules[name]


def on_config(config):
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    _drop_project_modules()
    import kbsite

    config["nav"] = kbsite.nav()
    return config


def on_pre_build(config):
    _drop_project_modules()


def notebook_path(slug: str) -> str:
    return f"downloads/{slug}.ipynb"


def script_path(slug: str) -> str:
    return f"downloads/{slug}.py"


def on_files(files, config):
    import jupytext

    import kbsite

    for name, page in kbsite.reference_pages():
        files.append(File.generated(config, page, content=kbsite.reference_markdown(name)))
    for page in kbsite.chapter_pages():
        source = (ROOT / page.example).read_text(encoding="utf-8")
        notebook = jupytext.reads(source, fmt="py:percent")
        notebook.metadata.pop("jupytext", None)  # carries the jupytext version: not reproducible
        for number, cell in enumerate(notebook.cells):
            cell["id"] = f"cell-{number}"  # nbformat's default ids are random
        notebook.metadata["kernelspec"] = {
            "display_name": "Python 3",
            "language": "python",
            "name": "python3",
        }
        slug = page.chapter.slug
        files.append(
            File.generated(
                config, notebook_path(slug), content=jupytext.writes(notebook, fmt="ipynb")
            )
        )
        files.append(File.generated(config, script_path(slug), content=source))
    return files


def on_page_markdown(markdown, page, config, files):
    meta = page.meta
    if not meta.get("chapter") or not meta.get("example"):
        return markdown
    slug = Path(page.file.src_uri).stem
    here = os.path.dirname(page.file.src_uri)
    notebook = os.path.relpath(notebook_path(slug), here)
    script = os.path.relpath(script_path(slug), here)
    box = (
        '!!! abstract "Run this chapter"\n'
        f"    Download the example as a [notebook (.ipynb)]({notebook}){{ download }} or a "
        f"[script (.py)]({script}){{ download }}, or run `python {meta['example']}` in a clone "
        "(see [Running the examples](" + os.path.relpath("guide/examples.md", here) + ")). "
        f"Implemented in {', '.join(f'`{m}`' for m in meta.get('modules', []))}.\n\n"
    )
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):
            # keep the seed-title subtitle (an italic line after the title) above the box
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or lines[j].strip().startswith("*")):
                if lines[j].strip():
                    j += 1
                    break
                j += 1
            return "\n".join([*lines[:j], "", box, *lines[j:]])
    return box + markdown
