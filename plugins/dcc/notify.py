"""Sending confirmation codes: a pluggable notifier chosen by configuration.

``CTC_DCC_NOTIFIER`` picks it: ``"log"`` (default: the message goes to the ``ctc.dcc``
logger, for a deployment without a mail server), ``"smtp"`` (settings ``CTC_DCC_SMTP_HOST``,
``CTC_DCC_SMTP_PORT``, ``CTC_DCC_SMTP_USER``, ``CTC_DCC_SMTP_PASSWORD``,
``CTC_DCC_SMTP_FROM``, ``CTC_DCC_SMTP_STARTTLS``), ``"memory"`` (kept in
``app.extensions["dcc_outbox"]``, for tests and demos), or a dotted path
``"package.module:factory"`` returning an object with ``send(destination, subject, body)``.
SMS has no gateway in core yet: a phone number is "sent" through the same notifier.
"""

from __future__ import annotations

import importlib
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("ctc.dcc")


class LogNotifier:
    def send(self, destination: str, subject: str, body: str) -> None:
        log.info("DCC message to %s: %s - %s", destination, subject, body)


@dataclass
class SmtpNotifier:
    host: str
    port: int = 587
    user: str = ""
    password: str = ""
    sender: str = "no-reply@dcc.gov.kh"
    starttls: bool = True

    def send(self, destination: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = destination
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


class MemoryNotifier:
    def __init__(self, outbox: list) -> None:
        self.outbox = outbox

    def send(self, destination: str, subject: str, body: str) -> None:
        self.outbox.append({"to": destination, "subject": subject, "body": body})


def get_notifier(app=None):
    app = app or current_app
    kind = app.config.get("CTC_DCC_NOTIFIER", "log")
    if kind == "log":
        return LogNotifier()
    if kind == "memory":
        return MemoryNotifier(app.extensions.setdefault("dcc_outbox", []))
    if kind == "smtp":
        c = app.config
        return SmtpNotifier(
            host=c["CTC_DCC_SMTP_HOST"], port=int(c.get("CTC_DCC_SMTP_PORT", 587)),
            user=c.get("CTC_DCC_SMTP_USER", ""), password=c.get("CTC_DCC_SMTP_PASSWORD", ""),
            sender=c.get("CTC_DCC_SMTP_FROM", "no-reply@dcc.gov.kh"),
            starttls=bool(c.get("CTC_DCC_SMTP_STARTTLS", True)),
        )
    module_name, _, attr = str(kind).partition(":")
    return getattr(importlib.import_module(module_name), attr or "notifier")()
