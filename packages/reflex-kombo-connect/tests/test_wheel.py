"""The package as pip builds it: the wheel carries the module and its JavaScript."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def test_the_wheel_carries_the_module_its_javascript_and_the_licence(tmp_path: Path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(PACKAGE),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("reflex_kombo_connect-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    assert {
        "reflex_kombo_connect/__init__.py",
        "reflex_kombo_connect/kombo_connect.py",
        "reflex_kombo_connect/kombo_connect.jsx",
        "reflex_kombo_connect/py.typed",
    } <= names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    # Neither the demo app nor the tests ship.
    assert not [name for name in names if "demo" in name or "tests/" in name]
