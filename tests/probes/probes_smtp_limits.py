"""Bounds of stamp-smtpd: overlong lines, NUL and 8-bit bytes, 10,000
recipients, DATA over SIZE, early talkers, slow and idle clients, many
connections from one address, and password guessing through AUTH."""

import base64
import os
import socket
import threading
import time

import stamptest
from probelib import (MODES, Conn, Unsafe, envelopes, queued, require, session_pids,
                      smtp_greeted, smtpd, status_field, wait_session_pid)

KB = 1024


def alive(c):
    c.send(b"NOOP\r\n")
    r = c.reply()
    require(r is not None and r.startswith(b"250"), "the session did not go on: %r" % r)


def probe_overlong_command_lines():
    s = smtpd("tcpserver")
    c = smtp_greeted(s.port)
    for n in (511, 513, 600, 4096, 1 << 20):
        c.send(b"NOOP " + b"x" * (n - 7) + b"\r\n")
        r = c.reply()
        if n <= 512:
            require(r.startswith(b"250"), "a %d-octet line refused: %r" % (n, r))
        else:
            require(r is not None and r.startswith(b"500 5.5.2"),
                    "a %d-octet command line: %r" % (n, r))
        if n == 4096:
            c.close()          # three bad lines so far: start again before the limit
            c = smtp_greeted(s.port)
    alive(c)
    # An overlong MAIL must not become a sender, even partly.
    c.send(b"EHLO c\r\nMAIL FROM:<" + b"a" * 600 + b"@outside.example>\r\nRCPT TO:<alice@example.org>\r\n")
    codes = c.codes(3)
    require(codes[1][:1] == "5" and codes[2][:1] == "5", "overlong MAIL: %r" % codes)


def probe_overlong_text_lines():
    """Lines over 1000 octets and a 1 MB line in DATA: a clear answer, the
    session goes on, and a message that is accepted is stored whole."""
    s = smtpd("tcpserver", controls={"databytes": "4000000"})
    c = smtp_greeted(s.port)
    c.send(b"EHLO c\r\n")
    c.reply()
    for n in (1001, 20000, 1 << 20):
        line = b"y" * n
        c.send(b"MAIL FROM:<a@outside.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
        require(c.codes(3) == ["250", "250", "354"], "DATA refused")
        c.send(b"Subject: long %d\r\n\r\n" % n + line + b"\r\nend\r\n.\r\n")
        r = c.reply()
        require(r is not None and r[:1] in b"245", "a %d-octet text line: %r" % (n, r))
        if r.startswith(b"250"):
            got = [m for m in queued(s) if b"Subject: long %d\n" % n in m]
            require(len(got) == 1 and b"\n" + line + b"\nend\n" in got[0],
                    "a %d-octet line was accepted but not stored whole" % n)
        alive(c)


def probe_nul_and_8bit_in_commands():
    """Each in a session of its own: NUL and 8-bit bytes never make a
    command, sender or recipient (SMTPUTF8 takes only valid UTF-8)."""
    s = smtpd("tcpserver")
    mail = b"MAIL FROM:<a@outside.example>"
    cases = [
        (b"", b"NOOP a\0b", "5"), (b"", b"\0", "5"), (b"", b"\0NOOP", "5"),
        (b"", b"MA\0IL FROM:<a@outside.example>", "5"),
        (b"", b"MAIL FROM:<a\0b@outside.example>", "5"),
        (b"", b"M\xc0IL FROM:<a@outside.example>", "5"),
        (b"", b"MAIL FROM:<\xe9@outside.example>", "5"),
        (b"", b"MAIL FROM:<\xff\xfe@outside.example> SMTPUTF8", "5"),    # not UTF-8 at all
        (b"", b"MAIL FROM:<\xc0\xaf@outside.example> SMTPUTF8", "5"),    # overlong UTF-8
        (b"", b"MAIL FROM:<\xed\xa0\x80@outside.example> SMTPUTF8", "5"),  # a surrogate
        (b"", mail, "2"),
        (mail, b"RCPT TO:<al\xe9@example.org>", "5"),
        (mail, b"RCPT TO:<alice@ex\xe4mple.org>", "5"),
        (mail, b"RCPT TO:<alice@example.org\xff>", "5"),
        (mail, b"RCPT TO:<alice@example.org> \xff=1", "5"),
        (mail, b"RCPT TO:<alice@example.org>", "2"),
    ]
    bad = []
    for prelude, line, want in cases:
        c = smtp_greeted(s.port)
        c.send(b"EHLO c\r\n" + (prelude + b"\r\n" if prelude else b""))
        c.codes(2 if prelude else 1)
        c.send(line + b"\r\n")
        r = c.reply()
        if r is None:
            raise Unsafe("closed after %r" % line)
        if r[:1].decode() != want:
            bad.append((line, r))
        alive(c)
        c.close()
    require(not bad, "wrong answers: %r" % bad)
    require(not queued(s), "a message was queued")


def probe_ten_thousand_rcpts():
    """maxrcpt holds for 10,000 pipelined RCPTs, the session's memory stays
    bounded, and the message goes to exactly maxrcpt recipients."""
    s = smtpd("tcpserver", controls={"maxrcpt": "100"})
    c = smtp_greeted(s.port)
    pid = wait_session_pid(s)
    c.send(b"EHLO c\r\nMAIL FROM:<a@outside.example>\r\n")
    c.codes(2)
    rss0 = status_field(pid, "VmRSS")
    codes = []
    for batch in range(20):
        c.send(b"".join(b"RCPT TO:<alice+%d@example.org>\r\n" % (batch * 500 + i)
                        for i in range(500)))
        codes += c.codes(500)
    rss1 = status_field(pid, "VmRSS")
    require(len(codes) == 10000, "only %d replies to 10,000 RCPTs" % len(codes))
    ok = codes.count("250")
    require(ok == 100, "%d recipients accepted with maxrcpt 100" % ok)
    require(codes[:100] == ["250"] * 100 and all(x[:1] == "4" for x in codes[100:]),
            "after maxrcpt: %r" % sorted(set(codes[100:])))
    # ASan keeps freed memory in quarantine for a while: allow it more
    bound = 24 * KB if "ASAN_OPTIONS" in os.environ else 4 * KB
    require(rss0 and rss1 and rss1 - rss0 < bound,
            "memory grew from %s kB to %s kB" % (rss0, rss1))
    c.send(b"DATA\r\nSubject: many\r\n\r\nmany\r\n.\r\nQUIT\r\n")
    codes = c.codes(3)
    require(codes == ["354", "250", "221"], "DATA after 10,000 RCPTs: %r" % codes)
    (env,) = envelopes(s)
    require(len(env["R"]) == 100, "%d recipients in the envelope" % len(env["R"]))


def probe_data_larger_than_size():
    s = smtpd("tcpserver", controls={"databytes": "10000"})
    c = smtp_greeted(s.port)
    pid = wait_session_pid(s)
    c.send(b"EHLO c\r\nMAIL FROM:<a@outside.example> SIZE=10001\r\n")
    codes = c.codes(2)
    require(codes[1] == "552", "SIZE=10001 over 10000: %r" % codes)
    c.send(b"MAIL FROM:<a@outside.example> SIZE=" + b"9" * 40 + b"\r\n")
    r = c.reply()
    require(r[:1] == b"5", "a SIZE of 40 digits: %r" % r)
    # no SIZE given: 8 MB of text is read to its end, refused, and not kept
    c.send(b"MAIL FROM:<a@outside.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
    require(c.codes(3) == ["250", "250", "354"], "DATA refused")
    rss0 = status_field(pid, "VmRSS")
    chunk = (b"z" * 78 + b"\r\n") * 1000
    for _ in range(100):
        c.send(chunk)
    rss = status_field(pid, "VmRSS")
    require(rss is not None and rss0 is not None and rss - rss0 < 4 * KB,
            "8 MB of text grew the session from %s kB to %s kB" % (rss0, rss))
    c.send(b".\r\n")
    r = c.reply()
    require(r.startswith(b"552"), "8 MB over a 10,000-octet limit: %r" % r)
    alive(c)
    # BDAT: the same limit
    c.send(b"MAIL FROM:<a@outside.example>\r\nRCPT TO:<alice@example.org>\r\n")
    c.codes(2)
    body = b"x" * 20000
    c.send(b"BDAT %d LAST\r\n" % len(body) + body)
    r = c.reply()
    require(r is not None and r[:1] in b"45", "a BDAT over the limit: %r" % r)
    require(not queued(s), "a message over the limit was queued")
    c.send(b"QUIT\r\n")
    c.rest()
    left = s.home.queue_files()
    require(not left, "files left in the queue: %r" % left)


def probe_early_talker():
    s = smtpd("tcpserver", controls={"greetdelay": "2"})
    c = Conn(s.port)
    c.send(b"EHLO c\r\nMAIL FROM:<a@outside.example>\r\nRCPT TO:<alice@example.org>\r\n"
           b"DATA\r\nSubject: early\r\n\r\nearly\r\n.\r\n")
    out = c.rest()
    require(out.startswith(b"554 5.5.0"), "an early talker got: %r" % out[:200])
    require(b"\r\n250" not in out and not out.startswith(b"220"), "it was served: %r" % out[:300])
    require(not queued(s), "an early talker's message was queued")
    # a client that waits is served
    c = Conn(s.port)
    r = c.reply()
    require(r.startswith(b"220"), "a patient client: %r" % r)


def slow(mode):
    """One byte a second: the command is whole when it ends; a pause longer
    than timeoutsmtpd ends the session with 421; other clients are served
    meanwhile."""
    s = smtpd(mode, controls={"timeoutsmtpd": "2"})
    c = smtp_greeted(s.port)
    for b in b"NOOP\r\n":
        c.send(bytes([b]))
        time.sleep(1)
    r = c.reply()
    require(r is not None and r.startswith(b"250"), "a slow NOOP: %r" % r)
    other = smtp_greeted(s.port)
    alive(other)
    other.send(b"QUIT\r\n")
    c.send(b"NO")
    t0 = time.monotonic()
    r = c.reply()
    took = time.monotonic() - t0
    require(r is not None and r.startswith(b"421 4.4.2"), "a stalled client: %r" % r)
    require(1.5 < took < 6, "timeoutsmtpd 2 took %.1fs" % took)
    require(c.closed_within(5), "the connection stays open after the 421")


def probe_slow_client_tcpserver():
    slow(MODES[0])


def probe_slow_client_listen():
    slow(MODES[1])


def probe_idle_client_tcpserver():
    s = smtpd("tcpserver", controls={"timeoutsmtpd": "2"})
    c = smtp_greeted(s.port)
    t0 = time.monotonic()
    r = c.reply()
    require(r is not None and r.startswith(b"421 4.4.2"), "an idle client: %r" % r)
    require(time.monotonic() - t0 < 6, "timeout took %.1fs" % (time.monotonic() - t0))
    require(c.closed_within(5), "open after the timeout")
    stamptest.wait_for(lambda: not session_pids(s), 5, what="the session process to end")


def probe_idle_client_frees_the_listener_worker():
    """With one worker, a second client is served once the idle first one is cut."""
    s = smtpd("listen", controls={"timeoutsmtpd": "2", "concurrencyincoming": "1",
                                  "prefork": "0"})
    idle = smtp_greeted(s.port)
    t0 = time.monotonic()
    nxt = Conn(s.port)
    r = nxt.reply()
    took = time.monotonic() - t0
    require(r is not None and r.startswith(b"220"), "the next client: %r" % r)
    require(took > 1.0, "a second session while concurrencyincoming is 1 (%.1fs)" % took)
    require(took < 8, "the worker was not freed in time (%.1fs)" % took)
    require(idle.reply().startswith(b"421"), "the idle client got no 421")
    alive(nxt)


def probe_many_connections_from_one_address():
    s = smtpd("listen", controls={"concurrencyperip": "3", "concurrencyincoming": "20",
                                  "prefork": "4"})
    held = [smtp_greeted(s.port) for _ in range(3)]
    over = []
    for _ in range(5):
        c = Conn(s.port)
        over.append(c.rest())
    for out in over:
        require(out.startswith(b"421 4.7.0"), "over concurrencyperip 3: %r" % out[:100])
    other = smtp_greeted(s.port, source="127.0.0.2")      # another address is served
    alive(other)
    for c in held:
        alive(c)
    held[0].send(b"QUIT\r\n")
    held[0].rest()

    def served():
        c = Conn(s.port)
        r = c.reply()
        c.close()
        return r is not None and r.startswith(b"220")
    stamptest.wait_for(served, 10, what="a new session once one of three ended")


def probe_auth_password_guessing():
    """Three failures end the session with 421, each failure waits longer,
    and a right password after two wrong ones still works (no lock-out of the owner)."""
    s = smtpd("tcpserver")
    c = smtp_greeted(s.port)
    c.send(b"EHLO c\r\n")
    c.reply()
    times = []
    for pw in (b"guess1", b"guess2", b"guess3"):
        t0 = time.monotonic()
        c.send(b"AUTH PLAIN " + base64.b64encode(b"\0alice\0" + pw) + b"\r\n")
        r = c.reply()
        times.append(time.monotonic() - t0)
        if pw != b"guess3":
            require(r.startswith(b"535 5.7.8"), "a wrong password: %r" % r)
        else:
            require(r.startswith(b"421"), "the third failure: %r" % r)
    require(c.closed_within(5), "open after three failures")
    require(times[0] > 0.2 and times[1] > times[0], "no growing delay: %r" % times)
    # AUTH LOGIN, pipelined guesses: the same bound
    c = smtp_greeted(s.port)
    c.send(b"EHLO c\r\n" + b"".join(b"AUTH LOGIN " + base64.b64encode(b"alice") + b"\r\n" +
                                    base64.b64encode(b"g%d" % i) + b"\r\n" for i in range(10)))
    out = c.rest()
    require(out.count(b"\r\n535 ") == 2 and out.count(b"\r\n421 ") == 1,
            "ten pipelined AUTH LOGIN guesses: %r" % out[-400:])
    c = smtp_greeted(s.port)
    c.send(b"EHLO c\r\nAUTH PLAIN " + base64.b64encode(b"\0alice\0x") + b"\r\n" +
           b"AUTH PLAIN " + base64.b64encode(b"\0alice\0secret") + b"\r\n")
    codes = c.codes(3)
    require(codes == ["250", "535", "235"], "the owner after a typo: %r" % codes)
