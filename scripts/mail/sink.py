"""A real SMTP server for the tests (aiosmtpd, pinned in scripts/oauth/requirements.txt):
every message it accepts is parsed with Python's own `email` package and written as one
JSON file (to, subject, message_id, text, html) into the directory it is given, so the
tests read what a mail client would show, whatever transfer encoding the sender chose.

    PYTHONPATH=scripts/mail python -m aiosmtpd -n -l 127.0.0.1:PORT -c sink.JsonSink DIR
"""
import email
import json
import os
import time
from email import policy


class JsonSink:
    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("JsonSink needs the directory to write into")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "to": envelope.rcpt_tos,
            "from": envelope.mail_from,
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        }
        name = f"{time.time_ns()}"
        partial = os.path.join(self.directory, f".{name}.tmp")
        with open(partial, "w") as out:
            json.dump(record, out)
        # Renamed once whole: a reader never sees half a message.
        os.rename(partial, os.path.join(self.directory, f"{name}.json"))
        return "250 Message accepted for delivery"
