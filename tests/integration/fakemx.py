#!/usr/bin/python3
"""fakemx.py: a scripted mail exchanger for the stamp-remote tests.

Runs under Debian's /usr/bin/python3 (aiosmtpd is python3-aiosmtpd). It
listens on --listen HOST:PORT, prints "ready" on stdout once it accepts
connections, and for every message it takes writes DIR/msg-N.json with the
envelope, the data (base64, exactly as received, CRLF line ends), whether
TLS was on, and the ESMTP parameters of MAIL. DIR/sessions.log gets one
line per connection ("open N" / "close N"), DIR/max-concurrent the most
connections open at once.

  --rcpt LOCAL=REPLY    answer RCPT for LOCAL@... with REPLY ("550 5.1.1 no")
  --data-reply REPLY    answer the end of data with REPLY for the first
  --times N             N transactions (default: all), then accept
  --delay S             wait S seconds before answering the end of data
  --tls CERT KEY        offer STARTTLS with this certificate
  --no-smtputf8         do not offer SMTPUTF8
"""

import argparse
import asyncio
import base64
import json
import os
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class State:
    def __init__(self, d):
        self.dir = d
        self.n = 0
        self.open = 0
        self.max = 0
        self.conns = 0
        self.counting = False

    def log(self, line):
        with open(os.path.join(self.dir, "sessions.log"), "a") as f:
            f.write(line + "\n")


class Handler:
    def __init__(self, args, state):
        self.args = args
        self.state = state
        self.rcpt = dict(r.split("=", 1) for r in args.rcpt)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local in self.rcpt:
            return self.rcpt[local]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 ok"

    async def handle_DATA(self, server, session, envelope):
        st = self.state
        k = st.n
        st.n += 1
        if self.args.delay:
            await asyncio.sleep(self.args.delay)
        if self.args.data_reply and (self.args.times is None or k < self.args.times):
            return self.args.data_reply
        rec = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "data": base64.b64encode(envelope.original_content).decode(),
            "tls": session.ssl is not None,
            "peer": list(session.peer)[:2],
        }
        path = os.path.join(st.dir, "msg-%d.json" % k)
        with open(path + ".tmp", "w") as f:
            json.dump(rec, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 queued as fake%d" % k


class CountingSMTP(SMTP):
    def __init__(self, *a, state=None, **kw):
        super().__init__(*a, **kw)
        self._state = state

    def connection_made(self, transport):
        st = self._state
        if st.counting:
            st.conns += 1
            st.open += 1
            st.max = max(st.max, st.open)
            st.log("open %d" % st.conns)
            with open(os.path.join(st.dir, "max-concurrent"), "w") as f:
                f.write("%d\n" % st.max)
        self._counted = st.counting
        super().connection_made(transport)

    def connection_lost(self, exc):
        if self._counted:
            self._state.open -= 1
            self._state.log("close")
        super().connection_lost(exc)


class CountingController(Controller):
    def __init__(self, handler, state, **kw):
        self._state = state
        super().__init__(handler, **kw)

    def factory(self):
        return CountingSMTP(self.handler, state=self._state, **self.SMTP_kwargs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--rcpt", action="append", default=[])
    p.add_argument("--data-reply")
    p.add_argument("--times", type=int)
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--tls", nargs=2)
    p.add_argument("--name", default="fakemx.test")
    p.add_argument("--no-smtputf8", action="store_true")
    args = p.parse_args()
    host, port = args.listen.rsplit(":", 1)
    state = State(args.dir)
    kw = {"hostname": host, "port": int(port), "server_hostname": args.name,
          "enable_SMTPUTF8": not args.no_smtputf8, "data_size_limit": 64 * 1024 * 1024}
    if args.tls:
        import ssl
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        kw["tls_context"] = ctx
        kw["require_starttls"] = False
    c = CountingController(Handler(args, state), state, **kw)
    c.start()
    state.counting = True
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        c.stop()


if __name__ == "__main__":
    sys.exit(main())
