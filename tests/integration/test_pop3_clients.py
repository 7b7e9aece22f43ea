"""Real POP3 clients against stamp-popd under tcpserver: curl, mpop and
fetchmail each list, fetch and delete mail delivered by stamp-local, and
what they fetch equals what was delivered, byte for byte."""

import glob
import os
import subprocess

import stamptest
from pop3env import Pop3, wire

MSGS = [
    b"From: a@example.org\nTo: alice@example.org\nSubject: one\n\nbody one\n.leading dot\n",
    b"From: b@example.org\nTo: alice@example.org\nSubject: two\n\n" + b"0123456789\n" * 300,
]


def without_fetchmail_received(msg):
    """msg without the one Received: field (and its folded lines) fetchmail adds."""
    lines = msg.split(b"\n")
    out, skipping = [], False
    for i, l in enumerate(lines):
        if not skipping and l.startswith(b"Received: from 127.0.0.1") and b"fetchmail" in lines[i + 1]:
            skipping = True
            continue
        if skipping and l[:1] in (b"\t", b" "):
            continue
        skipping = False
        out.append(l)
    return b"\n".join(out)


def test_curl_list_retr_dele():
    p = Pop3()
    stored = p.deliver(MSGS)
    port = p.serve()
    url = "pop3://127.0.0.1:%d/" % port
    auth = ["--user", "alice:pw-alice", "--max-time", "20", "-s", "-S"]
    r = stamptest.run(["curl"] + auth + [url])
    assert r.code == 0, r
    assert r.stdout.split(b"\r\n")[:2] == [b"1 %d" % len(wire(stored[0])),
                                           b"2 %d" % len(wire(stored[1]))], r.stdout
    for i, s in enumerate(stored):
        r = stamptest.run(["curl"] + auth + [url + str(i + 1)])
        assert r.code == 0, r
        # curl gives the message as sent, CRLF and all, dot-stuffing undone.
        assert r.stdout == wire(s), (r.stdout[:200], wire(s)[:200])
    r = stamptest.run(["curl"] + auth + ["-X", "DELE", "-I", url + "1"])
    assert r.code == 0, r
    assert len(os.listdir(os.path.join(p.maildir(), "cur"))) == 1


def test_mpop_fetches_and_deletes():
    p = Pop3()
    stored = p.deliver(MSGS)
    port = p.serve()
    top = p.home.top
    out = os.path.join(top, "mpop-out")
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(out, sub))
    conf = os.path.join(top, "mpoprc")
    with open(conf, "w") as f:
        f.write("account test\nhost 127.0.0.1\nport %d\ntls off\nauth user\nuser alice\n"
                "password pw-alice\ndelivery maildir %s\nkeep off\nuidls_file %s/uidls\n"
                % (port, out, top))
    os.chmod(conf, 0o600)
    r = stamptest.run(["mpop", "-C", conf, "-q", "test"], timeout=60)
    assert r.code == 0, r
    got = []
    for n in sorted(glob.glob(os.path.join(out, "new", "*"))):
        with open(n, "rb") as f:
            got.append(f.read())
    # mpop stores LF line ends, after a Received: line of its own.
    assert len(got) == 2, got
    for g, s in zip(sorted(got, key=len), sorted(stored, key=len)):
        assert g.endswith(s), (g[:300], s[:300])
    assert os.listdir(os.path.join(p.maildir(), "cur")) == []


def test_fetchmail_fetches_and_deletes():
    p = Pop3()
    stored = p.deliver(MSGS)
    port = p.serve()
    top = p.home.top
    mda_out = os.path.join(top, "fm")
    os.makedirs(mda_out)
    rc = os.path.join(top, "fetchmailrc")
    with open(rc, "w") as f:
        f.write('set no syslog\npoll 127.0.0.1 service %d protocol pop3 uidl no envelope\n'
                '  user "alice" password "pw-alice" is root here\n'
                '  sslproto "" no rewrite nokeep\n'
                '  mda "/bin/sh -c \'cat > %s/$$.msg\'"\n' % (port, mda_out))
    os.chmod(rc, 0o600)
    env = {"HOME": top, "FETCHMAILHOME": top}
    r = stamptest.run(["fetchmail", "-f", rc, "--nodetach", "--pidfile", os.path.join(top, "fm.pid"),
                       "-s"], env=env, timeout=60)
    assert r.code == 0, r
    got = []
    for n in glob.glob(os.path.join(mda_out, "*.msg")):
        with open(n, "rb") as f:
            got.append(f.read())
    assert len(got) == 2, (got, r)
    for g, s in zip(sorted(got, key=len), sorted(stored, key=len)):
        # fetchmail writes LF line ends to its MDA and adds a Received: field of its own.
        assert without_fetchmail_received(g) == s, (g[:400], s[:400])
    assert os.listdir(os.path.join(p.maildir(), "cur")) == []
