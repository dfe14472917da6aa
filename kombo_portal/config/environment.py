"""Where settings are read from: the process environment over a `.env` file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def env_file_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The `.env` file to read: PORTAL_ENV_FILE if set (empty: none), else the project's."""
    environ = os.environ if environ is None else environ
    if "PORTAL_ENV_FILE" not in environ:
        return PROJECT_ROOT / ".env"
    chosen = environ["PORTAL_ENV_FILE"].strip()
    return Path(chosen) if chosen else None


def read_variables(environ: Mapping[str, str] | None, env_file: Path | None) -> dict[str, str]:
    """`env_file`'s variables overlaid by `environ` (os.environ if None): the process wins."""
    variables: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        variables.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    variables.update(os.environ if environ is None else environ)
    return variables
