"""Whole-session bounds: a client that sends one byte just before each
timeout (timeoutsmtpd, timeoutpop3) must still lose its session by
timeoutsession / timeoutdata / timeoutpop3session, with 421 4.4.2 or -ERR,
and its worker must serve the next client."""

import select
import time

import stamptest
from probelib import Conn, Pop3, envelopes, queued, require, session_pids, smtp_greeted, smtpd

STEP = 0.4          # seconds between two bytes: well inside every per-read timeout


def drip(c, pattern, limit):
    """Send pattern one byte every STEP seconds, over and over, until the
    server closes or limit seconds pass. (seconds taken, every byte read, closed?)"""
    t0 = time.monotonic()
    got = c.buf
    c.buf = b""
    i = 0
    while time.monotonic() - t0 < limit:
        r, _, _ = select.select([c.s], [], [], STEP)
        if r:
            try:
                chunk = c.s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return time.monotonic() - t0, got, True
            got += chunk
            continue
        try:
            c.s.sendall(pattern[i % len(pattern):i % len(pattern) + 1])
        except OSError:
            return time.monotonic() - t0, got, True
        i += 1
    return time.monotonic() - t0, got, False


def probe_smtp_session_deadline_frees_the_worker():
    s = smtpd("listen", controls={"timeoutsmtpd": "2", "timeoutsession": "3",
                                  "concurrencyincoming": "1", "prefork": "0"})
    c = smtp_greeted(s.port)
    took, got, closed = drip(c, b"NOOP\r\n", 15)
    require(got.count(b"250 ") >= 1, "the dripped NOOPs were not answered: %r" % got[-200:])
    require(closed, "a dripping client kept its session for %.1fs: %r" % (took, got[-200:]))
    require(b"421 4.4.2 " in got, "no 421 4.4.2 at the session deadline: %r" % got[-200:])
    require(2.0 < took < 7, "timeoutsession 3 took %.1fs" % took)
    nxt = smtp_greeted(s.port)       # the one worker is free again
    nxt.send(b"NOOP\r\n")
    require(nxt.reply().startswith(b"250"), "the next client was not served")


def probe_smtp_data_deadline():
    s = smtpd("tcpserver", controls={"timeoutsmtpd": "2", "timeoutdata": "2",
                                     "timeoutsession": "60"})
    c = smtp_greeted(s.port)
    c.send(b"EHLO c\r\nMAIL FROM:<a@outside.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
    require(c.codes(4) == ["250", "250", "250", "354"], "DATA refused")
    took, got, closed = drip(c, b"Subject: drip\r\n\r\nslow text\r\n", 15)
    require(closed and got.startswith(b"421 4.4.2 "),
            "a dripping DATA got %r after %.1fs (closed: %s)" % (got[:200], took, closed))
    require(1.5 < took < 6, "timeoutdata 2 took %.1fs" % took)
    require(not queued(s) and not envelopes(s), "a message cut by timeoutdata was queued")
    stamptest.wait_for(lambda: not session_pids(s), 5, what="the session process to end")
    # the same session before its DATA would have lasted: a whole message is taken
    c = smtp_greeted(s.port)
    c.send(b"EHLO c\r\nMAIL FROM:<a@outside.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
    c.codes(4)
    c.send(b"Subject: quick\r\n\r\nquick\r\n.\r\n")
    require(c.reply().startswith(b"250"), "a quick message after the cut one was refused")


def pop3_greeted(port):
    c = Conn(port)
    g = c.line()
    require(g is not None and g.startswith(b"+OK"), "no POP3 greeting: %r" % g)
    return c


def probe_pop3_session_deadline():
    """Dripping in AUTHORIZATION and in TRANSACTION (after a DELE): -ERR and
    closed by timeoutpop3session; the DELE'd message stays (no QUIT)."""
    p = Pop3(controls={"timeoutpop3": 2, "timeoutpop3session": 3})
    p.deliver([b"From: a@example.org\nSubject: keep\n\nkeep me\n"])
    port = p.serve()
    time.sleep(0.3)
    for login in (False, True):
        c = pop3_greeted(port)
        if login:
            c.send(b"USER alice\r\nPASS %s\r\nDELE 1\r\n" % p.passwords["alice"].encode())
            for _ in range(3):
                r = c.line()
                require(r is not None and r.startswith(b"+OK"), "login or DELE: %r" % r)
        took, got, closed = drip(c, b"NOOP\r\n", 15)
        state = "TRANSACTION" if login else "AUTHORIZATION"
        require(closed, "%s: a dripping client kept its session for %.1fs" % (state, took))
        require(b"-ERR [SYS/TEMP] session time limit" in got,
                "%s: no -ERR at the deadline: %r" % (state, got[-200:]))
        require(took < 7, "%s: timeoutpop3session 3 took %.1fs" % (state, took))
    files = []
    for sub in ("new", "cur"):
        files += stamptest.os.listdir(stamptest.os.path.join(p.maildir(), sub))
    require(len(files) == 1, "the session cut by its deadline removed a message: %r" % files)
