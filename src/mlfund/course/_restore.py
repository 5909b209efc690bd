"""``RestoreCellMetadata``: undo what a submission did to the nbgrader metadata.

Runs first in nbgrader's sanitize step. For every cell whose ``grade_id`` belongs to the
source notebook, the nbgrader metadata (grade, solution, locked, points, ids) and the cell
type are put back as the source has them, so that changing flags, points or checksums
neither earns points nor stops the grading. A ``grade_id`` met twice keeps its last cell
(as nbgrader's ``DeduplicateIds`` does); the others lose their nbgrader metadata entirely.
Graded test cells that were deleted are put back after the cell before them in the source.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

_FIELDS = ("grade", "solution", "locked", "points", "grade_id", "schema_version", "task")


@functools.lru_cache(maxsize=32)
def _read_source(path: str, mtime_ns: int) -> NotebookNode:
    """The source notebook, read once per version (it is only read from, never changed)."""
    return nbformat.read(path, as_version=4)


def _grade_id(cell: NotebookNode) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


class RestoreCellMetadata(NbGraderPreprocessor):
    """Put the source notebook's nbgrader metadata back on a submitted notebook."""

    def source_notebook(self, resources: dict) -> NotebookNode | None:
        info = resources.get("nbgrader", {})
        coursedir = CourseDirectory(config=self.config)
        folder = Path(coursedir.format_path(coursedir.source_directory, ".",
                                            info.get("assignment", "")))
        path = folder / f"{info.get('notebook', '')}.ipynb"
        if not path.is_file():
            return None
        return _read_source(str(path), path.stat().st_mtime_ns)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        source = self.source_notebook(resources)
        if source is not None:
            self.restore(nb, source)
        return nb, resources

    def restore(self, nb: NotebookNode, source: NotebookNode) -> None:
        """Put ``source``'s nbgrader metadata back on ``nb`` (in place)."""
        by_id = {gid: cell for cell in source.cells if (gid := _grade_id(cell))}
        last = {}
        for index, cell in enumerate(nb.cells):
            gid = _grade_id(cell)
            if gid is not None:
                last[gid] = index
        for index, cell in enumerate(nb.cells):
            meta = cell.get("metadata", {})
            if "nbgrader" not in meta:
                continue
            gid = _grade_id(cell)
            if gid not in by_id or last.get(gid) != index:
                del meta["nbgrader"]  # unknown, malformed or a duplicate: a plain cell
                continue
            original = by_id[gid]
            restored = {k: v for k, v in original.metadata["nbgrader"].items() if k in _FIELDS}
            meta["nbgrader"] = copy.deepcopy(restored)
            if cell.cell_type != original.cell_type:
                cell.cell_type = original.cell_type
                if original.cell_type == "markdown":
                    cell.pop("outputs", None)
                    cell.pop("execution_count", None)
                else:
                    cell.outputs, cell.execution_count = [], None
        self._restore_deleted_tests(nb, source, set(last))
        seen = set()
        for cell in nb.cells:  # cell ids must be unique for nbformat
            if cell.get("id") in seen or not cell.get("id"):
                cell["id"] = nbformat.v4.new_code_cell().id
            seen.add(cell["id"])

    def _restore_deleted_tests(self, nb: NotebookNode, source: NotebookNode,
                               present: set[str]) -> None:
        previous: str | None = None
        for cell in source.cells:
            gid = _grade_id(cell)
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if gid and gid not in present and meta.get("grade") and meta.get("locked"):
                position = len(nb.cells)
                if previous is not None:
                    for index, candidate in enumerate(nb.cells):
                        if _grade_id(candidate) == previous:
                            position = index + 1
                restored = copy.deepcopy(cell)
                if restored.cell_type == "code":
                    restored.outputs, restored.execution_count = [], None
                nb.cells.insert(position, restored)
                self.log.warning("Restored the deleted cell %s", gid)
                present.add(gid)
            if gid:
                previous = gid
