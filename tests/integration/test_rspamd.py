"""rspamd (Debian) on port 25: its milter proxy, in control/milters, scores
what stamp-smtpd receives. GTUBE is refused with rspamd's 5xx before
anything is queued; a clean message is delivered with rspamd's headers.
The proxy scans by itself (no redis, no internet: DNS is the test's dnsmasq)."""

import smtplib

import milterpeers
import miltertalk
import remotetest
import stamptest

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

CLEAN = (b"From: Carol <carol@outside.test>\r\nTo: alice@example.org\r\nSubject: lunch\r\n"
         b"Date: Wed, 02 Dec 2026 08:00:00 +0000\r\nMessage-ID: <lunch-1@outside.test>\r\n"
         b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
         b"Hi Alice,\r\n\r\nlunch on Friday at noon, as usual?\r\n\r\nCarol\r\n")
SPAM = CLEAN.replace(b"Subject: lunch", b"Subject: offer").replace(
    b"lunch on Friday at noon, as usual?", GTUBE.encode())


def rspamd(top):
    dns = remotetest.Dns(['txt-record=outside.test,"v=spf1 ip4:127.0.0.1 -all"'], top)
    return milterpeers.Rspamd(top, dns.server()).start()


def test_rspamd_recipe_rejects_gtube_and_adds_its_headers():
    """The recipe alone, through the tests' own milter client."""
    if milterpeers.missing(milterpeers.RSPAMD):
        return
    h = stamptest.Home()
    rs = rspamd(h.top)
    r = miltertalk.Session("127.0.0.1", rs.port, timeout=30).message(
        SPAM, "carol@outside.test", ["alice@example.org"])
    assert r.action in ("reject", "reply"), (r.action, r.reply, rs.log()[-2000:])
    assert r.reply == "" or r.reply.startswith("5"), r.reply
    r = miltertalk.Session("127.0.0.1", rs.port, timeout=30).message(
        CLEAN, "carol@outside.test", ["alice@example.org"])
    assert r.action in ("accept", "continue"), (r.action, r.reply, rs.log()[-2000:])
    names = [n for n, _ in r.headers()]
    assert "X-Spamd-Result" in names, (r.added, r.changed)


def test_port25_rspamd_refuses_gtube_and_marks_clean_mail():
    if milterpeers.missing(milterpeers.RSPAMD):
        return
    from smtpdtest import Smtpd
    s = Smtpd()
    rs = rspamd(s.home.top)
    s.home.control("milters", rs.milter())
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=30)
    stamptest.add_cleanup(c.close)
    c.ehlo("client.outside.test")
    c.mail("carol@outside.test")
    c.rcpt("alice@example.org")
    code, text = c.data(SPAM)
    assert 500 <= code < 600, (code, text, s.logtext()[-2000:])
    assert not s.home.ids("todo"), "a refused message was queued"
    # The same session goes on: the clean one is accepted and delivered.
    c.rset()
    c.mail("carol@outside.test")
    c.rcpt("alice@example.org")
    code, text = c.data(CLEAN)
    assert code == 250, (code, text, s.logtext()[-2000:])
    c.quit()
    (data,) = s.deliver(1)
    head = data.split(b"\n\n", 1)[0]
    assert b"\nX-Spamd-Result: " in head, head
    assert b"\nX-Spam-Status: No" in head, head
    assert b"\nAuthentication-Results: " in head, head
    assert b"lunch on Friday" in data
