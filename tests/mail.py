"""A real SMTP server on loopback (aiosmtpd) that collects what Kyte sends."""

import email
import email.policy
import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Collector:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(
            {
                "to": envelope.rcpt_tos,
                "from": envelope.mail_from,
                "message": message,
                "subject": str(message["subject"]),
                "body": message.get_body(preferencelist=("plain",)).get_content(),
            }
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, handler
