"""The throwaway plugin's one model, defined on demand and forgotten after the test.

It uses its own declarative registry over core's ``db.metadata`` (so its foreign key to
``center`` resolves and Flask-SQLAlchemy's session serves it) and can be disposed of
without touching core's mappers.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.audit import Audited
from core.extensions import db

TABLE = "throwaway_note"
_state: dict[str, type] = {}


def note_model() -> type:
    if "Note" in _state:
        return _state["Note"]
    if TABLE in db.metadata.tables:  # left over by an interrupted test
        db.metadata.remove(db.metadata.tables[TABLE])

    class Base(DeclarativeBase):
        metadata = db.metadata

    class Note(Audited, Base):
        __tablename__ = TABLE

        id: Mapped[int] = mapped_column(primary_key=True)
        center_id: Mapped[int] = mapped_column(sa.ForeignKey("center.id"), index=True)
        text: Mapped[str] = mapped_column(sa.String(200))

    _state["Base"], _state["Note"] = Base, Note
    return Note


def forget() -> None:
    """Drop the model from the metadata and its mapper from SQLAlchemy's registries."""
    base = _state.pop("Base", None)
    _state.pop("Note", None)
    if TABLE in db.metadata.tables:
        db.metadata.remove(db.metadata.tables[TABLE])
    if base is not None:
        base.registry.dispose()
