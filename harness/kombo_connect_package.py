"""The real `@kombo-api/connect` package from the npm registry, installed once for
browser tests and benchmarks that use it outside the app (its UMD build exposes `KomboConnect`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from harness.processes import VENV_BIN
from kombo_portal.config import PROJECT_ROOT
from reflex_kombo_connect import NPM_VERSION

KOMBO_CONNECT_VERSION = NPM_VERSION  # the version the portal's page installs
CACHE = PROJECT_ROOT / ".web-test" / "kombo-connect-package"


def kombo_connect_umd() -> Path:
    bundle = CACHE / "node_modules" / "@kombo-api" / "connect" / "dist" / "index.js"
    if not bundle.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 (the virtualenv's npm, fixed arguments)
            [
                str(Path(VENV_BIN) / "npm"),
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(CACHE),
                f"@kombo-api/connect@{KOMBO_CONNECT_VERSION}",
            ],
            env={**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
            check=True,
            capture_output=True,
            timeout=300,
        )
    return bundle
