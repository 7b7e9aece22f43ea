"""The bounce report, as a mail reader sees it: parsed with Python's email package.

build/tests/bin/bounce_dump prints what queue/bounce.c builds; each test
checks that email.message_from_bytes reads it as RFC 3464 says.
"""

import email
import email.policy
import os
import shutil
import tempfile

import stamptest

SMALL = (b"From: a@example.org\nTo: b@example.net\nSubject: hello\n"
         b"Message-ID: <orig.1@example.org>\n\nHello there.\n")


def dump(message, args):
    """Run bounce_dump on message; args are its options, "--", then
    recipient and text pairs. The parsed bounce and its bytes."""
    prog = os.path.join(stamptest.BUILD, "tests", "bin", "bounce_dump")
    assert os.access(prog, os.X_OK), "%s is not built" % prog
    d = tempfile.mkdtemp(prefix="stamptest.bounce.")
    stamptest.add_cleanup(shutil.rmtree, d, True)
    path = os.path.join(d, "msg")
    with open(path, "wb") as f:
        f.write(message)
    cut = args.index("--")
    r = stamptest.run([prog] + args[:cut] + [path] + args[cut + 1:])
    assert r.code == 0, r
    raw = r.stdout
    for line in raw.split(b"\n"):
        assert len(line) <= 998, line[:80]
        assert b"\r" not in line and b"\0" not in line
    return email.message_from_bytes(raw, policy=email.policy.default), raw


def parts_of(msg):
    assert msg.get_content_type() == "multipart/report", msg.get_content_type()
    assert msg.get_param("report-type") == "delivery-status"
    parts = msg.get_payload()
    assert isinstance(parts, list) and len(parts) == 3, parts
    assert parts[0].get_content_type() == "text/plain"
    assert parts[1].get_content_type() == "message/delivery-status"
    return parts


def status_groups(part):
    """The per-message field group, then one per recipient."""
    groups = part.get_payload()
    assert isinstance(groups, list) and len(groups) >= 2, groups
    return groups[0], groups[1:]


def test_one_recipient_whole_message():
    msg, _ = dump(SMALL, ["-s", "alice@example.org", "-r", "mx1.example.net", "--",
                          "bob@example.net", "550 5.1.1 <bob@example.net>: no such user"])
    assert msg["To"].addresses[0].addr_spec == "alice@example.org"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["From"].addresses[0].addr_spec == "MAILER-DAEMON@mx.example.org"
    assert msg["Message-ID"].endswith("@mx.example.org>")
    assert msg["Date"].datetime is not None
    parts = parts_of(msg)
    assert "bob@example.net" in parts[0].get_content()
    per_msg, rcpts = status_groups(parts[1])
    assert per_msg["Reporting-MTA"] == "dns; mx.example.org"
    assert per_msg["Arrival-Date"] is not None
    assert len(rcpts) == 1
    r = rcpts[0]
    assert r["Final-Recipient"] == "rfc822; bob@example.net"
    assert r["Action"] == "failed"
    assert r["Status"] == "5.1.1"
    assert r["Remote-MTA"] == "dns; mx1.example.net"
    assert r["Diagnostic-Code"] == "smtp; 550 5.1.1 <bob@example.net>: no such user"
    assert r["Last-Attempt-Date"] is not None
    orig = parts[2]
    assert orig.get_content_type() == "message/rfc822"
    inner = orig.get_payload()[0]
    assert inner["Message-ID"] == "<orig.1@example.org>"
    assert inner.get_content() == "Hello there.\n"


def test_three_recipients_long_text():
    long_text = "5.2.2 mailbox full: " + " ".join("word%d" % i for i in range(300))
    msg, _ = dump(SMALL, ["--",
                          "a@example.net", long_text,
                          "b@example.net", "no enhanced code here",
                          "c@example.net", "4.4.7 queue lifetime expired"])
    parts = parts_of(msg)
    _, rcpts = status_groups(parts[1])
    assert [r["Final-Recipient"] for r in rcpts] == [
        "rfc822; a@example.net", "rfc822; b@example.net", "rfc822; c@example.net"]
    assert [r["Action"] for r in rcpts] == ["failed"] * 3
    assert [r["Status"] for r in rcpts] == ["5.2.2", "5.0.0", "5.4.7"]
    # The folded field unfolds to the whole text.
    assert " ".join(str(rcpts[0]["Diagnostic-Code"]).split()) == "smtp; " + long_text
    assert rcpts[1]["Remote-MTA"] is None


def test_large_message_returns_only_header():
    big = b"From: a@example.org\nSubject: big\n\n" + b"a line of the body\n" * 20000
    msg, raw = dump(big, ["-m", "4096", "--", "bob@example.net", "5.3.4 too big"])
    parts = parts_of(msg)
    assert parts[2].get_content_type() == "text/rfc822-headers"
    assert b"a line of the body" not in raw
    assert b"Subject: big" in raw
    assert len(raw) < 10000


def test_boundary_like_lines_and_8bit():
    hostile = (b"Subject: caf\xc3\xa9\n\n--=_stamp.5f0a1b2c3d4e5f60.0000000000000000\n"
               b"bare\rcr and nul\0 here\n" + b"x" * 3000 + b"\n")
    msg, raw = dump(hostile, ["--", "bob@example.net", "5.7.1 caf\xe9 refused"])
    parts = parts_of(msg)
    assert parts[2].get_content_type() == "message/rfc822"
    boundary = msg.get_boundary()
    assert raw.count(boundary.encode()) == 5
    # Every field of the report itself is ASCII.
    head, _, _ = raw.partition(b"\n\n")
    head.decode("ascii")
    _, rcpts = status_groups(parts[1])
    assert rcpts[0]["Status"] == "5.7.1"
    str(rcpts[0]["Diagnostic-Code"]).encode("ascii")


def test_double_bounce():
    msg, _ = dump(SMALL, ["-d", "-s", "", "-t", "postmaster@mx.example.org", "--",
                          "alice@example.org", "5.1.1 no such user"])
    assert "Undeliverable" in msg["Subject"]
    assert msg["To"].addresses[0].addr_spec == "postmaster@mx.example.org"
    parts = parts_of(msg)
    _, rcpts = status_groups(parts[1])
    assert rcpts[0]["Status"] == "5.1.1"
