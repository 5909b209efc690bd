"""Learner content made safe for the instructor's browser: an allow-list HTML sanitiser.

A submission is written by a learner, so whatever HTML it carries (in a markdown cell, a raw
cell or a cell's output) is hostile: a ``<script>``, an ``onerror=`` attribute, an
``application/javascript`` output or a widget would run in the browser of the instructor
who opens the feedback or the formgrader. This module defends those pages:

- :func:`clean_html` keeps only an allow-list of tags, attributes, URL schemes and CSS
  properties (with ``bleach``, the sanitiser nbconvert itself uses); everything else is
  escaped, so it shows as text and never runs;
- :func:`render_markdown` renders markdown with nbconvert's own renderer first and cleans
  the HTML that comes out, so that raw HTML inside the markdown is cleaned like any other
  HTML; the maths (``$…$``, ``$$…$$``, ``\\begin{align}``) is left as typed, or, with
  ``maths=True``, set aside before the cleaning and put back typeset by MathJax on the
  server (:mod:`mlfund.course._maths`), after it;
- :func:`safe_outputs` keeps only output types that no viewer executes (text, LaTeX,
  PNG and JPEG images, cleaned HTML) and drops JavaScript, widgets, SVG and anything
  unknown, saying in a plain-text line what was removed.

The preprocessors that apply these are :class:`~mlfund.course._safe_export.SanitizeLearnerContent`
(the HTML pages) and :class:`~mlfund.course._safe_outputs.SanitizeLearnerOutputs` (the
autograded notebook). ``tests/course/test_html_safety.py`` shows each defence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import bleach
import tinycss2
from bleach.css_sanitizer import CSSSanitizer

#: Tags kept in learner HTML: what markdown, pandas tables and our own feedback produce.
SAFE_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
    "var",
})

_ANY_TAG = frozenset({"class", "style", "title", "align"})
_PER_TAG = {
    "a": frozenset({"href", "name"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan", "valign"}),
    "th": frozenset({"colspan", "rowspan", "valign", "scope"}),
    "table": frozenset({"border"}),
    "ol": frozenset({"start", "type"}),
    "details": frozenset({"open"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    **{f"h{n}": frozenset({"id"}) for n in range(1, 7)},  # markdown headings' anchors
}

#: URL schemes a link may use (besides a relative URL or ``#fragment``).
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
#: Inline images a learner's HTML or markdown may embed; no SVG (it can carry script).
DATA_IMAGES = ("data:image/png;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,")

#: CSS properties kept in ``style=`` attributes, provided their value loads nothing.
SAFE_CSS_PROPERTIES = frozenset({
    "background", "background-color", "border", "border-bottom", "border-collapse",
    "border-color", "border-left", "border-radius", "border-right", "border-spacing",
    "border-style", "border-top", "border-width", "clear", "color", "direction", "display",
    "float", "font", "font-family", "font-size", "font-style", "font-variant", "font-weight",
    "height", "letter-spacing", "line-height", "list-style-type", "margin", "margin-bottom",
    "margin-left", "margin-right", "margin-top", "max-height", "max-width", "min-height",
    "min-width", "overflow", "padding", "padding-bottom", "padding-left", "padding-right",
    "padding-top", "text-align", "text-decoration", "text-indent", "text-transform",
    "vertical-align", "white-space", "width", "word-break",
})
_CSS_VALUE_TOKENS = frozenset({"whitespace", "ident", "hash", "dimension", "number",
                               "percentage", "string", "literal"})
_CSS_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "calc"})

#: Output types kept in learner cells; ``text/markdown`` is kept as cleaned ``text/html``.
SAFE_OUTPUT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "image/png",
                     "image/jpeg")
_IMAGE_TYPES = ("image/png", "image/jpeg")
_IMAGE_METADATA = ("width", "height", "unconfined", "alt")
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")


class _SafeCSS(CSSSanitizer):
    """bleach's CSS sanitiser, also dropping declarations that load something (``url()``)."""

    def sanitize_css(self, style: str) -> str:
        kept = []
        for node in tinycss2.parse_declaration_list(style, skip_comments=True,
                                                    skip_whitespace=True):
            if node.type != "declaration" or node.lower_name not in SAFE_CSS_PROPERTIES:
                continue
            if not _plain_css_value(node.value):
                continue
            value = tinycss2.serialize(node.value).strip()
            kept.append(f"{node.lower_name}:{value}{' !important' if node.important else ''}")
        return ";".join(kept)


def _plain_css_value(tokens: Iterable[Any]) -> bool:
    for token in tokens:
        kind = getattr(token, "type", None)
        if kind == "function":
            if token.lower_name not in _CSS_FUNCTIONS or not _plain_css_value(token.arguments):
                return False
        elif kind not in _CSS_VALUE_TOKENS:
            return False  # url(), blocks, bad strings, anything new
    return True


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _ANY_TAG or name in _PER_TAG.get(tag, ()):
        if tag == "a" and name == "href":
            return _safe_link(value)
        if tag == "img" and name == "src":
            return _safe_link(value) or value.strip().lower().startswith(DATA_IMAGES)
        return True
    return False


def _safe_link(value: str) -> bool:
    text = re.sub(r"[\x00-\x20]+", "", value)  # browsers ignore these inside a scheme
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return False
    return scheme in LINK_SCHEMES or (scheme == "" and ":" not in text.split("/", 1)[0])


_CLEANER = bleach.Cleaner(
    tags=SAFE_TAGS,
    attributes=_allowed_attribute,
    protocols=LINK_SCHEMES | {"data"},  # data: is then narrowed to images by the filter above
    strip=False,
    strip_comments=True,
    css_sanitizer=_SafeCSS(),
)


def clean_html(text: Any) -> str:
    """``text`` with every tag, attribute, URL and style outside the allow-list made inert.

    Disallowed tags are escaped (they show as text); disallowed attributes, ``javascript:``
    links and CSS that loads a URL are removed.

    Examples
    --------
    >>> clean_html('<b onclick="steal()">bold</b><script>steal()</script>')
    '<b>bold</b>&lt;script&gt;steal()&lt;/script&gt;'
    """
    if isinstance(text, list):
        text = "".join(str(part) for part in text)
    return _CLEANER.clean(str(text))


def clean_css(style: str) -> str:
    """A ``style=`` value with only the allowed properties whose values load nothing.

    Examples
    --------
    >>> clean_css("vertical-align: -0.5ex; background: url(https://x.example/t.png)")
    'vertical-align:-0.5ex'
    """
    return _SafeCSS().sanitize_css(style)


def render_markdown(source: Any, *, attachments: Mapping | None = None, path: str = "",
                    anchor_link_text: str = "¶", maths: bool = False) -> str:
    """Markdown rendered by nbconvert's renderer, then cleaned with :func:`clean_html`.

    The maths is left as text for MathJax: ``$a<b$`` comes out as ``$a&lt;b$``, which the
    browser reads back as ``$a<b$``. With ``maths`` it is typeset on the server instead
    (:func:`mlfund.course._maths.render_tex`): taken out before the cleaning, so that the
    cleaner never sees TeX, and put back as MathJax's SVG, cleaned by its own allow-list.

    Examples
    --------
    >>> render_markdown("Since $p<1$, <img src=x onerror=steal()>")
    '<p>Since $p&lt;1$, <img src="x"></p>'
    """
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    if isinstance(source, list):
        source = "".join(str(part) for part in source)
    options = dict(escape=False, attachments=dict(attachments or {}), embed_images=False,
                   path=path, anchor_link_text=anchor_link_text, exclude_anchor_links=False)
    if not maths:
        renderer = IPythonRenderer(**options)
        return clean_html(MarkdownWithMath(renderer=renderer).render(str(source))).strip()
    from mlfund.course._maths import MathsSlots

    slots = MathsSlots()
    renderer = _typesetting_renderer()(slots, **options)
    cleaned = clean_html(MarkdownWithMath(renderer=renderer).render(str(source))).strip()
    return slots.fill(cleaned)


@functools.lru_cache(maxsize=1)
def _typesetting_renderer() -> type:
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    class TypesettingRenderer(IPythonRenderer):
        """nbconvert's renderer, with each formula handed to a :class:`MathsSlots`."""

        def __init__(self, slots, **options: Any) -> None:
            super().__init__(**options)
            self._slots = slots

        def block_math(self, body: str) -> str:
            return self._slots.hold(body, display=True, source=f"$${body}$$")

        def inline_math(self, body: str) -> str:
            return self._slots.hold(body, display=False, source=f"${body}$")

        def latex_environment(self, name: str, body: str) -> str:
            tex = f"\\begin{{{name}}}{body}\\end{{{name}}}"
            return self._slots.hold(tex, display=True, source=tex)

    return TypesettingRenderer



def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else str(value)


def _safe_data(data: Any, keep: Iterable[str], maths: bool = False
               ) -> tuple[dict[str, Any], list[str]]:
    """The representations of one output that may be shown, and the names of the others."""
    data = data if isinstance(data, Mapping) else {}
    kept: dict[str, Any] = {}
    removed = []
    for mime, value in data.items():
        if mime not in keep:
            removed.append(str(mime))
        elif mime in _IMAGE_TYPES:
            if isinstance(value, str) and _BASE64.match(value):
                kept[mime] = value
            else:
                removed.append(mime)
        elif mime == "text/html":
            kept[mime] = clean_html(value)
        elif mime == "text/markdown":
            if "text/html" not in data:
                kept["text/html"] = render_markdown(value, maths=maths)
        else:
            kept[mime] = _text(value)
    return kept, removed


def _safe_metadata(metadata: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """Only the size and alt text of images: no file names, no ``isolated`` frames."""
    found = {}
    metadata = metadata if isinstance(metadata, Mapping) else {}
    for mime in _IMAGE_TYPES:
        entry = metadata.get(mime)
        if mime in data and isinstance(entry, Mapping):
            found[mime] = {k: entry[k] for k in _IMAGE_METADATA
                           if isinstance(entry.get(k), (int, float, str, bool))}
    return found


def safe_output(output: Any, *, keep: Iterable[str] = SAFE_OUTPUT_TYPES,
                maths: bool = False) -> dict | None:
    """One output with only what may be shown, or ``None`` for an output of unknown type.

    With ``maths``, the maths of a ``text/markdown`` output is typeset on the server
    (see :func:`render_markdown`)."""
    if not isinstance(output, Mapping):
        return None
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name")
        return {"output_type": "stream", "name": name if name in ("stdout", "stderr")
                else "stdout", "text": _text(output.get("text", ""))}
    if kind == "error":
        trace = output.get("traceback", [])
        return {"output_type": "error", "ename": _text(output.get("ename", "Error")),
                "evalue": _text(output.get("evalue", "")),
                "traceback": [_text(t) for t in trace] if isinstance(trace, list) else []}
    if kind not in ("display_data", "execute_result"):
        return None
    keep = tuple(keep)
    data, removed = _safe_data(output.get("data"), keep, maths)
    if removed and not data:
        data["text/plain"] = f"[output removed: {', '.join(sorted(removed))[:200]}]"
    cleaned: dict[str, Any] = {"output_type": kind, "data": data,
                               "metadata": _safe_metadata(output.get("metadata"), data)}
    if kind == "execute_result":
        count = output.get("execution_count")
        cleaned["execution_count"] = count if isinstance(count, int) else None
    return cleaned


def safe_outputs(outputs: Any, *, keep: Iterable[str] = SAFE_OUTPUT_TYPES,
                 maths: bool = False) -> list:
    """The outputs of a learner's cell, each reduced by :func:`safe_output`.

    Examples
    --------
    >>> js = {"output_type": "display_data", "metadata": {},
    ...       "data": {"application/javascript": "steal()"}}
    >>> safe_outputs([js])[0]["data"]
    {'text/plain': '[output removed: application/javascript]'}
    """
    from nbformat.notebooknode import from_dict

    keep = tuple(keep)
    found = []
    for output in outputs if isinstance(outputs, list) else []:
        cleaned = safe_output(output, keep=keep, maths=maths)
        if cleaned is not None:
            found.append(from_dict(cleaned))
    return found
