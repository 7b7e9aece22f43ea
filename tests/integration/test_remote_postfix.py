"""stamp-remote delivering to a real Postfix (Debian's, a private instance
from peers.py on 127.0.0.7:25) that is the MX of its domain in a private
dnsmasq; the message lands in Postfix's Maildir as it was queued, with
Postfix's own Received line on top. Postfix offers PIPELINING, SIZE,
8BITMIME and SMTPUTF8, so this is also the pipelined path against a real
server. Needs root (port 25, and Postfix's own users)."""

import glob
import os

import peers
import remotetest
import stamptest
from remotetest import Stamp


def postfix_mx(top, domain, mailboxes):
    """A private Postfix on 127.0.0.7:25 for domain, with one Maildir per
    name in mailboxes (the others refused at RCPT); stopped after the test."""
    top = os.path.join(top, "postfix")
    os.makedirs(top)
    os.chmod(top, 0o755)
    users = os.path.join(top, "vmailbox")
    with open(users, "w") as f:
        f.writelines("%s@%s %s/\n" % (m, domain, m) for m in mailboxes)
    pf = peers.Postfix(top, 25, domain=domain, host="127.0.0.7", extra={
        # Postfix wants inet_interfaces on a configured interface, which
        # 127.0.0.7 is not; the smtpd line of master.cf binds it itself.
        "inet_interfaces": "127.0.0.1",
        "virtual_mailbox_maps": "texthash:" + users,
        "smtpd_peername_lookup": "no",
    })
    stamptest.add_cleanup(pf.stop)
    return pf.start()


def test_delivery_to_a_real_postfix():
    if remotetest.needs_root("port 25 and a Postfix instance"):
        return
    s = Stamp()
    d = remotetest.Dns(["mx-host=pf.test,mx.pf.test,10", "host-record=mx.pf.test,127.0.0.7"],
                       s.home.top)
    s.home.control("nameservers", d.server())
    pf = postfix_mx(s.home.top, "pf.test", ["bob", "carol"])

    def maildir(user):
        return sorted(glob.glob(os.path.join(pf.mail, user, "new", "*")))

    msg = (b"From: sender@bounce.test\nTo: bob@pf.test\nSubject: to postfix\n"
           b"Date: Wed, 2 Dec 2026 03:00:00 +0000\nMessage-ID: <t1@stamp.test>\n\n"
           b".a line with a dot\n..two dots\nbody \xc3\xa9\n")
    s.queue(["bob@pf.test", "carol@pf.test", "nobody@pf.test"], sender="sender@stamp.test", msg=msg)
    s.start()
    stamptest.wait_for(lambda: len(maildir("bob")) == 1 and len(maildir("carol")) == 1,
                       60, step=0.2, what="the Maildir files (%s)" % pf.log()[-2000:])
    with open(maildir("bob")[0], "rb") as f:
        data = f.read()
    assert data.endswith(msg), data
    assert b"by mx.pf.test (Postfix)" in data
    # nobody@pf.test is unknown to Postfix: refused at RCPT, the others delivered.
    s.wait_log("rcpt=nobody@pf.test status=failed")
    log = s.logtext()
    assert "said: 550 5.1.1 <nobody@pf.test>" in log, log
    assert "rcpt=bob@pf.test status=delivered" in log
    assert "host=mx.pf.test ip=127.0.0.7" in log


def test_submission_to_a_postfix_mx_end_to_end():
    """swaks, authenticated on stamp-smtpd's submission port, sends to a
    remote domain; stamp-remote finds its MX in DNS and the message lands in
    the real Postfix's Maildir, byte for byte as sent, below the trace lines."""
    if remotetest.needs_root("port 25 and a Postfix instance"):
        return
    import subprocess
    import tempfile
    from smtpdtest import Smtpd
    dnsdir = tempfile.mkdtemp(prefix="stamp-dns.")
    stamptest.add_cleanup(__import__("shutil").rmtree, dnsdir, True)
    d = remotetest.Dns(["mx-host=far.test,mx.far.test,10", "host-record=mx.far.test,127.0.0.7"],
                       dnsdir)
    # A real SHA-512 crypt hash, checked by the real stamp-checkpw.
    h = subprocess.run(["openssl", "passwd", "-6", "s3cret"], stdout=subprocess.PIPE,
                       check=True).stdout.decode().strip()
    s = Smtpd(submission=True, users="alice:%s:\n" % h,
              controls={"nameservers": d.server(), "timeoutdns": 2, "timeoutconnect": 5,
                        "me": "mx.example.org", "helohost": "mx.example.org"})
    with open(s.checkpw, "w") as f:
        f.write("#!/bin/sh\nexec %s \"$@\"\n" % stamptest.bin_path("stamp-checkpw"))
    pf = postfix_mx(s.home.top, "far.test", ["dave"])
    body = "First line.\n.A line that starts with a dot.\nLast line."
    r = stamptest.run(["swaks", "--server", "127.0.0.1:%d" % s.port, "--auth", "PLAIN",
                       "--auth-user", "alice", "--auth-password", "s3cret",
                       "--from", "alice@example.org", "--to", "dave@far.test",
                       "--header", "Subject: across", "--body", body], timeout=60)
    assert r.code == 0 and "250 2.0.0" in r.text(), r
    s.t.start()
    files = lambda: sorted(glob.glob(os.path.join(pf.mail, "dave", "new", "*")))
    stamptest.wait_for(lambda: files(), 60, step=0.2,
                       what="dave's message at Postfix (%s / %s)" % (s.t.logtext()[-2000:],
                                                                    pf.log()[-2000:]))
    with open(files()[0], "rb") as f:
        data = f.read()
    assert b"by mx.far.test (Postfix)" in data, data[:600]
    assert b"with ESMTPSA" in data or b"with ESMTPA" in data, data[:1200]
    # swaks ends its body with an empty line of its own.
    assert data.rstrip(b"\n").endswith(body.encode()), data[-200:]
    assert b"\n.A line that starts with a dot.\n" in data
    assert "rcpt=dave@far.test status=delivered" in s.t.logtext()
    s.stop()
