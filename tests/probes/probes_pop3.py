"""stamp-popd against hostile clients: every command in every wrong state,
bad numbers and lines, a million-line TOP, password guessing, STLS command
injection, idle clients and many connections from one address."""

import base64
import os
import socket
import ssl
import time

import stamptest
from probelib import Conn, Pop3, Unsafe, require
from test_pop3_tls import tls_home

MSG = b"From: a@example.org\nTo: alice@example.org\nSubject: probe\n\nbody\n"


def mailbox(p):
    out = []
    for sub in ("new", "cur"):
        out += sorted(os.listdir(os.path.join(p.maildir(), sub)))
    return out


def pop(msgs=(MSG,), controls=None, tls=False, listener=False, addr="127.0.0.1"):
    p = Pop3(controls=controls)
    p.stored = p.deliver(list(msgs))
    if tls:
        tls_home(p)
    return p, p.serve(addr=addr, listener=listener)


def greeted(port, **kw):
    c = Conn(port, **kw)
    g = c.line()
    require(g is not None and g.startswith(b"+OK"), "no greeting: %r" % g)
    return c


def ask(c, line):
    c.send(line + b"\r\n")
    r = c.line()
    require(r is not None, "closed after %r" % line[:80])
    return r


def probe_pop3_commands_in_every_wrong_state():
    p, port = pop([MSG, MSG])
    before = mailbox(p)
    c = greeted(port)
    bad = []
    for cmd in (b"STAT", b"LIST", b"LIST 1", b"RETR 1", b"DELE 1", b"NOOP", b"RSET", b"TOP 1 1",
                b"UIDL", b"UIDL 1", b"LAST", b"PASS pw-alice", b"AUTH PLAIN =", b"BOGUS"):
        r = ask(c, cmd)
        if not r.startswith(b"-ERR"):
            bad.append((b"AUTHORIZATION", cmd, r))
    require(ask(c, b"USER alice").startswith(b"+OK"), "USER")
    require(ask(c, b"PASS pw-alice").startswith(b"+OK"), "PASS")
    for cmd in (b"USER alice", b"PASS pw-alice", b"APOP alice 0123", b"AUTH PLAIN " +
                base64.b64encode(b"\0alice\0pw-alice"), b"STLS", b"RETR", b"RETR 0", b"RETR 3",
                b"RETR -1", b"RETR 1 2", b"RETR 1x", b"RETR 0x1", b"RETR 4294967297",
                b"RETR 18446744073709551617", b"TOP 1", b"TOP 1 -1", b"TOP x 1", b"DELE 0",
                b"DELE 3", b"LIST 3", b"UIDL 0", b"BOGUS", b"USER"):
        r = ask(c, cmd)
        if not r.startswith(b"-ERR"):
            bad.append((b"TRANSACTION", cmd, r))
            if r.startswith(b"+OK") and cmd.startswith((b"RETR", b"TOP")):
                while c.line() not in (b".", None):
                    pass
    require(ask(c, b"DELE 1").startswith(b"+OK"), "DELE 1")
    for cmd in (b"DELE 1", b"RETR 1", b"TOP 1 0", b"LIST 1", b"UIDL 1"):
        r = ask(c, cmd)
        if not r.startswith(b"-ERR"):
            bad.append((b"deleted", cmd, r))
    require(not bad, "commands answered where they must be refused: %r" % bad)
    require(ask(c, b"RSET").startswith(b"+OK"), "RSET")
    require(ask(c, b"QUIT").startswith(b"+OK"), "QUIT")
    require(c.closed_within(5), "open after QUIT")
    require(len(mailbox(p)) == len(before), "RSET then QUIT removed a message")
    # DELE, then the connection drops: nothing removed
    c = greeted(port)
    c.send(b"USER alice\r\nPASS pw-alice\r\nDELE 1\r\nDELE 2\r\n")
    for _ in range(4):
        c.line()
    c.close()
    time.sleep(0.5)
    require(len(mailbox(p)) == len(before), "a dropped connection removed messages")


def probe_pop3_bad_lines():
    p, port = pop()
    cases = [b"USER " + b"a" * 300, b"USER al\0ice", b"\0", b"US\xc0R alice",
             b"x" * (1 << 20), b"PASS " + b"p" * 5000]
    for line in cases:
        c = greeted(port)
        r = ask(c, line)
        require(r.startswith(b"-ERR"), "%r...: %r" % (line[:20], r))
        r = ask(c, b"NOOP")      # refused in AUTHORIZATION, but answered
        require(r.startswith(b"-ERR"), "no answer after %r...: %r" % (line[:20], r))
        c.close()
    require(len(mailbox(p)) == 1, "the mailbox changed")


def probe_pop3_million_line_top():
    big = b"From: a@example.org\nSubject: big\n\n" + b"".join(b"%d\n" % i for i in range(200000))
    p, port = pop([big, MSG])
    # both as stored (with Return-Path: and Delivered-To:), in either order
    bigm = max(p.stored, key=len)
    small = min(p.stored, key=len)
    big_lines = len(bigm.rstrip(b"\n").split(b"\n"))
    c = greeted(port)
    c.send(b"USER alice\r\nPASS pw-alice\r\nLIST 1\r\n")
    c.line(), c.line()
    first = c.line()
    bn, sn = (b"1", b"2") if int(first.split()[2]) > 1000 else (b"2", b"1")
    for n in (b"1000000", b"999999999999", b"99999999999999999999999999"):
        t0 = time.monotonic()
        r = ask(c, b"TOP " + bn + b" " + n)
        if r.startswith(b"-ERR"):
            require(int(n) > 1000000, "TOP 1 %s refused: %r" % (n, r))   # a bound is fine
            continue
        require(r.startswith(b"+OK"), "TOP 1 %s: %r" % (n, r))
        lines = 0
        while True:
            l = c.line()
            require(l is not None, "closed during TOP")
            if l == b".":
                break
            lines += 1
        require(lines == big_lines, "TOP 1 %s gave %d lines, not %d" % (n, lines, big_lines))
        require(time.monotonic() - t0 < 30, "TOP took %.1fs" % (time.monotonic() - t0))
    r = ask(c, b"TOP " + sn + b" 1000000")
    require(r.startswith(b"+OK"), "TOP 2: %r" % r)
    got = []
    while True:
        l = c.line()
        if l in (b".", None):
            break
        got.append(l)
    require(got == small.rstrip(b"\n").split(b"\n"), "TOP 2 1000000: %r" % got)
    require(ask(c, b"NOOP").startswith(b"+OK"), "the session did not go on")


def probe_pop3_password_guessing():
    p, port = pop(controls={"pop3faildelay": 1})
    c = greeted(port)
    times = []
    for user in (b"alice", b"nosuchuser", b"alice"):
        require(ask(c, b"USER " + user).startswith(b"+OK"), "USER")
        t0 = time.monotonic()
        r = ask(c, b"PASS guess")
        times.append(time.monotonic() - t0)
        require(r.startswith(b"-ERR [AUTH]"), "a wrong password: %r" % r)
    require(min(times) >= 0.9, "no delay on failure: %r" % times)
    c.send(b"USER alice\r\nPASS pw-alice\r\n")
    out = c.rest()
    require(b"+OK" not in out.split(b"\r\n")[-2:][0] or b"-ERR" in out, "a fourth try: %r" % out)
    require(b"messages" not in out, "logged in after three failures: %r" % out)
    # pipelined guesses get no faster
    c = greeted(port)
    t0 = time.monotonic()
    c.send(b"".join(b"AUTH PLAIN " + base64.b64encode(b"\0alice\0g%d" % i) + b"\r\n"
                    for i in range(20)) + b"AUTH PLAIN " +
           base64.b64encode(b"\0alice\0pw-alice") + b"\r\nSTAT\r\n")
    out = c.rest()
    took = time.monotonic() - t0
    require(b"messages" not in out, "logged in after 20 pipelined guesses: %r" % out[-300:])
    require(out.count(b"-ERR [AUTH] invalid") <= 3, "more than 3 guesses in one session: %r" % out)
    require(took >= 2.5, "three failures in %.1fs" % took)
    # the owner still logs in
    c = greeted(port)
    c.send(b"USER alice\r\nPASS pw-alice\r\nSTAT\r\n")
    lines = [c.line() for _ in range(3)]
    require(lines[2] is not None and lines[2].startswith(b"+OK 1 "), "the owner: %r" % lines)
    require(p.logtext().count("event=login-failed") >= 3, "failures not logged")


def probe_pop3_stls_injection():
    p, port = pop(tls=True)
    c = greeted(port)
    c.send(b"STLS\r\nUSER alice\r\nPASS pw-alice\r\nDELE 1\r\nQUIT\r\n")
    r = c.line()
    require(r == b"+OK Begin TLS negotiation", "STLS: %r" % r)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c.s = ctx.wrap_socket(c.s, server_hostname="localhost")
    require(c.buf == b"", "plaintext after +OK: %r" % c.buf)
    r = ask(c, b"STAT")
    require(r.startswith(b"-ERR"), "an injected USER/PASS logged in: %r" % r)
    r = ask(c, b"PASS pw-alice")
    require(r.startswith(b"-ERR"), "an injected USER survived: %r" % r)
    ask(c, b"QUIT")
    c.close()
    time.sleep(0.3)
    require(len(mailbox(p)) == 1, "an injected DELE/QUIT removed a message")


def probe_pop3_idle_client_frees_the_listener_worker():
    p, port = pop(controls={"timeoutpop3": 2, "concurrencyincoming": 1, "prefork": 0},
                  listener=True)
    time.sleep(0.5)        # the readiness probe's session ends
    idle = greeted(port)
    t0 = time.monotonic()
    nxt = Conn(port)
    r = nxt.line()
    took = time.monotonic() - t0
    require(r is not None and r.startswith(b"+OK"), "the next client: %r" % r)
    require(took > 1.0, "a second session while concurrencyincoming is 1 (%.1fs)" % took)
    require(took < 8, "the worker was not freed in time (%.1fs)" % took)
    require(idle.closed_within(3), "the idle client is still connected")


def probe_pop3_many_connections_from_one_address():
    p, port = pop(controls={"concurrencyperip": 2, "prefork": 4}, listener=True)
    time.sleep(0.5)
    held = [greeted(port) for _ in range(2)]
    for _ in range(3):
        out = Conn(port).rest()
        require(out.startswith(b"-ERR"), "over concurrencyperip 2: %r" % out[:100])
    other = greeted(port, source="127.0.0.2")
    require(ask(other, b"CAPA").startswith(b"+OK"), "another address")
    for c in held:
        ask(c, b"QUIT")
        c.close()

    def served():
        c = Conn(port)
        r = c.line()
        c.close()
        return r is not None and r.startswith(b"+OK")
    stamptest.wait_for(served, 10, what="a session once the others ended")
