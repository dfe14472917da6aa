"""The production frontend's build stamp: what changes it, what does not, and a second
start of `python -m kombo_portal serve` on the same build, which skips the build."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from harness import app_server
from harness.processes import clean_environment, free_port
from kombo_portal import frontend_build
from kombo_portal.config import PROJECT_ROOT
from kombo_portal.paths import SIGN_IN_PATH


def a_project(root: Path) -> Path:
    """A small project with a file of each kind the frontend is built from."""
    files = {
        "rxconfig.py": "config = 'portal'\n",
        "kombo_portal/pages/home.py": "TITLE = 'Home'\n",
        "kombo_portal/components/watch.jsx": "export const Watch = () => null;\n",
        "kombo_portal/i18n/catalogues/en.json": '{"title": "Home"}\n',
        "assets/favicon.svg": "<svg/>\n",
        "reflex.lock/package-lock.json": "{}\n",
        "site/stamp_test_widgets/__init__.py": "",
        "site/stamp_test_widgets/widget.jsx": "export const Widget = () => null;\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def rewrite(name: str, text: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)

    return change


def rename(old: str, new: str) -> Callable[[Path], None]:
    return lambda root: (root / old).rename(root / new)


def touch(name: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        (root / name).write_text((root / name).read_text())  # same bytes, a new time

    return change


@pytest.mark.parametrize(
    ("change", "changes_the_stamp"),
    [
        (rewrite("rxconfig.py", "config = 'other'\n"), True),
        (rewrite("kombo_portal/pages/home.py", "TITLE = 'Start'\n"), True),
        (rewrite("kombo_portal/pages/new.py", ""), True),
        (rename("kombo_portal/pages/home.py", "kombo_portal/pages/start.py"), True),
        (rewrite("kombo_portal/components/watch.jsx", "export const Watch = 1;\n"), True),
        (rewrite("kombo_portal/i18n/catalogues/en.json", '{"title": "Start"}\n'), True),
        (rewrite("assets/favicon.svg", "<svg></svg>\n"), True),
        (rewrite("reflex.lock/package-lock.json", '{"lockfileVersion": 3}\n'), True),
        (rewrite("site/stamp_test_widgets/widget.jsx", "export const Widget = 1;\n"), True),
        (touch("kombo_portal/pages/home.py"), False),
        (rewrite("kombo_portal/pages/__pycache__/home.cpython-311.pyc", "compiled"), False),
        # Reflex's links to the components' .jsx files, made when they are imported.
        (rewrite("assets/external/stamp_test_widgets/widget.jsx", "a link"), False),
        (rewrite("notes.txt", "not part of the frontend\n"), False),
    ],
)
def test_the_stamp_changes_when_a_source_changes_and_not_otherwise(
    tmp_path, monkeypatch, change, changes_the_stamp
):
    root = a_project(tmp_path)
    monkeypatch.setattr(frontend_build, "PROJECT_ROOT", root)
    monkeypatch.setattr(frontend_build, "COMPONENT_PACKAGES", ("stamp_test_widgets",))
    monkeypatch.syspath_prepend(str(root / "site"))
    before = frontend_build.sources_digest()

    change(root)

    assert (frontend_build.sources_digest() != before) is changes_the_stamp


def stamp_with(env: dict[str, str]) -> dict:
    """The stamp `serve --port 3000` would compare, with these settings."""
    result = subprocess.run(
        [sys.executable, "-c",
         "from kombo_portal.frontend_build import current_stamp; print(current_stamp().to_json())"],
        cwd=PROJECT_ROOT,
        env={**clean_environment(), "PORTAL_ENV_FILE": "", "REFLEX_FRONTEND_PORT": "3000",
             "REFLEX_BACKEND_PORT": "3000", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


REAL_MODE = {
    "KOMBO_API_KEY": "ks_prod_abcdef",
    "KOMBO_WEBHOOK_SECRET": "whsec_9fK2mQ7xL1",
    "PORTAL_SECRET_KEY": "Zq3v8Rk1Wm5Tn0Lp7Hs2Jd9Gf4Xc6Bb1",
}


@pytest.mark.parametrize(
    ("env", "changed"),
    [
        # What the built page holds: the backend's URL (its port) and the theme ...
        ({"REFLEX_FRONTEND_PORT": "8080", "REFLEX_BACKEND_PORT": "8080"}, {"reflex_config"}),
        ({"REFLEX_API_URL": "https://portal.example.com"}, {"reflex_config"}),
        ({"PORTAL_ACCENT_COLOR": "crimson"}, {"reflex_config", "settings"}),
        # ... the product's name, and the sandbox's notices (sandbox or real mode) ...
        ({"PORTAL_PRODUCT_NAME": "Acme HR"}, {"settings"}),
        (REAL_MODE, {"settings"}),
        # ... and how it is built.
        ({"VITE_SOURCEMAP": "true"}, {"build_variables"}),
        # What only the server uses needs no new build.
        ({"REFLEX_DB_URL": "postgresql://portal:secret@db:5432/portal"}, set()),
        ({"REFLEX_REDIS_URL": "redis://redis:6379/0"}, set()),
        ({"REFLEX_CORS_ALLOWED_ORIGINS": "https://portal.example.com"}, set()),
        ({"PORTAL_LOG_FORMAT": "json", "PORTAL_LOG_LEVEL": "debug"}, set()),
    ],
)
def test_the_stamp_changes_with_what_the_page_is_built_with_only(env, changed):
    baseline = stamp_with({})

    stamp = stamp_with(env)

    assert {part for part in stamp["parts"] if stamp["parts"][part] != baseline["parts"][part]} == (
        changed
    )


def test_the_stamp_holds_no_secret_and_does_not_change_with_one():
    stamp = stamp_with(REAL_MODE)
    other_key = stamp_with({**REAL_MODE, "KOMBO_API_KEY": "ks_prod_other1"})

    assert stamp == other_key
    text = json.dumps(stamp)
    assert not any(secret in text for secret in REAL_MODE.values())


@pytest.mark.slow
def test_a_second_start_on_the_same_build_skips_it_and_is_faster(tmp_path):
    web_workdir = app_server.web_workdir_for("stamp")
    shutil.rmtree(PROJECT_ROOT / web_workdir, ignore_errors=True)
    # The port is part of the build (in the backend's URL): the same one both times.
    port, other_port = free_port(), free_port()
    seconds, logs = [], []
    try:
        # npm's packages installed, and a build for another port: the first start then
        # costs what a start that builds costs, not npm's installation as well.
        built = subprocess.run(
            [sys.executable, "-m", "kombo_portal", "build", "--port", str(other_port)],
            cwd=PROJECT_ROOT,
            env=app_server.app_environment(tmp_path, {}, web_workdir),
            capture_output=True,
            text=True,
            timeout=app_server.STARTUP_TIMEOUT_SECONDS,
        )
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        for start in ("first", "second"):
            work_dir = tmp_path / start
            work_dir.mkdir()
            began = time.monotonic()
            # Returns once /ping and the page answer 200.
            app = app_server.start_app(work_dir, port=port, web_workdir=web_workdir)
            seconds.append(time.monotonic() - began)
            try:
                # The built sign-in page itself, not only a 200 for "/".
                page = httpx.get(f"{app.url}{SIGN_IN_PATH}", timeout=10, follow_redirects=True)
                assert page.status_code == 200 and "Kombo Portal" in page.text
            finally:
                app.stop()
            logs.append(app.log_path.read_text())
    finally:
        shutil.rmtree(PROJECT_ROOT / web_workdir, ignore_errors=True)

    first, second = logs
    print(f"first start (built) {seconds[0]:.1f}s, second (build skipped) {seconds[1]:.1f}s")
    assert "Building the frontend: changed since the last build: Reflex's config" in first
    assert "Creating Production Build" in first
    assert "Frontend build skipped: " in second
    assert "Building the frontend" not in second and "Creating Production Build" not in second
    # Both starts import the app, migrate a new database and start the server; only the
    # first compiles and builds the frontend.
    assert seconds[1] < 0.7 * seconds[0], f"first start {seconds[0]:.1f}s, second {seconds[1]:.1f}s"
