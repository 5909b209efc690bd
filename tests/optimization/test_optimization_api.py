"""The public surface: cheap import, complete __all__, documented names, listed in the docs."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mlfund
import mlfund.optimization as O
from mlfund.optimization import symbolic as S

SRC = Path(mlfund.__file__).resolve().parent.parent
DOCS = SRC.parent / "docs" / "reference" / "optimization.md"


def test_import_is_cheap():
    code = (
        "import sys, mlfund.optimization\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('scipy', 'sympy', 'matplotlib', 'sklearn')]\n"
        "print(','.join(heavy))"
    )
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.strip() == ""


def test_symbolic_is_not_imported_by_the_package():
    assert "symbolic" not in O.__all__


@pytest.mark.parametrize("module", [O, S], ids=["numeric", "symbolic"])
def test_all_is_complete_and_documented(module):
    assert len(module.__all__) == len(set(module.__all__))
    for name in module.__all__:
        obj = getattr(module, name)
        doc = inspect.getdoc(obj) or ""
        assert doc, f"{name} has no docstring"
        if inspect.isfunction(obj):
            assert "Examples" in doc, f"{name} has no Examples section"
    public = {n for n, v in vars(module).items()
              if not n.startswith("_") and (inspect.isfunction(v) or inspect.isclass(v))
              and getattr(v, "__module__", "").startswith("mlfund.optimization")}
    assert public <= set(module.__all__), public - set(module.__all__)


def test_options_are_keyword_only_in_the_numeric_api():
    for name in O.__all__:
        obj = getattr(O, name)
        if not inspect.isfunction(obj):
            continue
        for param in inspect.signature(obj).parameters.values():
            if param.default is not inspect.Parameter.empty and param.name not in (
                    "velocity", "state"):
                assert param.kind is inspect.Parameter.KEYWORD_ONLY, (name, param.name)


@pytest.mark.skipif(not DOCS.exists(), reason="docs/reference/optimization.md not present")
def test_the_reference_page_lists_every_public_name():
    text = DOCS.read_text(encoding="utf-8")
    missing = [n for n in O.__all__ if f"`{n}" not in text]
    missing += [f"symbolic.{n}" for n in S.__all__ if f"`symbolic.{n}" not in text]
    assert not missing, missing
