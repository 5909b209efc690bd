"""Maths typeset on the server: TeX to MathJax's SVG output, with no script and no network.

The instructor's pages (the feedback, the formgrader's view of a submission) used to leave
the maths as ``$…$`` for a MathJax loaded from a CDN; offline, in a sandboxed viewer or in
an LMS that strips scripts, that is what people saw. Here MathJax itself (version 4, run
in-process by ``quickjax`` in an embedded QuickJS engine) typesets each formula once, when
the page is made, into self-contained SVG inside a ``<mjx-container>``, MathJax's own
element: the page needs no script and no font to show it.

The SVG is built from TeX the learner wrote, so it is cleaned before it is trusted: only
drawing elements are kept (``svg``, ``g``, ``path``, ``use``, ``rect``, …; links made by
``\\href`` are unwrapped), attributes outside a short list (``on…``, ``data-…``) are
dropped, ``href`` may only point inside the formula (``#…``) and ``style`` keeps the
properties of :mod:`mlfund.course._sanitize` that load nothing.
``tests/course/test_feedback.py`` and ``tests/course/test_html_safety.py`` show it.

Without ``quickjax`` (it needs a compiled ``quickjs``), or for TeX that MathJax cannot
read, the formula is shown as the TeX that was typed, escaped.
"""

from __future__ import annotations

import functools
import html
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

#: Elements MathJax's SVG output draws with; anything else is dropped (``a`` is unwrapped).
SVG_ELEMENTS = frozenset({"svg", "g", "defs", "path", "use", "rect", "line", "polyline",
                          "polygon", "ellipse", "circle", "text", "tspan", "title"})
_SVG_ATTRIBUTES = frozenset({
    "viewBox", "width", "height", "x", "y", "x1", "x2", "y1", "y2", "rx", "ry", "cx", "cy",
    "r", "d", "points", "transform", "fill", "stroke", "stroke-width", "stroke-dasharray",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dashoffset",
    "font-size", "font-family", "font-style", "font-weight", "text-anchor", "role",
    "focusable", "id", "class", "pointer-events", "style", "href", "opacity",
    "fill-opacity", "stroke-opacity", "preserveAspectRatio", "aria-hidden", "aria-label",
})

ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _renderer():
    """MathJax in QuickJS, made once per process (about 0.3 s); ``None`` without quickjax."""
    try:
        from quickjax import MathJaxRenderer
    except ImportError:
        return None
    return MathJaxRenderer()


def available() -> bool:
    """Whether maths can be typeset here (``quickjax`` is installed and starts)."""
    try:
        return _renderer() is not None
    except Exception:
        return False


@functools.lru_cache(maxsize=4096)
def render_tex(tex: str, *, display: bool = False) -> str:
    """``tex`` typeset as MathJax's SVG output in an ``<mjx-container>``.

    A formula MathJax cannot read, or any formula when ``quickjax`` is missing, comes back
    as its TeX between its delimiters, escaped, in a ``<span class="tex-source">``.

    Examples
    --------
    >>> page = render_tex(r"\\sigma(z)(1-\\sigma(z))")
    >>> page.startswith('<mjx-container class="MathJax" jax="SVG"') or "tex-source" in page
    True
    >>> "<script" in render_tex(r"\\text{<script>}")
    False
    """
    svg = _typeset(tex, display=display)
    if svg is None:
        return _as_source(tex, display=display)
    label = html.escape(tex, quote=True)
    if display:
        return (f'<mjx-container class="MathJax" jax="SVG" display="true" '
                f'style="display:block;text-align:center;margin:1em 0" aria-label="{label}">'
                f"{svg}</mjx-container>")
    return f'<mjx-container class="MathJax" jax="SVG" aria-label="{label}">{svg}</mjx-container>'


def _as_source(tex: str, *, display: bool) -> str:
    mark = "$$" if display else "$"
    return f'<span class="tex-source">{html.escape(mark + tex + mark, quote=False)}</span>'


def _typeset(tex: str, *, display: bool) -> str | None:
    try:
        renderer = _renderer()
    except Exception:
        return None
    if renderer is None:
        return None
    try:
        with _LOCK:  # one QuickJS context: one formula at a time
            svg = renderer.render(tex, display=display)
    except Exception:
        return None
    if "data-mjx-error" in svg:
        return None  # MathJax's own error box says less than the TeX itself
    return clean_svg(svg)


def clean_svg(svg: str) -> str | None:
    """MathJax's SVG with only drawing elements and inert attributes (module docstring)."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return None
    if _local(root.tag) != "svg":
        return None
    _clean_element(root)
    return ET.tostring(root, encoding="unicode")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _clean_element(element: ET.Element) -> None:
    for name in list(element.attrib):
        if not _allowed_attribute(_local(name), element.attrib[name]):
            del element.attrib[name]
        elif _local(name) == "style":
            element.attrib[name] = _clean_style(element.attrib[name])
    children = list(element)
    for child in children:
        kind = _local(child.tag) if isinstance(child.tag, str) else ""
        if kind == "a":  # \href: keep what it drew, not the link
            index = list(element).index(child)
            element.remove(child)
            for offset, grandchild in enumerate(list(child)):
                element.insert(index + offset, grandchild)
                _clean_element(grandchild)
        elif kind not in SVG_ELEMENTS:
            element.remove(child)
        else:
            _clean_element(child)


def _allowed_attribute(name: str, value: str) -> bool:
    if name.lower().startswith("on"):
        return False
    if name == "href":
        return value.startswith("#")
    return name in _SVG_ATTRIBUTES  # no data-*: MathJax's copies of the TeX are not needed


def _clean_style(style: str) -> str:
    from mlfund.course._sanitize import clean_css

    return clean_css(style)


# ---------------------------------------------------------------------------------------
# maths inside rendered markdown


class MathsSlots:
    """Formulas taken out of markdown while it is rendered and cleaned, put back typeset.

    The markdown renderer calls :meth:`hold` for each formula and writes the returned token
    in its place; the token is plain text that survives the HTML cleaner and is unguessable
    (a fresh random nonce each time), so a learner cannot plant one. :meth:`fill` then puts
    the typeset formulas in.
    """

    def __init__(self) -> None:
        self._nonce = secrets.token_hex(8)
        self._formulas: list[tuple[str, bool, str]] = []

    def hold(self, tex: str, *, display: bool, source: str) -> str:
        """A token standing for ``tex``; ``source`` is how it was typed (with delimiters)."""
        self._formulas.append((tex, display, source))
        return f"mjxslot{self._nonce}n{len(self._formulas) - 1}x"

    def fill(self, cleaned: str, *, typeset: Callable[[str, bool], str] | None = None) -> str:
        """``cleaned`` with each token replaced by its formula, typeset."""
        typeset = typeset or (lambda tex, display: render_tex(tex, display=display))
        pattern = re.compile(rf"mjxslot{self._nonce}n(\d+)x")

        def put(match: re.Match) -> str:
            index = int(match.group(1))
            if index >= len(self._formulas):
                return ""
            tex, display, _ = self._formulas[index]
            return typeset(tex, display)

        return pattern.sub(put, cleaned)


def latex_output_to_html(latex: str) -> str:
    """A ``text/latex`` output (sympy's ``$\\displaystyle …$``) typeset as HTML."""
    text = latex.strip()
    display = text.startswith("$$") and text.endswith("$$") and len(text) > 4
    if display:
        text = text[2:-2]
    elif text.startswith("$") and text.endswith("$") and len(text) > 2:
        text = text[1:-1]
    elif text.startswith("\\[") and text.endswith("\\]"):
        text, display = text[2:-2], True
    return render_tex(text.strip(), display=display)
