"""nbgrader's exchange: the folder shared with the students on a multi-user machine.

The exchange root is read from the course's configuration, as stock nbgrader reads it
(:func:`exchange_root`): ``MLFUND_EXCHANGE``, else the ``c.Exchange.root`` that
``mlfund course init --exchange DIR`` writes in the course's ``nbgrader_config.py``, else
nbgrader's own ``/usr/local/share/nbgrader/exchange``. Inside it, nbgrader keeps
``COURSE_ID/outbound/WEEK`` (released weeks), ``COURSE_ID/inbound`` (submissions) and
``COURSE_ID/feedback`` (feedback pages named by a hash of each submission's secret).

Defences (tests in ``tests/course/test_exchange.py``; the round trip with real Unix users
in ``tests/course/test_hub.py``):

- The exchange is refused inside the course folder, which only the instructor may enter
  (``test_is_an_exchange_inside_the_course_refused``); every folder above it must let the
  students through (``test_is_an_exchange_the_students_cannot_reach_refused``).
- The root gets the sticky bit (mode 1777) and so does ``inbound`` (3733): students may
  add entries but not rename or remove the instructor's course folder or another's
  submission (``test_does_a_release_make_the_exchange_sticky``).
- A course folder in the exchange owned by someone else than the instructor (a student who
  created it first) is refused rather than released into or collected from
  (``test_is_a_course_folder_made_by_someone_else_refused``).
- Feedback released by root is owned by its student with mode 600; by another user it is
  mode 644 in a folder nobody may list (711) and named by a secret only the student and
  the instructor hold, as nbgrader does (``test_is_feedback_released_as_root_the_students_alone``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

DEFAULT_EXCHANGE = "/usr/local/share/nbgrader/exchange"
"""nbgrader's default exchange root, used when neither the course nor the environment names one."""

_OPEN_TO_ALL = 0o777
_STICKY_ROOT = 0o1777
_FEEDBACK_FOLDER = 0o711


class ExchangeError(RuntimeError):
    """The exchange cannot be used as asked; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """Where a course meets its students."""

    root: Path
    """The exchange root shared by every course."""
    course_id: str
    """nbgrader's course id: the folder of this course inside the root."""

    @property
    def course(self) -> Path:
        return self.root / self.course_id

    @property
    def inbound(self) -> Path:
        return self.course / "inbound"

    @property
    def outbound(self) -> Path:
        return self.course / "outbound"

    @property
    def feedback(self) -> Path:
        return self.course / "feedback"


def exchange_of(course: Path) -> Exchange:
    """The exchange of ``course``, read as stock nbgrader run in the course folder reads it."""
    from mlfund.course._nbgrader import load_config

    config = load_config(course)
    root = config.Exchange.root if "root" in config.Exchange else DEFAULT_EXCHANGE
    return Exchange(Path(os.path.abspath(str(root))), str(config.CourseDirectory.course_id))


def exchange_root(course: Path) -> Path:
    """The exchange root of ``course``; see the module docstring for the order of sources."""
    return exchange_of(course).root


def check_outside(course: Path, root: Path) -> None:
    """Refuse an exchange inside the course folder (or the course inside the exchange)."""
    course, root = Path(os.path.realpath(course)), Path(os.path.realpath(root))
    if root == course or course in root.parents:
        raise ExchangeError(
            f"the exchange ({root}) is inside the course folder ({course}), which only the "
            "instructor may enter: students could not reach it. Choose a folder outside it "
            "with `mlfund course init --exchange DIR` (or MLFUND_EXCHANGE).")
    if root in course.parents:
        raise ExchangeError(
            f"the course folder ({course}) is inside the exchange ({root}), which every "
            "student may enter. Keep them apart.")


def _closed_ancestor(root: Path) -> Path | None:
    """The first folder above ``root`` that other users may not pass through, if any."""
    for folder in reversed(root.parents):
        try:
            mode = os.stat(folder).st_mode
        except OSError:
            return None  # not there yet: it will be made enterable
        if not mode & stat.S_IXOTH:
            return folder
    return None


def _make_folders_above(root: Path) -> None:
    """Create the missing folders above ``root``, enterable by everyone (mode 755)."""
    missing = [p for p in reversed(root.parents) if not p.exists()]
    for folder in missing:
        try:
            folder.mkdir()
            folder.chmod(0o755)
        except FileExistsError:
            pass
        except PermissionError as exc:
            raise ExchangeError(
                f"cannot create {folder} for the exchange {root} (permission denied): ask an "
                f"administrator to run `mkdir -p {root} && chmod 1777 {root}`, or choose "
                "another folder with `mlfund course init --exchange DIR`.") from exc


def prepare_exchange(root: Path, course: Path) -> list[str]:
    """Make ``root`` an exchange students can use; return notes on what was changed.

    The root is created when missing, with mode 1777 (everyone may add entries; only an
    entry's owner may rename or remove it). Raises :class:`ExchangeError` when the root is
    inside ``course``, when students could not reach it or write in it, or when it cannot
    be created.
    """
    root = Path(os.path.abspath(root))
    check_outside(course, root)
    notes: list[str] = []
    if not root.exists():
        _make_folders_above(root)
        try:
            root.mkdir()
            root.chmod(_STICKY_ROOT)
        except PermissionError as exc:
            raise ExchangeError(
                f"cannot create the exchange {root} (permission denied): ask an administrator "
                f"to run `mkdir -p {root} && chmod 1777 {root}`, or choose another folder "
                "with `mlfund course init --exchange DIR`.") from exc
        notes.append(f"Created the exchange {root} (mode 1777).")
    if not root.is_dir():
        raise ExchangeError(f"the exchange ({root}) is not a folder.")
    info = root.stat()
    mode = stat.S_IMODE(info.st_mode)
    if mode & _OPEN_TO_ALL != _OPEN_TO_ALL or not mode & stat.S_ISVTX:
        if info.st_uid != os.geteuid():
            if mode & _OPEN_TO_ALL != _OPEN_TO_ALL:
                raise ExchangeError(
                    f"the exchange ({root}) has mode {mode:o}: students cannot write in it. "
                    f"Ask its owner to run `chmod 1777 {root}`.")
        else:
            root.chmod(_STICKY_ROOT)
            notes.append(f"Made the exchange {root} mode 1777 (was {mode:o}).")
    closed = _closed_ancestor(root)
    if closed is not None:
        raise ExchangeError(
            f"students cannot reach the exchange {root}: {closed} lets only its owner in "
            f"(mode {stat.S_IMODE(os.stat(closed).st_mode):o}). Choose a folder they can "
            "reach, such as /srv/nbgrader/exchange, with `mlfund course init --exchange DIR`.")
    return notes


def check_course_owner(exchange: Exchange) -> None:
    """Refuse a course folder in the exchange that is a link or belongs to another user."""
    try:
        info = os.lstat(exchange.course)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ExchangeError(f"{exchange.course} in the exchange is not a folder; refused.")
    if info.st_uid not in (os.geteuid(), 0):
        raise ExchangeError(
            f"{exchange.course} in the exchange belongs to {_user_name(info.st_uid)}, not to "
            "you: someone else created the course's folder. Remove it (as its owner or root) "
            "and release again.")


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _add_sticky(folder: Path) -> None:
    """Students may add to ``folder`` but not rename or remove what others put there."""
    try:
        info = folder.stat()
        if info.st_uid == os.geteuid() and not info.st_mode & stat.S_ISVTX:
            folder.chmod(stat.S_IMODE(info.st_mode) | stat.S_ISVTX)
    except OSError:
        pass  # not ours: nbgrader's own modes stay


def release_to_exchange(week: str, course: Path, *, force: bool = False) -> Path:
    """Copy the generated student version of ``week`` into the exchange; its folder there.

    Raises :class:`ExchangeError` when the week is already released and ``force`` is
    false, or when the exchange cannot be used (see :func:`prepare_exchange`).
    """
    from nbgrader.utils import capture_log, temp_attrs

    from mlfund.course._nbgrader import load_config, make_api

    exchange = exchange_of(course)
    prepare_exchange(exchange.root, course)
    check_course_owner(exchange)
    target = exchange.outbound / week
    if target.exists() and not force:
        raise ExchangeError(
            f"{week} is already in the exchange ({target}); `--force` replaces it (students "
            "who fetched it keep their copy and may fetch again after moving theirs away).")
    grader = make_api(load_config(course))
    with temp_attrs(grader.coursedir, assignment_id=week):
        app = grader.exchange.ReleaseAssignment(coursedir=grader.coursedir,
                                                authenticator=grader.authenticator,
                                                parent=grader)
        app.force = force
        result = capture_log(app)
    if not result.get("success"):
        raise ExchangeError(f"release to the exchange failed:\n{result.get('log', '')[-2000:]}")
    _add_sticky(exchange.inbound)
    return target


@dataclass(frozen=True, slots=True)
class FeedbackRelease:
    """What :func:`release_feedback_to_exchange` did."""

    released: int
    """Feedback pages copied into the exchange."""
    students: int
    """Students they belong to."""
    without_secret: tuple[str, ...]
    """Students whose submission did not come through the exchange (no secret): not released."""
    owned_by_student: bool
    """Whether each page belongs to its student with mode 600 (root only), else mode 644."""


def _student_uid(student: str) -> int | None:
    try:
        return pwd.getpwnam(student).pw_uid
    except KeyError:
        return None


def _publish(page: Path, target: Path, student: str) -> bool:
    """Copy ``page`` to ``target`` atomically; whether it went to the student alone."""
    from secrets import token_hex

    temporary = target.with_name(f".{token_hex(8)}.part")
    shutil.copyfile(page, temporary)
    uid = _student_uid(student) if os.geteuid() == 0 else None
    try:
        if uid is not None:
            os.chown(temporary, uid, -1)
            temporary.chmod(0o600)
        else:
            temporary.chmod(0o644)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return uid is not None


def release_feedback_to_exchange(week: str, course: Path) -> FeedbackRelease:
    """Copy the feedback pages of ``week`` into the exchange for ``nbgrader fetch_feedback``.

    A page's name in the exchange is nbgrader's: the hash of the submission's secret and
    the notebook's name, so only its student (who keeps the secret) finds it.
    """
    from nbgrader.utils import notebook_hash

    exchange = exchange_of(course)
    prepare_exchange(exchange.root, course)
    check_course_owner(exchange)
    for folder, mode in ((exchange.course, 0o755), (exchange.feedback, _FEEDBACK_FOLDER)):
        if not folder.exists():
            folder.mkdir()
            folder.chmod(mode)  # as nbgrader makes them; the umask would narrow mkdir's mode
    if exchange.feedback.stat().st_uid == os.geteuid():
        exchange.feedback.chmod(_FEEDBACK_FOLDER)  # a listable folder would give every name away
    released, students, missing, alone = 0, set(), [], True
    for folder in sorted((course / "feedback").glob(f"*/{week}")):
        student = folder.parent.name
        secret_file = folder / "submission_secret.txt"
        pages = sorted(folder.glob("*.html"))
        if not pages:
            continue
        if not secret_file.is_file():
            missing.append(student)
            continue
        secret = secret_file.read_text(encoding="ascii")  # as nbgrader reads it: unstripped
        for page in pages:
            name = notebook_hash(secret=secret, notebook_id=page.stem)
            alone &= _publish(page, exchange.feedback / f"{name}.html", student)
            released += 1
        students.add(student)
    return FeedbackRelease(released, len(students), tuple(missing), alone and released > 0)
