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


# `serve` and `build` with os.execve and the frontend build replaced: the build writes
# a line to BUILD_RECORD (and fails if FAIL_BUILD is set); execve prints what `serve`
# would have become, as JSON.
WITHOUT_BUILD_OR_EXEC = """
import json, os, sys
from kombo_portal import cli

def execve(path, argv, env):
    print(json.dumps({"path": path, "argv": argv, "cwd": os.getcwd(), "env": env}))
    sys.exit(0)

def run_build(command, environment, *, json_logs):
    with open(os.environ["BUILD_RECORD"], "a") as record:
        record.write(json.dumps({"argv": command, "env": environment}) + "\\n")
    return 1 if os.environ.get("FAIL_BUILD") else 0

os.execve = execve
cli._run_build = run_build
sys.exit(cli.main(sys.argv[1:]))
"""

PRODUCTION = {
    "KOMBO_API_KEY": "ks_prod_abcdef",
    "KOMBO_WEBHOOK_SECRET": "whsec_9fK2mQ7xL1",
    "PORTAL_SECRET_KEY": "Zq3v8Rk1Wm5Tn0Lp7Hs2Jd9Gf4Xc6Bb1",
    "REFLEX_CORS_ALLOWED_ORIGINS": "https://portal.example.com",
}


def run_serve(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_without_build_or_exec("serve", *args, env=env, cwd=cwd)


def run_without_build_or_exec(
    *args: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The command, with its build folder and the record of its builds in `cwd`."""
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_BUILD_OR_EXEC, *args],
        cwd=cwd,
        env={
            "PATH": "/usr/bin:/bin",
            "PORTAL_ENV_FILE": "",
            "REFLEX_WEB_WORKDIR": str(cwd / "web"),
            "BUILD_RECORD": str(cwd / "builds.jsonl"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def builds(cwd: Path) -> list[dict]:
    record = cwd / "builds.jsonl"
    lines = record.read_text().splitlines() if record.exists() else []
    return [json.loads(line) for line in lines]


def exec_call(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_serve_migrates_then_becomes_reflex_production_server_on_one_port(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"

    call = exec_call(run_serve("--port", "4123", env={"REFLEX_DB_URL": url, "PORTAL_DEMO": "1"},
                               cwd=tmp_path))  # fmt: skip

    bin_dir = Path(sys.executable).parent
    # Reflex's production start, `reflex run`, on the frontend built (or found) just before.
    assert call["argv"] == [
        sys.executable, "-m", "kombo_portal.frontend_build",
        "run", "--env", "prod", "--single-port", "--frontend-port", "4123",
    ]  # fmt: skip
    assert call["path"] == call["argv"][0] and Path(call["path"]).is_file()
    assert call["env"]["REFLEX_FRONTEND_PORT"] == call["env"]["REFLEX_BACKEND_PORT"] == "4123"
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

    assert exec_call(result)["argv"][3:5] == ["run", "--env"]
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
        ("info", "Building the frontend: no build stamp in"),
    ]
    # Only the exec'd command's description is on stdout (the test's stand-in for Reflex).
    assert len(result.stdout.strip().splitlines()) == 1


def test_serve_builds_the_frontend_once_then_starts_without_building(tmp_path):
    env = {"REFLEX_DB_URL": f"sqlite:///{tmp_path / 'serve.db'}", "PORTAL_DEMO": "1"}

    first = run_serve("--port", "4123", env=env, cwd=tmp_path)
    exec_call(first)
    (build,) = builds(tmp_path)
    second = run_serve("--port", "4123", env=env, cwd=tmp_path)
    exec_call(second)

    assert f"Building the frontend: no build stamp in {tmp_path / 'web' / 'build'}." in first.stdout
    bin_dir = Path(sys.executable).parent
    assert build["argv"] == [
        str(bin_dir / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod"
    ]  # fmt: skip
    assert build["env"]["REFLEX_FRONTEND_PORT"] == build["env"]["REFLEX_BACKEND_PORT"] == "4123"
    stamp = json.loads((tmp_path / "web" / "build" / "kombo-portal-stamp.json").read_text())
    assert stamp["api_url"] == "http://localhost:4123"
    # The second start: no build, and one line saying why none was needed.
    assert len(builds(tmp_path)) == 1
    assert (
        f"Frontend build skipped: {tmp_path / 'web' / 'build' / 'kombo-portal-stamp.json'} "
        f"matches the sources, packages (Reflex {stamp['reflex_version']}), settings and "
        "API URL http://localhost:4123."
    ) in second.stdout.splitlines()


def test_serve_builds_again_for_another_port_or_other_branding_but_not_for_a_log_format(
    tmp_path,
):
    env = {"REFLEX_DB_URL": f"sqlite:///{tmp_path / 'serve.db'}", "PORTAL_DEMO": "1"}
    exec_call(run_serve("--port", "4123", env=env, cwd=tmp_path))

    other_port = run_serve("--port", "4124", env=env, cwd=tmp_path)
    branded = run_serve("--port", "4124", env={**env, "PORTAL_PRODUCT_NAME": "Acme HR"},
                        cwd=tmp_path)  # fmt: skip
    # Settings no page shows (how the server logs) need no new build.
    logged = run_serve("--port", "4124", cwd=tmp_path,
                       env={**env, "PORTAL_PRODUCT_NAME": "Acme HR", "PORTAL_LOG_LEVEL": "debug",
                            "REFLEX_DB_URL": f"sqlite:///{tmp_path / 'other.db'}"})  # fmt: skip

    assert "Building the frontend: changed since the last build: Reflex's config (ports, " in (
        other_port.stdout
    )
    assert "Building the frontend: changed since the last build: the portal's settings " in (
        branded.stdout
    )
    assert "Frontend build skipped" in logged.stdout
    assert len(builds(tmp_path)) == 3


def test_a_failed_build_leaves_no_stamp_so_the_next_start_builds(tmp_path):
    env = {"REFLEX_DB_URL": f"sqlite:///{tmp_path / 'serve.db'}", "PORTAL_DEMO": "1"}
    exec_call(run_serve("--port", "4123", env=env, cwd=tmp_path))
    stamp = tmp_path / "web" / "build" / "kombo-portal-stamp.json"
    assert stamp.is_file()

    failed = run_without_build_or_exec("build", "--port", "4123", env={**env, "FAIL_BUILD": "1"},
                                       cwd=tmp_path)  # fmt: skip
    again = run_serve("--port", "4123", env=env, cwd=tmp_path)

    assert (failed.returncode, failed.stderr) == (
        1,
        "Error: building the frontend failed (see above)\n",
    )
    assert "Building the frontend: no build stamp in" in again.stdout
    assert len(builds(tmp_path)) == 3
    assert stamp.is_file()


def test_build_always_builds_for_the_port_serve_will_use_and_serve_then_does_not(tmp_path):
    env = {
        "REFLEX_DB_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "PORTAL_DEMO": "1",
        "PORT": "4125",
    }

    first = run_without_build_or_exec("build", env=env, cwd=tmp_path)
    second = run_without_build_or_exec("build", env=env, cwd=tmp_path)
    served = run_serve(env=env, cwd=tmp_path)

    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "Frontend built for port 4125;" in second.stdout
    assert [build["env"]["REFLEX_BACKEND_PORT"] for build in builds(tmp_path)] == ["4125", "4125"]
    assert exec_call(served)["argv"][-2:] == ["--frontend-port", "4125"]
    assert "Frontend build skipped" in served.stdout


def test_handoff_prints_a_link_the_portal_accepts():
    from kombo_portal.config import Settings
    from kombo_portal.use_cases.handoff import check_token

    secret, issuer = "a-hand-off-secret-of-at-least-32-characters", "https://app.test"
    result = run_cli(
        "handoff",
        "--org-id", "42", "--org-name", "Acme", "--email", "ada@acme.test",
        "--role", "member", "--base-url", "https://portal.test/",
        env={"PORTAL_HANDOFF_SECRET": secret, "PORTAL_HANDOFF_ISSUER": issuer},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    link = result.stdout.strip()
    assert link.startswith("https://portal.test/auth/handoff?token=")
    settings = Settings.from_environment(
        {"PORTAL_HANDOFF_SECRET": secret, "PORTAL_HANDOFF_ISSUER": issuer}, env_file=None
    )
    checked = check_token(link.split("token=", 1)[1], settings.handoff)
    assert (checked.email, checked.role, checked.organisation_id) == (
        "ada@acme.test",
        "member",
        "42",
    )


def test_handoff_with_a_public_key_signs_only_with_the_private_key_given(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    from kombo_portal.config import Settings
    from kombo_portal.use_cases.handoff import check_token

    key = ec.generate_private_key(ec.SECP256R1())
    key_file = tmp_path / "product-key.pem"
    key_file.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    env = {
        "PORTAL_HANDOFF_PUBLIC_KEY": public.decode(),
        "PORTAL_HANDOFF_ISSUER": "https://app.test",
    }
    link = ("handoff", "--org-id", "42", "--org-name", "Acme", "--email", "ada@acme.test",
            "--role", "admin")  # fmt: skip

    without_key = run_cli(*link, env=env)
    with_key = run_cli(*link, "--private-key", str(key_file), env=env)

    assert without_key.returncode == 1
    assert "cannot sign" in without_key.stderr and "--private-key FILE" in without_key.stderr
    assert with_key.returncode == 0, with_key.stderr
    token = with_key.stdout.strip().split("token=", 1)[1]
    handoff = Settings.from_environment(env, env_file=None).handoff
    assert check_token(token, handoff).email == "ada@acme.test"
