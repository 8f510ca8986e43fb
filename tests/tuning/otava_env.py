"""Create the environment of the Apache Otava oracle: `.venv-otava`, beside `.venv`.

apache-otava pins numpy 2.2 and scipy 1.16, older than the project's, so it lives in a
virtual environment of its own and the tests run it as a subprocess
(`tests/tuning/otava_oracle.py`). `make test` runs this script first; the tests call
`ensure()` too, so a plain `pytest` builds the environment on first use. It is idempotent:
a stamp file records the pinned version, and a lock keeps two pytest workers from building
it at once.

    python tests/tuning/otava_env.py        # prints the path of the oracle's python
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = ROOT / ".venv-otava"
#: the Otava release the chapter compares against (PyPI, Apache-2.0)
PIN = "apache-otava==0.8.0"
STAMP = ENV / ".installed"


def python() -> Path:
    """The interpreter of the oracle environment."""
    return ENV / "bin" / "python"


def ensure() -> Path:
    """Build `.venv-otava` with the pinned apache-otava unless it is already there."""
    ENV.parent.mkdir(parents=True, exist_ok=True)
    with open(ROOT / ".venv-otava.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if STAMP.is_file() and STAMP.read_text().strip() == PIN and python().is_file():
            return python()
        venv.EnvBuilder(with_pip=True, clear=True).create(ENV)
        subprocess.run(
            [str(python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PIN],
            check=True,
        )
        STAMP.write_text(PIN + "\n")
    return python()


if __name__ == "__main__":
    print(ensure())
    sys.exit(0)
