"""Files removed only once the database has stopped referring to them.

A row that names a stored file (a photo, an uploaded submission) and the file itself
must go together. Deleting the file first and committing afterwards leaves rows pointing
at nothing when the commit fails or the transaction is rolled back, so plugins call
:func:`delete_after_commit` instead of ``Path.unlink``: the file is deleted right after
the session's transaction commits, and kept when it rolls back (also when only the
savepoint, ``begin_nested()``, it was registered in rolls back).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

_PENDING = "core.files.pending"  # session.info key: list of (SessionTransaction, Path)


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
    for _tx, path in session.info.pop(_PENDING, []):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("Could not delete %s after the commit", path)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction):
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
