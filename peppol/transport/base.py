"""The transport interface: look a participant up, send an envelope idempotently on its key."""

from __future__ import annotations

from dataclasses import dataclass

from peppol.identifiers import Participant


class TransportError(Exception):
    """A sending that did not succeed. `transient` ones are retried; the others fail at once. `message` tells the
    user what happened and what to do (translated)."""

    transient = False
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail
        if code:
            self.code = code


class NotRegistered(TransportError):
    code = "not_registered"


class Rejected(TransportError):
    code = "rejected"


class TemporaryFailure(TransportError):
    transient = True
    code = "temporary"


@dataclass(frozen=True)
class LookupResult:
    participant: str
    doctype: str
    reachable: bool
    endpoint: str = ""
    detail: str = ""


@dataclass(frozen=True)
class SendResult:
    delivered: bool  # the receiving side confirmed it holds the document
    evidence: str  # the receipt (AS4) or the delivery record (local)
    detail: str = ""


class Backend:
    name = ""

    def lookup(self, participant: Participant, doctype: str) -> LookupResult:  # pragma: no cover - interface
        raise NotImplementedError

    def send(
        self,
        *,
        envelope: bytes,
        sender: Participant,
        receiver: Participant,
        doctype: str,
        message_id: str,
        attempt: int,
        transmission=None,
    ) -> SendResult:  # pragma: no cover - interface
        """Send `envelope`. Called again with the same `message_id` on a retry: must not deliver twice."""
        raise NotImplementedError
