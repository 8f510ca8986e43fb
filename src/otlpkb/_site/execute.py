"""Executed Python fences with a content-addressed output cache that can never be stale.

The site's pages execute their `python exec="on"` fences through `formatter`, a
pymdownx.superfences formatter declared in `mkdocs.yml` (so every builder that reads that
file runs it, with or without MkDocs plugins and hooks). A block's printed output is stored
under a key made of

- the block's code and, for a block in a `session`, the code of every earlier block of that
  session on the same page (its output depends on the state they left behind);
- the source of every `otlpkb` module those blocks import, directly or through other
  modules (found by reading their import statements), so that editing one module re-runs
  only the pages that use it; a block that imports the command line or the chapter
  catalogue (which look modules up by name) depends on every module instead;
- the package's layout (which modules and data files exist) and the content of its data
  files, and the name and version of every installed distribution.

Change any of these and the key changes, so a cached output is always the output the
block would print now. On a miss inside a session, the earlier blocks of the session that
were served from the cache are run first (their output discarded) to rebuild the state.

`OTLPKB_EXEC_CACHE=off` turns the cache off; any other value is the cache directory
(default: `.cache/exec` in the repository).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import io
import itertools
import os
import platform
import re
import sys
import time
import traceback
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from types import ModuleType
from typing import Any

import markdown_exec

import otlpkb

__all__ = ["ExecCache", "formatter", "imported_modules", "module_files"]

FORMAT = "otlpkb-exec-2"  # bump to invalidate every stored output
PACKAGE = Path(otlpkb.__file__).resolve().parent
ROOT = PACKAGE.parents[1]
# modules that import others by name at run time: a block using them depends on everything
DYNAMIC = ("otlpkb.cli", "otlpkb._site.catalogue")


def _tree_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


_file_digests: dict[Path, tuple[int, int, str]] = {}


def _file_digest(path: Path) -> str:
    stat = path.stat()
    known = _file_digests.get(path)
    # (mtime, size) identifies a version only once the file has been still for a while:
    # two edits within one tick of the file system's clock share an mtime
    settled = time.time_ns() - stat.st_mtime_ns > 2_000_000_000
    if known and settled and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    _file_digests[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


@cache
def _library_versions() -> str:
    # once per process: installing a library under a running `mkdocs serve` needs a restart
    versions = sorted(
        f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
    )
    return platform.python_version() + "\n" + "\n".join(versions)


def _base_fingerprint(package: Path) -> str:
    """Libraries, the package's layout and its data files: what every block depends on."""
    h = hashlib.sha256(FORMAT.encode())
    h.update(_library_versions().encode())
    for path in _tree_files(package):
        rel = path.relative_to(package).as_posix()
        h.update(rel.encode() + b"\0")
        if path.suffix != ".py":
            h.update(_file_digest(path).encode())
    return h.hexdigest()


_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)",
    re.M,
)


def imported_modules(code: str, package: str = "", root: str = "otlpkb") -> set[str]:
    """The modules of package `root` that `code` imports; `package` resolves relative ones.

    A name imported from a module may be a submodule (`from otlpkb.x import y`), so
    `otlpkb.x.y` is reported too; `module_files` drops what is not a module.
    """
    names: set[str] = set()
    # parse only the import statements: a whole module's syntax tree costs 100x more
    for match in _IMPORT.finditer(code):
        try:
            statement = ast.parse(match.group(0).strip()).body[0]
        except SyntaxError:  # prose in a docstring that starts like an import
            continue
        if isinstance(statement, ast.Import):
            names.update(alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            if statement.level:
                parts = package.split(".")[: len(package.split(".")) - statement.level + 1]
                module = ".".join(parts + ([statement.module] if statement.module else []))
            else:
                module = statement.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in statement.names)
    return {n for n in names if n == root or n.startswith(root + ".")}


def _module_file(name: str, package: Path) -> Path | None:
    base = package.joinpath(*name.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


_file_imports: dict[tuple[Path, str], set[str]] = {}


def module_files(names: Iterable[str], package: Path = PACKAGE) -> set[Path]:
    """The source files of `names` and of every module of `package` they import, transitively.

    Importing `otlpkb.a.b` runs `otlpkb/__init__.py` and `otlpkb/a/__init__.py` too, so
    parents are included. A name that reaches a module in `DYNAMIC` yields every module.
    """
    todo, seen, files = list(names), set(), set()
    root = package.name
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name.startswith(DYNAMIC):
            return {p for p in _tree_files(package) if p.suffix == ".py"}
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        path = _module_file(name, package)
        if path is None:
            continue
        files.add(path)
        key = (path, _file_digest(path))
        if key not in _file_imports:
            owner = name if path.name == "__init__.py" else name.rpartition(".")[0]
            _file_imports[key] = imported_modules(path.read_text(encoding="utf-8"), owner, root)
        todo += _file_imports[key]
    return files


@dataclass
class _Session:
    """The blocks of one session on one page, and how many of them have really run."""

    namespace: dict[str, Any] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)
    executed: int = 0


@dataclass
class _Page:
    """What one page render shares: the base fingerprint, module closures, the sessions."""

    fingerprint: str
    sessions: dict[str, _Session] = field(default_factory=dict)
    closures: dict[frozenset[str], str] = field(default_factory=dict)


class ExecCache:
    """Runs blocks and stores their output by content; one instance serves a whole build.

    Args:
        directory: where outputs are stored, or None to run every block.
        package: the `otlpkb` package directory whose modules the blocks import.
    """

    def __init__(self, directory: Path | None, package: Path = PACKAGE) -> None:
        self.directory = directory
        self.package = package
        self.hits = 0
        self.misses = 0
        self._blocks = itertools.count(1)
        # one set of sessions per page: MkDocs renders each page with its own Markdown
        self._pages: weakref.WeakKeyDictionary[Any, _Page] = weakref.WeakKeyDictionary()

    def _key(self, page: _Page, codes: list[str]) -> str:
        h = hashlib.sha256(page.fingerprint.encode())
        names = frozenset().union(*(_imports_of_block(c, self.package.name) for c in codes))
        if names not in page.closures:  # files do not change while one page renders
            sources = hashlib.sha256()
            for path in sorted(module_files(names, self.package)):
                sources.update(f"{path.relative_to(self.package)}\0{_file_digest(path)}\n".encode())
            page.closures[names] = sources.hexdigest()
        h.update(page.closures[names].encode())
        for code in codes:
            h.update(b"\0block\0" + code.encode())
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.txt"

    def run(self, page: Any, code: str, session: str | None = None) -> str:
        """The output of `code` on `page`: from the cache, or by running it (and storing).

        `page` is any object that stands for one render of one page (the Markdown instance).
        """
        if page not in self._pages:
            self._pages[page] = _Page(_base_fingerprint(self.package))
        shared = self._pages[page]
        # blocks outside a session share nothing
        state = shared.sessions.setdefault(session, _Session()) if session else _Session()
        state.codes.append(code)
        block_id = f"{session or 'block'} {next(self._blocks)}"
        key = self._key(shared, state.codes) if self.directory else ""
        if key and self._path(key).exists():
            self.hits += 1
            return self._path(key).read_text(encoding="utf-8")
        self.misses += 1
        earlier, state.executed = state.codes[state.executed : -1], len(state.codes)
        for previous in earlier:  # rebuild the state that blocks served from the cache left
            _exec(previous, state.namespace, block_id)
        output = _exec(code, state.namespace, block_id)
        if key:
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(output, encoding="utf-8")
            temporary.replace(path)
        return output


@cache
def _imports_of_block(code: str, root: str) -> frozenset[str]:
    return frozenset(imported_modules(code, root=root))


def _buffer_print(buffer: io.StringIO, *texts: object, end: str = "\n", **_: Any) -> None:
    buffer.write(" ".join(str(text) for text in texts) + end)


def _exec(code: str, namespace: dict[str, Any], block_id: str) -> str:
    """Run `code` in `namespace` and return what it printed; failures become ExecutionError."""
    name = "kb_block_" + hashlib.sha1(block_id.encode()).hexdigest()[:12]
    namespace["__name__"] = name
    sys.modules[name] = ModuleType(name)  # dataclasses and pickling look the module up
    buffer = io.StringIO()
    namespace["print"] = partial(_buffer_print, buffer)
    filename = f"<code block: {block_id}>"
    try:
        exec(compile(code, filename, "exec"), namespace)
    except Exception as error:
        lines = code.splitlines()
        trace = traceback.TracebackException.from_exception(error)
        for frame in trace.stack:  # show the block's own line in the traceback
            if frame.filename == filename and frame.lineno and frame.lineno <= len(lines):
                frame._line = lines[frame.lineno - 1]  # type: ignore[attr-defined]
        text = "".join(trace.format())
        raise markdown_exec.ExecutionError(markdown_exec.code_block("python", text)) from error
    return buffer.getvalue()


def _default_cache() -> ExecCache:
    setting = os.environ.get("OTLPKB_EXEC_CACHE", "")
    directory = None if setting == "off" else Path(setting or ROOT / ".cache" / "exec")
    return ExecCache(directory)


_CACHE: ExecCache | None = None


def _cache() -> ExecCache:
    global _CACHE  # one per process: the formatter is a plain function superfences calls
    if _CACHE is None:
        _CACHE = _default_cache()
    return _CACHE


def formatter(
    source: str,
    language: str,
    css_class: str,
    options: dict[str, Any],
    md: Any,
    **kwargs: Any,
) -> str:
    """The superfences formatter for `python exec="on"` fences (see `mkdocs.yml`)."""
    cache = _cache()

    def run(code: str, session: str | None = None, **_: Any) -> str:
        return cache.run(md, code, session or None)

    result: Callable[..., str] = markdown_exec.base_format
    return str(result(language="python", run=run, code=source, md=md, **options))
