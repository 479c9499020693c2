"""The app boundaries `make test` checks with import-linter (pyproject.toml): a forbidden import fails it."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("marketing", "contacts", "automations", "integrations")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    linter = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(linter), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_boundary(tmp_path):
    result = _lint(_copy(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_integration_reaching_into_contacts_storage_fails_the_check(tmp_path):
    tree = _copy(tmp_path)
    (tree / "integrations" / "shortcut.py").write_text("from contacts.storage import records_find  # noqa\n")

    result = _lint(tree)

    assert result.returncode != 0
    assert "Integrations use only the public face of contacts" in result.stdout
    assert "integrations.shortcut -> contacts.storage" in result.stdout


def test_contacts_importing_an_integration_fails_the_check(tmp_path):
    tree = _copy(tmp_path)
    (tree / "contacts" / "shortcut.py").write_text("import integrations.models  # noqa\n")

    result = _lint(tree)

    assert result.returncode != 0
    assert "contacts.shortcut -> integrations.models" in result.stdout


def test_generic_integrations_code_importing_salesforce_fails_the_check(tmp_path):
    tree = _copy(tmp_path)
    (tree / "integrations" / "services" / "shortcut.py").write_text(
        "from integrations.salesforce.models import SalesforceSettings  # noqa\n"
    )

    result = _lint(tree)

    assert result.returncode != 0
    assert "What every connector shares knows no connector" in result.stdout
    assert "integrations.services.shortcut -> integrations.salesforce.models" in result.stdout


def test_the_generic_connection_names_no_field_of_a_connector():
    """Salesforce's sign-in settings live in its own accessor over `config` and `credentials`, not in the
    model every connector shares: neither its columns nor its source name one of them."""
    from integrations.models import Connection
    from integrations.salesforce.models import SalesforceConnection

    salesforce_keys = set(SalesforceConnection.CONFIG_KEYS) | set(SalesforceConnection.CREDENTIAL_KEYS)
    source = (ROOT / "integrations" / "models.py").read_text()
    named = {key for key in salesforce_keys if re.search(rf"\b{key}\b", source)}
    columns = {field.name for field in Connection._meta.get_fields()}

    assert named == set() and columns & salesforce_keys == set()
    assert "AuthFlow" not in source and {"config", "credentials"} <= columns
