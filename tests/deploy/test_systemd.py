"""deploy/systemd: one unit per process, restarted for ever, as a dedicated user, with the
same environment variables as `make run`; `systemd-analyze verify` accepts them where it exists."""
import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from shared.config import Settings
from tools.stack import SERVICES

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "deploy" / "systemd"
INSTALLED_AT = "/opt/ndld"
ENV_FILE = "/etc/ndld/ndld.env"
PROCESSES = {f"ndld@{name}.service": f"-m services.run {name}" for name in SERVICES} | {
    "ndld-gateway.service": "-m gateway.main", "ndld-mongo.service": "secantusd-py"}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def test_every_process_has_a_unit_that_restarts_it_as_the_dedicated_user():
    target = unit("ndld.target")["Unit"]["Wants"].split()
    assert sorted(target) == sorted(PROCESSES)
    for name, command in PROCESSES.items():
        service = unit("ndld@.service" if name.startswith("ndld@") else name)
        body = service["Service"]
        assert body["ExecStart"].startswith(f"{INSTALLED_AT}/.venv/bin/") and command.replace(
            "services.run " + name[5:-8], "services.run %i") in body["ExecStart"], name
        assert (body["User"], body["Group"], body["Restart"]) == ("ndld", "ndld", "always"), name
        assert body["EnvironmentFile"] == ENV_FILE and body["ReadWritePaths"] == "/var/lib/ndld", name
        assert service["Unit"]["StartLimitIntervalSec"] == "0", f"{name} must never give up restarting"
        assert service["Unit"]["PartOf"] == "ndld.target" and service["Install"]["WantedBy"] == "ndld.target"
    assert "u ndld - " in (UNITS / "ndld.sysusers.conf").read_text()


def test_the_example_environment_names_only_settings_the_processes_read():
    names = {line.split("=", 1)[0].lstrip("# ") for line in (UNITS / "ndld.env.example").read_text().splitlines()
             if "=" in line and not line.startswith("# /etc")}
    assert names <= {field.upper() for field in Settings.model_fields}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_every_unit(tmp_path):
    """Installed paths point at this checkout, so systemd can check that each command exists."""
    for source in UNITS.iterdir():
        text = source.read_text().replace(INSTALLED_AT, str(REPO)).replace(ENV_FILE, str(UNITS / "ndld.env.example"))
        names = [source.name.replace("@.", f"@{s}.") for s in SERVICES] if "@." in source.name else [source.name]
        for name in names:
            (tmp_path / name).write_text(text)
    units = [str(path) for path in tmp_path.iterdir() if path.suffix in (".service", ".target")]
    checked = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True)
    assert (checked.returncode, checked.stderr) == (0, "")
