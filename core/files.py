"""Stored files that live and die with the rows naming them.

A row that names a stored file (a photo, an uploaded submission) and the file itself
must go together. Deleting the file first and committing afterwards leaves rows pointing
at nothing when the commit fails or the transaction is rolled back, so plugins call
:func:`delete_after_commit` instead of ``Path.unlink``: the file is deleted right after
the session's transaction commits, and kept when it rolls back (also when only the
savepoint, ``begin_nested()``, it was registered in rolls back).

The other way round, a file written for rows not committed yet is registered with
:func:`remove_on_rollback`: it is deleted again if the transaction (or the savepoint)
rolls back or ends without a commit, so a failed upload leaves no orphan on disk.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

_PENDING = "core.files.pending"  # session.info key: list of (SessionTransaction, Path)
_WRITTEN = "core.files.written"  # files to remove again unless the transaction commits


def checked_path(path, root) -> Path:
    """``path`` as an absolute path strictly inside the storage folder ``root``;
    ``ValueError`` for anything else (``..`` out of it, the folder itself, a symlinked
    folder leading elsewhere)."""
    root = Path(root)
    base = root.resolve()
    given = Path(path)
    if given.name in ("", ".", ".."):
        raise ValueError(f"Not a file: {path}")
    target = given.parent.resolve() / given.name
    if base == Path(base.anchor) or not target.is_relative_to(base) or target == base:
        raise ValueError(f"Refusing to delete {path}: not inside the storage folder {root}.")
    return target


def delete_after_commit(session, path, *, root) -> Path:
    """Delete the file at ``path`` after ``session``'s transaction commits.

    ``root`` is the storage folder the file belongs to (the plugin's upload or photo
    folder); a path outside it raises ``ValueError`` now. Nothing is deleted when the
    transaction (or the savepoint the call happened in) rolls back, nor when the commit
    fails. A file already gone is fine; a failure to delete is logged, never raised.
    Returns the checked path.
    """
    target = checked_path(path, root)
    session = _real(session)
    tx = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(_PENDING, []).append((tx, target))
    return target


def remove_on_rollback(session, path, *, root) -> Path:
    """Delete the file at ``path`` (just written, for rows of ``session``'s transaction)
    if that transaction, or the savepoint the call happened in, rolls back or ends
    without a commit; keep it once the transaction commits. ``root`` as for
    :func:`delete_after_commit`."""
    target = checked_path(path, root)
    session = _real(session)
    tx = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(_WRITTEN, []).append((tx, target))
    return target


def _unlink(path: Path, why: str) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.exception("Could not delete %s %s", path, why)


def pending(session) -> list[Path]:
    """The files ``session`` will delete at its next commit."""
    return [p for _tx, p in _real(session).info.get(_PENDING, [])]


def _real(session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def _inside(tx, ended) -> bool:
    while tx is not None:
        if tx is ended:
            return True
        tx = tx.parent
    return False


@event.listens_for(Session, "after_commit")
def _delete_committed(session):
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its files wait for the outermost commit
    session.info.pop(_WRITTEN, None)  # written files are now referred to: keep them
    for _tx, path in session.info.pop(_PENDING, []):
        _unlink(path, "after the commit")


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction):
    written = session.info.get(_WRITTEN)
    if written:
        gone = [(tx, p) for tx, p in written if previous_transaction.parent is None
                or _inside(tx, previous_transaction)]
        for _tx, path in gone:
            _unlink(path, "written by a transaction that rolled back")
        session.info[_WRITTEN] = [entry for entry in written if entry not in gone]
    entries = session.info.get(_PENDING)
    if not entries:
        return
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        return
    session.info[_PENDING] = [(tx, p) for tx, p in entries
                              if not _inside(tx, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _forget_unfinished(session, transaction):
    # The outermost transaction ended without a commit (closed, or rolled back after a
    # failed commit): whatever is still registered belongs to work that never landed.
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING, None)
        for _tx, path in session.info.pop(_WRITTEN, []):
            _unlink(path, "written by a transaction that never committed")
