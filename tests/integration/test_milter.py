"""The milter client of stamp-smtpd (smtpd/milter*.c) against a fake milter
(fakemilter.py) on loopback: headers and bodies changed before the queue,
refusals at each stage, and a filter that hangs, talks garbage or is down."""

import json
import re
import smtplib
import time

import stamptest
from fakemilter import FakeMilter
from smtpdtest import MSG, Smtpd

FROM = "sender@outside.example"


def smtp(s):
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=20)
    stamptest.add_cleanup(c.close)
    c.ehlo("client.example")
    return c


def send(s, rcpts=("alice@example.org",), msg=MSG):
    c = smtp(s)
    c.mail(FROM)
    for r in rcpts:
        c.rcpt(r)
    code, text = c.data(msg)
    c.quit()
    return code, text


def use(s, *filters):
    s.home.control("milters", "\n".join(filters))


def test_header_added_and_what_the_filter_saw():
    f = FakeMilter(eom=[("h", b"X-Milter-Test", b"yes"),
                        ("i", 0, b"X-First", b"top"),
                        ("m", 1, b"Subject", b"changed by milter")])
    s = Smtpd()
    use(s, "inet:127.0.0.1:%d" % f.port)
    code, text = send(s)
    assert code == 250, (code, text)
    (data,) = s.deliver(1)
    head, _, body = data.partition(b"\n\n")
    assert head.split(b"\n")[3].startswith(b"X-First: top"), head
    assert b"\nX-Milter-Test: yes" in head, head
    assert b"\nSubject: changed by milter" in head and b"smtpd test" not in head, head
    assert body == b"line one\n.leading dot\n\nlast line\n", body
    cmds = f.commands()
    for c in (b"O", b"C", b"H", b"M", b"R", b"T", b"L", b"N", b"B", b"E", b"Q"):
        assert c in cmds, (c, cmds)
    hdrs = [d for c, d in f.seen if c == b"L"]
    assert b"Subject\0smtpd test\0" in hdrs, hdrs
    assert any(h.startswith(b"Received\0from ") for h in hdrs), hdrs
    (chunk,) = [d for c, d in f.seen if c == b"B"]
    assert chunk == b"line one\r\n.leading dot\r\n\r\nlast line\r\n", chunk
    m = f.macros()
    assert m["j"] == "mx.example.org" and m["{client_addr}"] == "127.0.0.1", m
    assert m["{daemon_name}"] == "stamp-smtpd" and m["{mail_addr}"] == FROM, m
    assert re.match(r"[0-9a-f]{16}$", m["i"]), m
    # "i" is our id (the one of our Received: line), sent from DATA on.
    assert ("with ESMTP id %s" % m["i"]).encode() in head, (m, head)
    (at_data,) = [d for c, d in f.seen if c == b"D" and d[:1] == b"T"]
    assert at_data == b"Ti\0" + m["i"].encode() + b"\0", at_data
    s.stop()


def test_reject_at_rcpt_tempfail_at_mail_and_garbage():
    s = Smtpd()
    f = FakeMilter(rcpt_reject=b"bob@")
    use(s, "inet:127.0.0.1:%d" % f.port)
    c = smtp(s)
    c.mail(FROM)
    code, text = c.rcpt("bob@example.org")
    assert (code, text) == (550, b"5.7.1 Recipient refused by the fake milter"), (code, text)
    assert c.rcpt("alice@example.org")[0] == 250
    assert c.data(MSG)[0] == 250
    c.quit()
    t = FakeMilter(mail_tempfail=True)
    use(s, "inet:127.0.0.1:%d" % t.port)
    c = smtp(s)
    code, text = c.mail(FROM)
    assert code == 451 and text.startswith(b"4.7.1"), (code, text)
    c.quit()
    g = FakeMilter(garbage_at=b"R")
    use(s, "inet:127.0.0.1:%d" % g.port)
    c = smtp(s)
    c.mail(FROM)
    code, text = c.rcpt("alice@example.org")
    assert code == 451 and text.startswith(b"4.7.1"), (code, text)
    c.quit()
    stamptest.wait_for(lambda: "milter=inet:127.0.0.1:%d stage=rcpt" % g.port in s.logtext(),
                       10, what="the log line of the garbage filter")
    assert len(s.deliver(1)) == 1
    s.stop()


def test_hang_gives_451_after_the_timeout():
    f = FakeMilter(hang_at=b"E")
    s = Smtpd(controls={"timeoutmiltereom": "1"})
    use(s, "inet:127.0.0.1:%d" % f.port)
    t0 = time.monotonic()
    code, text = send(s)
    assert code == 451 and text.startswith(b"4.7.1"), (code, text)
    took = time.monotonic() - t0
    assert 0.9 < took < 10, took
    stamptest.wait_for(lambda: "stage=eom error=\"timeout\"" in s.logtext(), 10,
                       what="the timeout log line")
    s.stop()


def test_down_filter_tempfails_or_is_skipped_with_default_accept():
    down = stamptest.free_port()
    s = Smtpd()
    use(s, "inet:127.0.0.1:%d" % down)
    c = smtp(s)
    code, text = c.mail(FROM)
    assert code == 451 and text.startswith(b"4.7.1"), (code, text)
    c.quit()
    use(s, "inet:127.0.0.1:%d default=accept" % down)
    assert send(s)[0] == 250
    assert len(s.deliver(1)) == 1
    # A line stamp cannot parse is a failing filter: nothing passes.
    use(s, "inet:127.0.0.1:%d default=maybe" % down)
    c = smtp(s)
    assert c.mail(FROM)[0] == 451
    c.quit()
    s.stop()


def test_body_replaced_sender_changed_rcpt_added():
    f = FakeMilter(eom=[("b", b"new body\r\nsecond"), ("b", b" line\n"),
                        ("e", b"<changed@outside.example>"),
                        ("+", b"<bob@example.org>")])
    s = Smtpd()
    use(s, "inet:127.0.0.1:%d" % f.port)
    assert send(s)[0] == 250
    (a,) = s.deliver(1, "alice")
    (b,) = s.deliver(1, "bob")
    for data in (a, b):
        assert data.startswith(b"Return-Path: <changed@outside.example>\n"), data[:200]
        assert data.endswith(b"\n\nnew body\nsecond line\n"), data[-200:]
    s.stop()


def test_discard_queues_nothing_and_quarantine_holds():
    s = Smtpd()
    d = FakeMilter(reply_eom=b"d")
    use(s, "inet:127.0.0.1:%d" % d.port)
    assert send(s) == (250, b"2.0.0 Ok: discarded")
    assert s.home.queue_files("mess", "todo", "hold") == []
    # Quarantine: committed into hold/, shown by stamp-qread, never delivered.
    q = FakeMilter(eom=[("q", b"looks \"odd\"")])
    use(s, "inet:127.0.0.1:%d" % q.port)
    code, text = send(s)
    assert code == 250, (code, text)
    qid = text.split()[-1].decode()
    assert s.home.ids("hold") == [qid] and s.home.ids("todo") == [], s.home.queue_files()
    r = s.home.run("stamp-qread")
    assert r.code == 0 and 'held="looks ?odd?"' in r.text() and qid in r.text(), r
    assert "state=held" in r.text(), r
    r = s.home.run("stamp-qread", "--json")
    (entry,) = json.loads(r.text())
    assert entry["state"] == "held" and entry["hold_reason"] == "looks ?odd?", entry
    # The scheduler starts (recovery included), delivers the next message, not the held one.
    use(s, "")
    assert send(s)[0] == 250
    (data,) = s.deliver(1)
    assert b"Subject: smtpd test" in data
    s.stop()
    assert s.home.ids("hold") == [qid] and qid in s.home.ids("mess"), s.home.queue_files()
    assert len(s.maildir()) == 1


def test_submission_uses_its_own_list_with_auth_macros():
    sub = FakeMilter(eom=[("h", b"X-Signed", b"by the submission filter")])
    smtp_only = FakeMilter(eom=[("h", b"X-Scanned", b"port 25")])
    s = Smtpd(submission=True)
    use(s, "inet:127.0.0.1:%d" % smtp_only.port)
    s.home.control("submissionmilters", "inet:127.0.0.1:%d" % sub.port)
    c = smtp(s)
    c.login("alice", "secret")
    c.mail(FROM)
    c.rcpt("alice@example.org")
    assert c.data(MSG)[0] == 250
    c.quit()
    (data,) = s.deliver(1)
    assert b"\nX-Signed: by the submission filter\n" in data and b"X-Scanned" not in data, data
    assert smtp_only.seen == []
    m = sub.macros()
    assert m["{auth_authen}"] == "alice" and m["{auth_type}"] == "PLAIN", m
    assert m["{daemon_name}"] == "stamp-smtpd-submission", m
    s.stop()
