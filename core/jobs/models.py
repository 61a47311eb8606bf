"""The ``job`` table: one row per background job, with its progress, error and result."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.tenancy import CenterOwned, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)


class Job(CenterOwned, db.Model):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(100))  # the handler's name (ctc_jobs hook)
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED, index=True)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")  # traceback summary when failed
    result: Mapped[dict | None] = mapped_column(sa.JSON, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"),
                                                      nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)

    created_by = relationship("User", lazy="joined")

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        if not self.total:
            return 0
        return max(0, min(100, self.done * 100 // self.total))

    @property
    def error_summary(self) -> str:
        """The last line of the error: the exception and its message, for the user."""
        lines = [line for line in (self.error or "").strip().splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""

    @property
    def download_url(self) -> str | None:
        """``result["download_url"]`` when it is a path on this site (never another scheme)."""
        url = (self.result or {}).get("download_url")
        if isinstance(url, str) and url.startswith("/") and not url.startswith("//"):
            return url
        return None

    def to_dict(self) -> dict:
        """What the progress page polls (no traceback, no internal result keys)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "message": self.message,
            "error": self.error_summary if self.status == FAILED else "",
            "download_url": self.download_url,
            "finished": self.finished,
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
        }

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status} {self.done}/{self.total}>"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None
