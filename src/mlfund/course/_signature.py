"""Signed results: the item analysis counts only what the trusted step wrote.

The trusted step (:func:`mlfund.course._trusted.trusted_outputs`) writes each test cell's
result as ``application/vnd.mlfund.result+json``. The learner's kernel can print a result of
that type too, so the report would be poisoned if it believed any it found. This module
defends the report: the trusted step adds an HMAC-SHA256 of the result's canonical JSON,
keyed by a secret kept in the course folder (``COURSE/.mlfund/result-key``, mode 0600, made
on first use). The learner's kernel never sees the course folder (it is hidden from the
confined kernel), so it cannot sign; :func:`verify_result` rejects a result whose
signature is missing or wrong. ``tests/course/test_html_safety.py`` shows that a forged
result does not count and that a signed one does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Where the key lives, relative to the course folder.
KEY_PATH = Path(".mlfund") / "result-key"
#: The field of a result that holds its signature.
SIGNATURE_FIELD = "signature"
_KEY_BYTES = 32


class ResultKeyError(RuntimeError):
    """The course's result key exists but cannot be read or is not a key."""


def key_path(course_dir: str | os.PathLike[str]) -> Path:
    """``COURSE/.mlfund/result-key``."""
    return Path(course_dir) / KEY_PATH


def result_key(course_dir: str | os.PathLike[str], *, create: bool = False) -> bytes | None:
    """The course's result key; made (mode 0600) when ``create`` and there is none yet.

    Returns ``None`` when there is no key and ``create`` is false. Raises
    :class:`ResultKeyError` when the file exists but does not hold a key: a grader must not
    quietly write results that no report will count.
    """
    return read_key(key_path(course_dir), create=create)


def read_key(path: str | os.PathLike[str], *, create: bool = False) -> bytes | None:
    """The key in the file ``path``, as :func:`result_key` (which gives the course's file)."""
    path = Path(path)
    if not path.exists():
        if not create:
            return None
        _create_key(path)
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError) as exc:
        raise ResultKeyError(f"the result key {path} cannot be read ({exc}).") from None
    if len(key) < _KEY_BYTES:
        raise ResultKeyError(f"the result key {path} is too short ({len(key)} bytes; "
                             f"at least {_KEY_BYTES}).")
    return key


def _create_key(path: Path) -> None:
    """Write a fresh key atomically: concurrent graders all end up with the same one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(_KEY_BYTES) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(temporary, path)  # fails if another grader made the key first
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def canonical_json(result: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, UTF-8; the signature left out."""
    body = {str(k): v for k, v in result.items() if k != SIGNATURE_FIELD}
    return json.dumps(body, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def sign_result(result: Mapping[str, Any], key: bytes) -> str:
    """The hex HMAC-SHA256 of ``result`` under ``key``."""
    return hmac.new(key, canonical_json(result), hashlib.sha256).hexdigest()


def verify_result(result: Any, key: bytes | None) -> str:
    """``"valid"``, ``"unsigned"``, ``"bad signature"`` or ``"no key"``; never raises."""
    if not isinstance(result, Mapping):
        return "unsigned"
    signature = result.get(SIGNATURE_FIELD)
    if not isinstance(signature, str) or not signature:
        return "unsigned"
    if key is None:
        return "no key"
    try:
        expected = sign_result(result, key)
    except (TypeError, ValueError):
        return "bad signature"
    return "valid" if hmac.compare_digest(expected, signature) else "bad signature"
