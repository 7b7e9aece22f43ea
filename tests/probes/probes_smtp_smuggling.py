"""SMTP smuggling (SEC Consult 2023, CVE-2023-51766 and friends): a message
ended by a form of "<LF>.<LF>" that this server must not take for the end,
with a second transaction behind it. Verdict: no second message is ever
queued, and a first message is refused, or kept without a line that a
downstream server could take for the end."""

import time

from probelib import MODES, Unsafe, queued, require, smtp_greeted, smtpd

FORMS = [b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r.\n", b"\r\n.\n", b"\r\n.\r", b"\n.\r",
         b"\r\n\x00.\r\n", b"\r\n.\x00\r\n"]

FIRST = (b"EHLO c\r\nMAIL FROM:<a@outside.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
SECOND = (b"MAIL FROM:<evil@outside.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
          b"Subject: smuggled\r\n\r\nsmuggled\r\n")


def harmless(msgs, form):
    """At most one message, and it holds no smuggled envelope nor a lone "." line."""
    require(len(msgs) <= 1, "%r: %d messages queued from one transaction" % (form, len(msgs)))
    for m in msgs:
        require(b"\n.\n" not in m and b"\r.\r" not in m,
                "%r: the stored message keeps a line that ends DATA downstream" % form)


def pipelined(mode):
    s = smtpd(mode)
    for form in FORMS:
        before = len(queued(s))
        c = smtp_greeted(s.port)
        c.send(FIRST + b"Subject: first\r\n\r\nhello" + form + SECOND + b".\r\nQUIT\r\n")
        replies = c.replies(12)
        oks = [r for r in replies if b"queued" in r]
        require(len(oks) <= 1, "%r: %d messages accepted: %r" % (form, len(oks), replies))
        require(replies and replies[-1].startswith(b"221"),
                "%r: the session did not go on to QUIT: %r" % (form, replies))
        harmless(queued(s)[before:], form)
        c.close()


def waiting(mode):
    """The client waits for each reply, and for one after the smuggled end."""
    s = smtpd(mode)
    for form in FORMS:
        before = len(queued(s))
        c = smtp_greeted(s.port)
        for cmd in FIRST.split(b"\r\n")[:-1]:
            c.send(cmd + b"\r\n")
            r = c.reply()
            require(r is not None and r[:1] in b"23", "%r: %r refused: %r" % (form, cmd, r))
        c.send(b"Subject: first\r\n\r\nhello" + form)
        c.s.settimeout(0.5)
        try:
            early = c.reply()
        except Unsafe:
            early = None       # silence: the server still reads the text, as it should
        c.s.settimeout(15)
        require(early is None, "%r: a reply before the real end of DATA: %r" % (form, early))
        sent = []
        for cmd in SECOND.split(b"\r\n")[:3]:
            c.send(cmd + b"\r\n")
            sent.append(cmd)
            time.sleep(0.05)
        c.send(b"Subject: smuggled\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n")
        replies = c.replies(8)
        oks = [r for r in replies if b"queued" in r]
        require(len(oks) <= 1, "%r: %d messages accepted: %r" % (form, len(oks), replies))
        harmless(queued(s)[before:], form)
        c.close()


def bdat(mode):
    """BDAT has no terminator: a dot line inside a chunk is text, never an end."""
    s = smtpd(mode)
    body = b"Subject: first\r\n\r\nhello\r\n.\r\n" + SECOND + b".\r\n"
    c = smtp_greeted(s.port)
    c.send(FIRST[:-len(b"DATA\r\n")] + b"BDAT %d LAST\r\n" % len(body) + body + b"QUIT\r\n")
    replies = c.replies(8)
    oks = [r for r in replies if r.startswith(b"250") and (b"queued" in r or b"octets" in r)]
    require(len(oks) <= 1, "BDAT: %r" % replies)
    msgs = queued(s)
    require(len(msgs) <= 1, "BDAT: %d messages queued" % len(msgs))


def probe_smuggling_pipelined_tcpserver():
    pipelined(MODES[0])


def probe_smuggling_pipelined_listen():
    pipelined(MODES[1])


def probe_smuggling_waiting_tcpserver():
    waiting(MODES[0])


def probe_smuggling_waiting_listen():
    waiting(MODES[1])


def probe_smuggling_bdat():
    bdat(MODES[0])
