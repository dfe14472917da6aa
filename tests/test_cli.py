import subprocess
import sys

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
