"""otlpkb: the theory and operations of OTLP telemetry pipelines, as tested code.

Each subpackage belongs to one section of the knowledge base and each module to one
concept; the chapter that explains a module is linked from its docstring.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("otlpkb")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
