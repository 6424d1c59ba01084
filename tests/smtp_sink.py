#!/usr/bin/env python3
"""A local SMTP sink for the notification tests (aiosmtpd, Debian's
python3-aiosmtpd). Listens on 127.0.0.1 at a free port, prints
"READY <port>" on stdout, and writes every accepted message to
<dir>/<n>.eml with the envelope and the authenticated login in <n>.json.
Optional AUTH (--user/--password) and STARTTLS (--cert/--key, then required).
Runs until SIGTERM."""
import argparse
import itertools
import json
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        base = os.path.join(self.directory, "%04d" % n)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": session.auth_data.decode() if isinstance(session.auth_data, bytes) else None,
            "authenticated": bool(session.authenticated),
            "tls": session.ssl is not None,
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".json.tmp", base + ".json")
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login.decode() == args.user and auth_data.password.decode() == args.password
        return AuthResult(success=ok, auth_data=auth_data.login if ok else None)

    tls_context = None
    if args.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)
    port = free_port()
    controller = Controller(
        Handler(args.dir),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator if args.user else None,
        auth_required=bool(args.user),
        auth_require_tls=bool(args.cert),
        tls_context=tls_context,
        require_starttls=bool(args.cert),
    )
    controller.start()
    print("READY %d" % port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
