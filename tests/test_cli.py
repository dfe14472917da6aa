import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from kombo_portal.config import PROJECT_ROOT
from kombo_portal.db.engine import create_database_engine


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kombo_portal", *args],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "PORTAL_ENV_FILE": "", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_creates_the_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    result = run_cli("migrate", env={"REFLEX_DB_URL": url})

    assert result.returncode == 0, result.stderr
    assert "organisation" in inspect(create_database_engine(url)).get_table_names()


def test_invalid_settings_stop_with_a_one_line_error_and_change_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    result = run_cli("migrate", env={"REFLEX_DB_URL": url, "KOMBO_API_KEY": "ks_prod_x"})

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration error: KOMBO_WEBHOOK_SECRET: required when KOMBO_API_KEY is set "
        "(copy it from Kombo's dashboard, Webhooks)"
    ]
    assert not (tmp_path / "cli.db").exists()


def test_check_reports_the_mode():
    result = run_cli("check", env={})

    assert result.returncode == 0
    assert "sandbox" in result.stdout
    # and what `serve` would make of the same settings
    assert "serve would refuse: KOMBO_API_KEY: not set" in result.stdout


def test_check_says_what_serve_would_warn_about():
    result = run_cli("check", env={**PRODUCTION, "PORTAL_COOKIE_SECURE": "0"})

    assert result.returncode == 0
    assert "serve would refuse" not in result.stdout
    assert "serve would warn: PORTAL_COOKIE_SECURE: is 0" in result.stdout


def test_reflex_refuses_invalid_settings_with_one_line():
    result = subprocess.run(
        [sys.executable, "-c", "import rxconfig"],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "PORTAL_ENV_FILE": "", "KOMBO_REGION": "mars"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Configuration error: KOMBO_REGION: Input should be 'eu', 'us' or 'ca'"
    ]


def test_operators_add_and_list_organisations_and_users(tmp_path):
    env = {"REFLEX_DB_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run_cli("migrate", env=env).returncode == 0

    added = run_cli("org", "add", "Acme Inc.", env=env)
    user = subprocess.run(
        [sys.executable, "-m", "kombo_portal", "user", "add", "Ada@Acme.test", "--org", "acme inc.",
         "--role", "admin", "--name", "Ada Lovelace", "--language", "de", "--password-stdin"],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "PORTAL_ENV_FILE": "", **env},
        input="correct horse battery staple\n",
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    users = run_cli("user", "list", env=env)

    assert added.returncode == 0 and "Created organisation 'Acme Inc.'" in added.stdout
    assert user.returncode == 0, user.stderr
    assert users.stdout.split() == ["ada@acme.test", "admin", "de", "Acme", "Inc."]


def test_operator_errors_are_one_clear_line(tmp_path):
    env = {"REFLEX_DB_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    run_cli("migrate", env=env)
    run_cli("org", "add", "Acme Inc.", env=env)

    duplicate = run_cli("org", "add", "ACME INC.", env=env)
    unknown_org = run_cli("user", "list", "--org", "Globex", env=env)
    no_password = run_cli("user", "add", "a@acme.test", "--org", "Acme Inc.", env=env)

    assert (duplicate.returncode, duplicate.stderr) == (
        1,
        "Error: an organisation named 'ACME INC.' exists already\n",
    )
    assert unknown_org.stderr == "Error: no organisation named 'Globex'\n"
    assert (
        no_password.stderr == "Error: give the password on standard input, with --password-stdin\n"
    )


# `serve` with os.execve replaced: prints what it would have become, as JSON.
SERVE_WITHOUT_EXEC = """
import json, os, sys
from kombo_portal.cli import main

def execve(path, argv, env):
    print(json.dumps({"path": path, "argv": argv, "cwd": os.getcwd(), "env": env}))
    sys.exit(0)

os.execve = execve
sys.exit(main(sys.argv[1:]))
"""

PRODUCTION = {
    "KOMBO_API_KEY": "ks_prod_abcdef",
    "KOMBO_WEBHOOK_SECRET": "whsec_9fK2mQ7xL1",
    "PORTAL_SECRET_KEY": "Zq3v8Rk1Wm5Tn0Lp7Hs2Jd9Gf4Xc6Bb1",
    "REFLEX_CORS_ALLOWED_ORIGINS": "https://portal.example.com",
}


def run_serve(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SERVE_WITHOUT_EXEC, "serve", *args],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PORTAL_ENV_FILE": "", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def exec_call(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_serve_migrates_then_becomes_reflex_production_server_on_one_port(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"

    call = exec_call(run_serve("--port", "4123", env={"REFLEX_DB_URL": url, "PORTAL_DEMO": "1"},
                               cwd=tmp_path))  # fmt: skip

    bin_dir = Path(sys.executable).parent
    assert call["argv"] == [
        str(bin_dir / "reflex"), "run", "--env", "prod", "--single-port", "--frontend-port", "4123"
    ]  # fmt: skip
    assert call["path"] == call["argv"][0] and Path(call["path"]).is_file()
    # Reflex reads rxconfig.py from the working folder, whichever folder serve ran in.
    assert Path(call["cwd"]) == PROJECT_ROOT
    assert call["env"]["PATH"].split(os.pathsep)[0] == str(bin_dir)
    assert (bin_dir / "npm").exists()
    assert call["env"]["REFLEX_USE_NPM"] == "1"
    assert "GRANIAN_WORKERS" not in call["env"]
    assert "organisation" in inspect(create_database_engine(url)).get_table_names()


def test_serve_takes_its_port_from_port_and_passes_workers_to_reflex(tmp_path):
    env = {
        "REFLEX_DB_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "PORTAL_DEMO": "1",
        "PORT": "8080",
        "REFLEX_REDIS_URL": "redis://127.0.0.1:6379",
    }

    call = exec_call(run_serve("--workers", "3", env=env, cwd=tmp_path))

    assert call["argv"][-2:] == ["--frontend-port", "8080"]
    assert call["env"]["GRANIAN_WORKERS"] == "3"


@pytest.mark.parametrize(
    ("args", "environ", "expected_error"),
    [
        (
            [],
            {},
            "Configuration error: KOMBO_API_KEY: not set, so the portal would serve its "
            "local Kombo sandbox",
        ),
        (
            [],
            {**PRODUCTION, "PORTAL_SECRET_KEY": "sandbox-development-only-secret-key-change-me"},
            "Configuration error: PORTAL_SECRET_KEY: is a published development value",
        ),
        (
            [],
            {**PRODUCTION, "KOMBO_WEBHOOK_SECRET": "whsec_sandbox_development_only"},
            "Configuration error: KOMBO_WEBHOOK_SECRET: is the sandbox's public",
        ),
        (
            ["--workers", "2"],
            {"PORTAL_DEMO": "1"},
            "Configuration error: REFLEX_REDIS_URL: required for 2 workers",
        ),
        (
            [],
            {"PORTAL_DEMO": "1", "GRANIAN_WORKERS": "4"},
            "Configuration error: REFLEX_REDIS_URL: required for 4 workers",
        ),
    ],
)
def test_serve_refuses_insecure_settings_before_doing_anything(
    tmp_path, args, environ, expected_error
):
    database = tmp_path / "serve.db"

    result = run_serve(*args, env={"REFLEX_DB_URL": f"sqlite:///{database}", **environ},
                       cwd=tmp_path)  # fmt: skip

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected_error)
    assert result.stdout == ""  # no migration, no Reflex
    assert not database.exists()


def test_serve_warns_about_cookies_without_secure_and_starts(tmp_path):
    env = {
        **PRODUCTION,
        "PORTAL_COOKIE_SECURE": "0",
        "REFLEX_DB_URL": f"sqlite:///{tmp_path / 'serve.db'}",
    }

    result = run_serve(env=env, cwd=tmp_path)

    assert exec_call(result)["argv"][1:3] == ["run", "--env"]
    assert result.stderr.strip().splitlines() == [
        "Warning: PORTAL_COOKIE_SECURE: is 0, so the session cookie goes without Secure and "
        "browsers also send it over plain HTTP; right only if no browser reaches the portal "
        "without TLS"
    ]


def test_serve_refuses_a_port_that_is_not_one(tmp_path):
    result = run_serve(env={"PORTAL_DEMO": "1", "PORT": "http"}, cwd=tmp_path)

    assert result.returncode == 2
    assert "argument --port: 'http' is not a port" in result.stderr


def test_serve_with_json_logs_writes_only_json_lines_and_has_reflex_do_the_same(tmp_path):
    env = {
        **PRODUCTION,
        "PORTAL_COOKIE_SECURE": "0",
        "PORTAL_LOG_FORMAT": "json",
        "REFLEX_DB_URL": f"sqlite:///{tmp_path / 'serve.db'}",
    }

    result = run_serve(env=env, cwd=tmp_path)

    call = exec_call(result)
    assert call["env"]["REFLEX_LOG_JSON"] == "true"
    lines = [json.loads(line) for line in result.stderr.strip().splitlines()]
    assert [(line["level"], line["message"][:40]) for line in lines] == [
        ("warning", "PORTAL_COOKIE_SECURE: is 0, so the sessi"),
        ("info", "Database is up to date."),
    ]
    # Only the exec'd command's description is on stdout (the test's stand-in for Reflex).
    assert len(result.stdout.strip().splitlines()) == 1
