"""The package surface: cheap import, complete __all__, every public name documented."""

from __future__ import annotations

import inspect
import pathlib
import subprocess
import sys

import mlfund.evaluation as ev

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "reference" / "evaluation.md"


def test_import_is_cheap():
    """Does `import mlfund.evaluation` leave scipy.stats, sympy, matplotlib, sklearn unloaded?"""
    code = ("import sys, mlfund.evaluation; "
            "heavy = [m for m in ('scipy.stats', 'sympy', 'matplotlib', 'sklearn') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_all_is_complete_and_documented():
    """Is every public name in __all__ exported, given a docstring, and listed in the docs?"""
    text = DOCS.read_text(encoding="utf-8")
    for name in ev.__all__:
        obj = getattr(ev, name)
        assert inspect.getdoc(obj), name
        assert f"`{name}" in text, f"{name} is missing from {DOCS.name}"
    public = {n for n in dir(ev) if not n.startswith("_") and not inspect.ismodule(getattr(ev, n))}
    assert public == set(ev.__all__)


def test_symbolic_forms_are_documented():
    """Is every symbolic form listed in the reference docs?"""
    from mlfund.evaluation import symbolic

    text = DOCS.read_text(encoding="utf-8")
    for name in symbolic.__all__:
        assert f"`symbolic.{name}" in text, name


def test_public_signatures_keep_options_keyword_only():
    """Are the contract signatures exact: data positional, options keyword-only?"""
    for name in ("roc_auc_score", "average_precision_score", "precision_score",
                 "recall_score", "f1_score", "accuracy_score"):
        params = list(inspect.signature(getattr(ev, name)).parameters.values())
        assert [p.name for p in params[:2]] == ["y_true", "y_score" if "auc" in name or
                                                 "average" in name else "y_pred"]
        assert all(p.kind is p.KEYWORD_ONLY for p in params[2:])
    beta = inspect.signature(ev.fbeta_score).parameters["beta"]
    assert beta.kind is beta.KEYWORD_ONLY and beta.default is beta.empty
