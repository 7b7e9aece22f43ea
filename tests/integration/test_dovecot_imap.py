"""Dovecot IMAP on stamp's Maildirs: mail delivered through the real
stamp-smtpd and stamp-local, read and flagged through a private Dovecot
(logins and user lookups by `stamp-checkpw --dovecot`), filed into a folder
Dovecot made, and read again through stamp-popd, which must agree with Dovecot on every message, size
and UIDL, before and after either of them touched the mailbox."""

import imaplib
import os
import re
import shutil
import smtplib
import subprocess

import peers
import stamptest
from pop3env import Pop3, wire
from test_send import is_root

MSGS = [
    b"From: one@outside.example\r\nTo: alice@example.org\r\nSubject: first\r\n"
    b"Message-ID: <1@outside.example>\r\n\r\nplain body\r\n",
    b"From: two@outside.example\r\nTo: alice@example.org\r\nSubject: second\r\n"
    b"Message-ID: <2@outside.example>\r\n\r\n.a line that starts with a dot\r\n\r\nend\r\n",
    b"From: three@outside.example\r\nTo: alice@example.org\r\nSubject: third\r\n"
    b"Message-ID: <3@outside.example>\r\n\r\n" + b"x" * 70 + b"\r\n" * 1 + (b"y" * 76 + b"\r\n") * 60,
]
APPENDED = (b"From: alice@example.org\r\nTo: alice@example.org\r\nSubject: saved by IMAP\r\n"
            b"Message-ID: <4@example.org>\r\n\r\na draft written through Dovecot\r\n")

LISTED = (b"From: list@lists.example\r\nTo: lists@example.org\r\nSubject: to a folder\r\n"
          b"Message-ID: <5@lists.example>\r\n\r\nfiled by an alias into a Dovecot folder\r\n")


def start_smtpd(p):
    """stamp-smtpd under tcpserver in front of the POP3 test bed's home."""
    port = stamptest.free_port()
    log = open(os.path.join(p.home.top, "smtpd.log"), "ab")
    proc = stamptest.spawn(["tcpserver", "-R", "-H", "-l", "0", "127.0.0.1", str(port),
                            stamptest.bin_path("stamp-smtpd"), "--home", p.home.dir],
                           stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    stamptest.add_cleanup(lambda: (proc.terminate(), proc.wait(10)))
    peers.wait_port("127.0.0.1", port)
    return port


def pop3_view(p, port):
    """{uidl: (size, message)} as stamp-popd serves alice's mailbox."""
    c = p.client(port)
    try:
        sizes = {int(n): int(s) for n, s in (l.split() for l in c.list()[1])}
        view = {}
        for line in c.uidl()[1]:
            n, uid = line.split()
            lines = c.retr(int(n))[1]
            view[uid.decode()] = (sizes[int(n)], b"".join(l + b"\r\n" for l in lines))
        return view
    finally:
        c.quit()


def imap_view(m):
    """{message-id: (size, message, flags)} as Dovecot serves INBOX (selected),
    and {message-id: sequence number}."""
    typ, data = m.fetch("1:*", "(RFC822.SIZE FLAGS BODY.PEEK[])")
    assert typ == "OK", data
    view, seq = {}, {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        head, body = item
        size = int(re.search(rb"RFC822\.SIZE (\d+)", head).group(1))
        flags = re.search(rb"FLAGS \(([^)]*)\)", head).group(1).split()
        mid = re.search(rb"Message-ID: (<[^>]+>)", body).group(1).decode()
        view[mid] = (size, body, sorted(f.decode() for f in flags))
        seq[mid] = head.split()[0].decode()
    return view, seq


def by_message_id(pop):
    out = {}
    for uid, (size, data) in pop.items():
        mid = re.search(rb"Message-ID: (<[^>]+>)", data).group(1).decode()
        out[mid] = (uid, size, data)
    return out


def test_dovecot_imap_and_stamp_popd_share_a_mailbox():
    if not is_root():
        print("    skipped: needs root (Dovecot's auth and mail processes switch users)")
        return
    p = Pop3(users=("alice",), controls={"rcpthosts": "example.org"})
    smtp_port = start_smtpd(p)
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
        for m in MSGS:
            s.sendmail("sender@outside.example", ["alice@example.org"], m)
    p.t.start()
    stamptest.add_cleanup(p.t.stop)
    stamptest.wait_for(lambda: len(os.listdir(os.path.join(p.maildir(), "new"))) == 3, 30,
                       what="3 deliveries; log: " + p.t.logtext()[-2000:])
    pop_port = p.serve()
    before = pop3_view(p, pop_port)
    assert len(before) == 3, before

    # Dovecot's auth process (the dovecot user) runs stamp-checkpw: a copy where it may,
    # whatever the folder of the build (a CI checkout under /root, say).
    checkpw = os.path.join(p.home.top, "stamp-checkpw")
    shutil.copy(stamptest.bin_path("stamp-checkpw"), checkpw)
    os.chmod(checkpw, 0o755)
    dove = peers.DovecotImap(os.path.join(p.home.top, "dovecot"), stamptest.free_port(),
                             p.home.dir, checkpw).start()
    stamptest.add_cleanup(dove.stop)
    # A userdb lookup alone (AUTHORIZED=1): who alice is, without a password.
    r = dove.doveadm("user", "-f", "mail", "alice")
    assert r.returncode == 0 and r.stdout.strip() == b"maildir:" + p.maildir().encode(), \
        (r, dove.log()[-3000:])
    r = dove.doveadm("user", "nobody-here")
    assert r.returncode != 0 and b"doesn't exist" in r.stderr + r.stdout, r

    m = imaplib.IMAP4("127.0.0.1", dove.port, timeout=30)
    try:
        try:
            m.login("alice", "wrong")
            raise AssertionError("a wrong password logged in")
        except imaplib.IMAP4.error:
            pass
    finally:
        m.shutdown()
    m = imaplib.IMAP4("127.0.0.1", dove.port, timeout=30)
    typ, _ = m.login("alice", p.passwords["alice"])
    assert typ == "OK"
    typ, data = m.select("INBOX")
    assert typ == "OK" and data == [b"3"], (data, dove.log()[-3000:])
    imap, seq = imap_view(m)
    pop = by_message_id(before)
    # The same messages, byte for byte, and the same sizes, from both servers.
    assert sorted(imap) == sorted(pop) == ["<1@outside.example>", "<2@outside.example>",
                                           "<3@outside.example>"]
    for mid, (size, data, flags) in imap.items():
        uid, psize, pdata = pop[mid]
        assert data == pdata == wire(data), mid
        assert size == psize == len(data), (mid, size, psize)
        assert "\\Seen" not in flags, flags       # PEEK: nothing read yet
    # Read one, flag another, save a new one the way a mail client does.
    typ, _ = m.fetch(seq["<1@outside.example>"], "(BODY[])")
    assert typ == "OK"
    assert m.store(seq["<2@outside.example>"], "+FLAGS", "(\\Flagged)")[0] == "OK"
    assert m.append("INBOX", "(\\Seen)", None, APPENDED)[0] == "OK"
    # A folder Dovecot made (Maildir++: Maildir/.Lists/) takes stamp's deliveries too.
    assert m.create("Lists")[0] == "OK"
    with open(p.home.path("aliases"), "a") as f:
        f.write("lists: ./mail/alice/Maildir/.Lists/\n")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as s:
        s.sendmail("sender@outside.example", ["lists@example.org"], LISTED)
    stamptest.wait_for(lambda: os.listdir(os.path.join(p.maildir(), ".Lists", "new")), 30,
                       what="the delivery into .Lists; log: " + p.t.logtext()[-2000:] + open(os.path.join(p.home.top, "smtpd.log")).read()[-1500:])
    typ, data = m.select("Lists")
    assert typ == "OK" and data == [b"1"], data
    listed, _ = imap_view(m)
    assert list(listed) == ["<5@lists.example>"], listed
    assert listed["<5@lists.example>"][1].endswith(LISTED), listed
    m.logout()

    # stamp-popd serves the mailbox Dovecot touched: same UIDLs, sizes and bytes for
    # the three, and Dovecot's own file as a fourth message.
    after = pop3_view(p, pop_port)
    assert set(before) <= set(after) and len(after) == 4, (before.keys(), after.keys())
    for uid in before:
        assert after[uid] == before[uid], uid
    (new_uid,) = set(after) - set(before)
    assert after[new_uid] == (len(APPENDED), APPENDED), after[new_uid]
    # Deleting through POP3 (UPDATE state), then Dovecot again: it sees three, with
    # the flags it set, and its log is clean.
    first = by_message_id(after)["<1@outside.example>"][0]
    c = p.client(pop_port)
    uids = {u.split()[1].decode(): int(u.split()[0]) for u in c.uidl()[1]}
    c.dele(uids[first])
    c.quit()
    m = imaplib.IMAP4("127.0.0.1", dove.port, timeout=30)
    m.login("alice", p.passwords["alice"])
    typ, data = m.select("INBOX")
    assert typ == "OK" and data == [b"3"], data
    imap, _ = imap_view(m)
    m.logout()
    assert sorted(imap) == ["<2@outside.example>", "<3@outside.example>", "<4@example.org>"]
    flags = {mid: v[2] for mid, v in imap.items()}
    assert flags == {"<2@outside.example>": ["\\Flagged"], "<3@outside.example>": [],
                     "<4@example.org>": ["\\Seen"]}, flags
    final = by_message_id(pop3_view(p, pop_port))
    for mid, (size, data, _) in imap.items():
        assert final[mid][1:] == (size, data), mid
    log = dove.log()
    bad = [l for l in log.splitlines() if re.search(r"(Error|Warning|Panic|Fatal):", l)]
    assert not bad, "\n".join(bad)
    assert re.search(r"imap-login: Info: Login: user=<alice>", log), log[-2000:]
