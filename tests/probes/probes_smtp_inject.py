"""Command and header injection: STARTTLS command injection (CVE-2011-0411),
CR, LF and NUL smuggled through HELO, MAIL and RCPT into the Received: line
or a log line, and shell metacharacters in addresses (CVE-2020-7247:
`;sleep 5;`@x) that must never reach a shell."""

import os
import re
import time

import stamptest
from probelib import MODES, Conn, envelopes, queued, require, smtp_greeted, smtpd


def starttls(mode):
    s = smtpd(mode, tls=True)
    c = smtp_greeted(s.port)
    c.send(b"EHLO c\r\n")
    c.reply()
    # the injected commands come in the same packet as STARTTLS
    c.send(b"STARTTLS\r\nMAIL FROM:<evil@outside.example>\r\nRCPT TO:<alice@example.org>\r\n")
    r = c.reply()
    require(r is not None and r.startswith(b"220"), "STARTTLS: %r" % r)
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c.s = ctx.wrap_socket(c.s, server_hostname="mx.example.org")
    require(c.buf == b"", "plaintext after the 220: %r" % c.buf)
    c.send(b"NOOP probe\r\n")
    r = c.reply()
    require(r is not None and r.startswith(b"250 2.0.0"),
            "the first reply inside TLS answers an injected command: %r" % r)
    c.send(b"MAIL FROM:<a@outside.example>\r\n")
    r = c.reply()
    require(r.startswith(b"503"), "state survived STARTTLS (no EHLO needed): %r" % r)
    c.send(b"EHLO c\r\nMAIL FROM:<a@outside.example>\r\nDATA\r\nQUIT\r\n")
    codes = c.codes(4)
    require(codes[:2] == ["250", "250"] and codes[2][:1] == "5" and codes[3:] == ["221"],
            "an injected RCPT survived into the TLS session: %r" % codes)
    require(not queued(s), "a message was queued")


def probe_starttls_injection_tcpserver():
    starttls(MODES[0])


def probe_starttls_injection_listen():
    starttls(MODES[1])


# Each: a HELO, MAIL and RCPT with something hidden; the marker must never
# start a header line of the stored message nor a line of the log.
HOSTILE = [
    (b"HELO a\rX-Injected: helo-cr", b"MAIL FROM:<a@outside.example>", b"RCPT TO:<alice@example.org>"),
    (b"HELO a\nX-Injected: helo-lf", b"MAIL FROM:<a@outside.example>", b"RCPT TO:<alice@example.org>"),
    (b"HELO a\0X-Injected: helo-nul", b"MAIL FROM:<a@outside.example>", b"RCPT TO:<alice@example.org>"),
    (b"EHLO a\x0bX-Injected: helo-vt", b"MAIL FROM:<a@outside.example>", b"RCPT TO:<alice@example.org>"),
    (b"HELO ok", b"MAIL FROM:<a\r\nX-Injected: mail-crlf@outside.example>", b"RCPT TO:<alice@example.org>"),
    (b"HELO ok", b"MAIL FROM:<a\rX-Injected: mail-cr@outside.example>", b"RCPT TO:<alice@example.org>"),
    (b"HELO ok", b"MAIL FROM:<\"a\rX-Injected: mail-q\"@outside.example>", b"RCPT TO:<alice@example.org>"),
    (b"HELO ok", b"MAIL FROM:<a\0X-Injected: mail-nul@outside.example>", b"RCPT TO:<alice@example.org>"),
    (b"HELO ok", b"MAIL FROM:<a@outside.example>", b"RCPT TO:<alice+\rX-Injected: rcpt-cr@example.org>"),
    (b"HELO ok", b"MAIL FROM:<a@outside.example>", b"RCPT TO:<\"alice\rX-Injected: rcpt-q\"@example.org>"),
    (b"HELO ok", b"MAIL FROM:<a@outside.example>", b"RCPT TO:<alice@example.org\0X-Injected: rcpt-nul>"),
    (b"HELO ok\r\r\nX-Injected: helo-crcr", b"MAIL FROM:<a@outside.example>", b"RCPT TO:<alice@example.org>"),
    (b"HELO x) by evil (", b"MAIL FROM:<a@outside.example>", b"RCPT TO:<alice@example.org>"),
]


def header_injection(mode):
    s = smtpd(mode)
    for helo, mail, rcpt in HOSTILE:
        c = smtp_greeted(s.port)
        c.send(helo + b"\r\n" + mail + b"\r\n" + rcpt + b"\r\nDATA\r\n")
        c.send(b"Subject: probe\r\n\r\nbody\r\n.\r\nQUIT\r\n")
        c.rest()
        c.close()
    bad = []
    msgs = queued(s)
    # the hostile HELO names that are plain text must get through, else the
    # Received: check below has nothing to look at
    require(len(msgs) >= 2, "only %d messages queued: the probe tested nothing" % len(msgs))
    for m in msgs:
        head = m.split(b"\n\n", 1)[0]
        for line in head.split(b"\n"):
            if line.startswith(b"X-Injected") or b"\r" in line or b"\0" in line:
                bad.append(line)
        rec = re.search(rb"^Received: .*?(?=^\S)", m, re.M | re.S)
        require(rec, "no Received: line: %r" % m[:300])
        if re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", rec.group(0)):
            bad.append(rec.group(0))
    require(not bad, "injected into a stored message: %r" % bad)
    for env in envelopes(s):
        for a in [env["F"]] + env["R"]:
            require(not re.search(r"[\x00-\x1f]", a), "a control character in the envelope: %r" % a)
    stamptest.wait_for(lambda: s.logtext().count("event=") > 0, 5, what="log lines")
    time.sleep(0.3)           # the last session's lines
    for line in s.logtext().split("\n"):
        require(not line.startswith("X-Injected") and "\r" not in line and "\0" not in line,
                "a log line was injected: %r" % line)


def probe_header_injection_tcpserver():
    header_injection(MODES[0])


def probe_header_injection_listen():
    header_injection(MODES[1])


def probe_shell_metacharacters_never_run():
    """Addresses that would run a command if any part passed them to a shell,
    through stamp-smtpd, the queue, the scheduler and stamp-local."""
    s = smtpd("tcpserver")
    canary = os.path.join(s.t.out, "canary")
    forms = ["`touch %s`", "$(touch %s)", ";touch %s;", "|touch %s", "&touch %s&", "\ntouch %s\n"]
    senders, rcpts = [], []
    for f in forms:
        cmd = f % canary
        q = cmd.replace("\\", "\\\\").replace('"', '\\"')
        senders += ['"%s"@outside.example' % q, "%s@outside.example" % cmd.replace(" ", "")]
        rcpts += ['"alice+%s"@example.org' % q, "alice+%s@example.org" % cmd.replace(" ", "")]
    senders.append(";sleep 5;@outside.example")
    rcpts.append("alice+;sleep${IFS}5;@example.org")
    accepted = 0
    for snd, rcpt in zip(senders, rcpts + rcpts[:len(senders) - len(rcpts)]):
        c = smtp_greeted(s.port)
        t0 = time.monotonic()
        c.send(b"EHLO c\r\nMAIL FROM:<" + snd.encode() + b">\r\nRCPT TO:<" + rcpt.encode() +
               b">\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n")
        codes = c.codes(5)
        if codes[-1:] == ["354"]:
            c.send(b"Subject: shell\r\n\r\nbody\r\n.\r\n")
            if c.reply().startswith(b"250"):
                accepted += 1
        c.send(b"QUIT\r\n")
        c.rest()
        require(time.monotonic() - t0 < 4, "the session took %.1fs: something slept"
                % (time.monotonic() - t0))
    # Deliver what was accepted (each to bob at least) with the real stamp-local.
    hostile = [e for e in envelopes(s) if any("touch" in a or "sleep" in a for a in [e["F"]] + e["R"])]
    require(hostile, "no hostile address got through to delivery: the probe tested nothing")
    if accepted:
        s.deliver(accepted, user="bob", timeout=60)
        s.t.wait_empty(60)
    require(not os.path.exists(canary), "a shell ran a command from an address")
    require(accepted > 0, "no hostile address got through to delivery: the probe tested nothing")
    s.stop()
