"""stamp-remote delivering to a real Postfix (Debian's, a private instance on
127.0.0.7:25) that is the MX of its domain in a private dnsmasq; the message
lands in Postfix's Maildir as it was queued, with Postfix's own Received line
on top. Postfix offers PIPELINING, SIZE, 8BITMIME and SMTPUTF8, so this is
also the pipelined path against a real server. Needs root (port 25, and
Postfix's own users)."""

import os

import postfixtest
import remotetest
import stamptest
from remotetest import Stamp


def test_delivery_to_a_real_postfix():
    if remotetest.needs_root("port 25 and a Postfix instance"):
        return
    s = Stamp()
    d = remotetest.Dns(["mx-host=pf.test,mx.pf.test,10", "host-record=mx.pf.test,127.0.0.7"],
                       s.home.top)
    s.home.control("nameservers", d.server())
    pf = postfixtest.Postfix(s.home.top, "127.0.0.7", "pf.test", ["bob", "carol"])
    msg = (b"From: sender@bounce.test\nTo: bob@pf.test\nSubject: to postfix\n"
           b"Date: Wed, 2 Dec 2026 03:00:00 +0000\nMessage-ID: <t1@stamp.test>\n\n"
           b".a line with a dot\n..two dots\nbody \xc3\xa9\n")
    s.queue(["bob@pf.test", "carol@pf.test", "nobody@pf.test"], sender="sender@stamp.test", msg=msg)
    s.start()
    stamptest.wait_for(lambda: len(pf.maildir("bob")) == 1 and len(pf.maildir("carol")) == 1,
                       60, step=0.2, what="the Maildir files (%s)" % pf.logtext()[-2000:])
    with open(pf.maildir("bob")[0], "rb") as f:
        data = f.read()
    assert data.endswith(msg), data
    assert b"by mx.pf.test (Postfix)" in data
    assert b"Received: from " in data
    log = s.logtext()
    # nobody@pf.test is unknown to Postfix: refused at RCPT, the others delivered.
    s.wait_log("rcpt=nobody@pf.test status=failed")
    assert "said: 550 5.1.1 <nobody@pf.test>" in s.logtext(), s.logtext()
    assert "rcpt=bob@pf.test status=delivered" in log
    assert "host=mx.pf.test ip=127.0.0.7" in log
