"""Open relay: every trick to make a server relay for a stranger (percent
hack, source routes, bang paths, quoted local parts, address literals, case
and trailing dots, postmaster, IDN without SMTPUTF8). Verdict: each is
refused with 5xx, and a transaction with only such recipients queues nothing."""

from probelib import MODES, envelopes, queued, require, smtp_greeted, smtpd

TRICKS = [
    "x@elsewhere.example", "X@ELSEWHERE.EXAMPLE", "x@Elsewhere.Example",
    "x@elsewhere.example.", "x@elsewhere.example..", "x@.elsewhere.example",
    "x@example.org.elsewhere.example", "x@EXAMPLE.ORG.elsewhere.example",
    "x@elsewhere.example@example.org", "alice@example.org@elsewhere.example",
    "@example.org:x@elsewhere.example", "@example.org,@elsewhere.example:x@elsewhere.example",
    "x%elsewhere.example@example.org", "x%elsewhere.example@EXAMPLE.ORG",
    "x%elsewhere.example", "alice@example.org%elsewhere.example",
    "elsewhere.example!x@example.org", "elsewhere.example!x", "x!elsewhere.example!y@example.org",
    '"x@elsewhere.example"@example.org', '"x%elsewhere.example"@example.org',
    '"elsewhere.example!x"@example.org', '"x@elsewhere.example"', '"x\\@elsewhere.example"@example.org',
    "x@[127.0.0.1]", "x@[192.0.2.1]", "x@[IPv6:::1]", "alice@[127.0.0.1]", "postmaster@[127.0.0.1]",
    "postmaster@elsewhere.example", "postmaster%elsewhere.example@example.org",
    "x@xn--bcher-kva.example", "x@b\u00fccher.example", "alice@b\u00fccher.example",
    "x@elsewhere.example\t", "x @elsewhere.example", "x@elsewhere .example",
    "x@127.0.0.1", "x@localhost.elsewhere.example",
]


def rcpt_line(addr):
    return b"RCPT TO:<" + addr.encode("utf-8") + b">\r\n"


def relay(mode):
    s = smtpd(mode)
    c = smtp_greeted(s.port)
    c.send(b"EHLO client.example\r\n")
    c.reply()
    bad = []
    for i, addr in enumerate(TRICKS):
        c.send(b"MAIL FROM:<a@outside.example>\r\n")
        r = c.reply()
        require(r is not None and r.startswith(b"250"), "MAIL refused: %r" % r)
        c.send(rcpt_line(addr))
        r = c.reply()
        require(r is not None, "closed after RCPT %r" % addr)
        if not r.startswith(b"5"):
            bad.append((addr, r))
        c.send(b"DATA\r\n")
        r = c.reply()
        if r.startswith(b"354"):
            c.send(b"Subject: relay\r\n\r\nrelayed\r\n.\r\n")
            bad.append((addr, c.reply()))
        c.send(b"RSET\r\n")
        require(c.reply().startswith(b"250"), "RSET refused")
        if i % 8 == 7:             # never let the bad-command limit end the probe
            c.close()
            c = smtp_greeted(s.port)
            c.send(b"EHLO client.example\r\n")
            c.reply()
    # IDN domains with SMTPUTF8 are still foreign domains
    c.send("MAIL FROM:<a@outside.example> SMTPUTF8\r\nRCPT TO:<x@b\u00fccher.example>\r\n"
           "RCPT TO:<alice@b\u00fccher.example>\r\nRCPT TO:<x@\u0435xample.org>\r\nRSET\r\n".encode())
    codes = c.codes(5)
    if codes[1:4] != ["553"] * 3 and not all(x[:1] == "5" for x in codes[1:4]):
        bad.append(("IDN with SMTPUTF8", codes))
    require(not bad, "relayed or not refused: %r" % bad)
    require(not queued(s), "a message was queued")
    # What is ours must still be accepted (else the refusals above prove
    # nothing): the bare postmaster (RFC 5321 4.5.1), an upper-case local
    # domain, and a source route ending here, which is ignored (RFC 5321 C).
    c.send(b"MAIL FROM:<a@outside.example>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<Postmaster>\r\n"
           b"RCPT TO:<alice@EXAMPLE.ORG>\r\nRCPT TO:<@elsewhere.example:bob@example.org>\r\n"
           b"DATA\r\n")
    codes = c.codes(6)
    require(codes == ["250"] * 5 + ["354"], "local recipients refused: %r" % codes)
    c.send(b"Subject: local\r\n\r\nours\r\n.\r\nQUIT\r\n")
    codes = c.codes(2)
    require(codes == ["250", "221"], "local message refused: %r" % codes)
    (env,) = envelopes(s)
    for r in env["R"]:
        require(r.lower().endswith("@example.org") or "@" not in r,
                "a local recipient became a remote one: %r" % env["R"])
    require(not any("elsewhere" in r for r in env["R"]), "the source route was kept: %r" % env["R"])


def probe_open_relay_tcpserver():
    relay(MODES[0])


def probe_open_relay_listen():
    relay(MODES[1])
