"""The package as a newcomer meets it: dependencies in step, the command, a cheap import."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower()


def _spec(requirement: str) -> str:
    """The requirement as conda writes it: no environment marker, no pip extras."""
    spec = requirement.split(";")[0].strip().replace(" ", "").lower()
    return re.sub(r"\[[^\]]*\]", "", spec)


def test_is_environment_yml_in_step_with_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [r for r in pyproject["project"]["dependencies"] if "python_version" not in r]
    wanted += pyproject["project"]["optional-dependencies"]["test"]
    text = (ROOT / "environment.yml").read_text()
    dependencies = text.split("dependencies:", 1)[1]
    listed = [line.strip()[2:] for line in dependencies.splitlines()
              if line.startswith("  - ") and not line.strip().startswith("- pip")]
    conda = {_name(r): _spec(r) for r in listed if _name(r) not in ("python", "pip")}
    for requirement in wanted:
        assert _name(requirement) in conda, f"{requirement} is missing from environment.yml"
        assert conda[_name(requirement)] == _spec(requirement), requirement
    assert set(conda) == {_name(r) for r in wanted}, "environment.yml lists extra packages"
    assert "- -e ." in text


def test_does_mlfund_help_list_the_commands():
    out = subprocess.run([sys.executable, "-m", "mlfund", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("workbook", "grade", "exercises", "course"):
        assert re.search(rf"^\s+{command}\s", out, re.M), command
    out = subprocess.run([sys.executable, "-m", "mlfund", "course", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for action in ("init", "release", "collect", "autograde", "feedback", "export", "report"):
        assert re.search(rf"^\s+{action}\s", out, re.M), action


def test_is_import_mlfund_cheap():
    code = ("import sys, mlfund, mlfund.check, mlfund.exercises; "
            "heavy = [m for m in ('sympy', 'scipy', 'matplotlib', 'nbgrader') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("pillar", ["optimization", "inference", "evaluation"])
def test_does_each_pillar_leave_heavy_modules_alone(pillar):
    code = (f"import sys, mlfund.{pillar}; print([m for m in ('sympy', 'scipy.stats', "
            "'matplotlib') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_does_ci_run_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 run.py test" in readme and "python3 run.py lab" in readme
    assert re.search(r"^exec python3 run\.py test$", ci, re.M)


def test_does_the_project_speak_only_of_itself():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True
                             ).stdout.split()
    assert tracked, "the tests run in a git checkout"
    machine_path = "/" + "work" + "/"
    for name in tracked:
        path = ROOT / name
        if path.suffix in (".py", ".md", ".toml", ".yml", ".ipynb") and path.is_file():
            assert machine_path not in path.read_text(encoding="utf-8", errors="ignore"), name
