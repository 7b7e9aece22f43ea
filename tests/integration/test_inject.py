"""stamp-inject as sendmail and mailq (through links, as installed), into a
real home where the scheduler and stamp-local deliver; and the queue tools
stamp-qrm (patterns, --dry-run) and stamp-qview."""

import email
import email.policy
import os
import pwd
import re

import stamptest
from test_local import Local

USERS = "alice:x:\nbob:x:\ncarol:x:\ndave:x:\n"
EX_USAGE, EX_DATAERR, EX_UNAVAILABLE = 64, 65, 69


class Inject(Local):
    """A Local home with defaulthost example.org and a folder of links
    sendmail and mailq to the built stamp-inject."""

    def __init__(self, **kw):
        kw.setdefault("users", USERS)
        super().__init__(**kw)
        self.home.control("defaulthost", "example.org")
        self.links = os.path.join(self.home.top, "links")
        os.mkdir(self.links)
        for name in ("sendmail", "mailq"):
            os.symlink(stamptest.bin_path("stamp-inject"), os.path.join(self.links, name))

    def sendmail(self, args, msg=b"", name="sendmail", env=None):
        return stamptest.run([os.path.join(self.links, name)] + list(args), home=self.home.dir,
                             input=msg, env=env)

    def mailbox(self, user):
        got = self.maildir(self.home.path("mail", user, "Maildir"))
        return [data for _, data in got]

    def only(self, user):
        got = self.mailbox(user)
        assert len(got) == 1, (user, got)
        return got[0]

    def queued(self):
        return self.home.ids("todo")


def login():
    return pwd.getpwuid(os.getuid()).pw_name


def header_part(data):
    return data.split(b"\n\n", 1)[0]


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_t_takes_to_cc_bcc_removes_bcc_and_delivers_to_all():
    t = Inject()
    msg = (b"To: Alice <alice@example.org>\nCc: bob@example.org\nBcc: carol@example.org, dave\n"
           b"Subject: team\n\nhello team\n")
    r = t.sendmail(["-t", "-oi"], msg)
    assert r.code == 0, r
    assert not r.stdout and not r.stderr, r
    (qid,) = t.queued()
    env = stamptest.parse_envelope(open(t.home.path("queue", stamptest.qpath("todo", qid)), "rb").read())
    assert sorted(env["R"]) == ["alice@example.org", "bob@example.org", "carol@example.org",
                                "dave@example.org"], env
    assert env["F"] == "%s@example.org" % login(), env
    t.start()
    t.wait_empty()
    for user in ("alice", "bob", "carol", "dave"):
        data = t.only(user)
        head = header_part(data)
        own = head.split(b"\nReceived: ", 1)[1]   # the message's own header fields
        assert b"\nBcc:" not in own and b"carol" not in own and b"dave" not in own, head
        assert b"\nCc: bob@example.org\n" in head, head
        assert data.endswith(b"\n\nhello team\n"), data
    t.stop()


def test_f_and_F_and_headers_added_only_when_missing():
    t = Inject()
    r = t.sendmail(["-f", "boss@example.net", "-F", "Joe Q. User", "alice"],
                   b"Subject: one\n\nbody\n")
    assert r.code == 0, r
    # The second message has its own headers: none may be added or doubled.
    own = (b"From: Someone <someone@example.net>\nDate: Tue, 1 Dec 2026 10:00:00 +0000\n"
           b"Message-ID: <own.1@example.net>\nSubject: two\n\nbody\n")
    r = t.sendmail(["-f", "<>", "bob@example.org"], own)
    assert r.code == 0, r
    # The third takes the full name from NAME, the sender from the login.
    r = t.sendmail(["carol"], b"Subject: three\n\nbody\n", env={"NAME": "Name From Env"})
    assert r.code == 0, r
    t.start()
    t.wait_empty()
    a = t.only("alice")
    assert a.startswith(b"Return-Path: <boss@example.net>\n"), a
    m = parse(a)
    assert m["From"] == '"Joe Q. User" <%s@example.org>' % login(), m["From"]
    assert m["From"].addresses[0].display_name == "Joe Q. User"
    assert re.fullmatch(r"<[0-9a-f]{16}\.\d+@mx\.example\.org>", m["Message-ID"]), m["Message-ID"]
    assert m["Date"].datetime is not None
    for name in ("From", "Date", "Message-ID"):
        assert len(m.get_all(name)) == 1, name
    b = t.only("bob")
    assert b.startswith(b"Return-Path: <>\n"), b
    head = header_part(b)
    for line in own.split(b"\n\n")[0].split(b"\n"):
        assert head.count(line.split(b":")[0] + b":") == 1, (line, head)
        assert line in head, (line, head)
    c = parse(t.only("carol"))
    assert c["From"] == "Name From Env <%s@example.org>" % login(), c["From"]
    t.stop()


def test_8bit_body_gets_mime_headers_and_rfc2047_words_decode_back():
    t = Inject()
    subject = ("Grüße aus Köln: ein sehr langer Betreff mit Umlauten, ÄÖÜ äöü ß, "
               "und Zeichen aus anderen Schriften: 日本語のテキスト, Ελληνικά, Русский текст")
    name_from = "Jörg Müller"
    name_to = "山田 太郎"
    body = "Hällo Wörld — ünïcödé body\n".encode()
    msg = ("From: %s <alice@example.org>\nTo: %s <bob@example.org>, carol@example.org\n"
           "Subject: %s\n\n" % (name_from, name_to, subject)).encode() + body
    r = t.sendmail(["-t"], msg)
    assert r.code == 0, r
    t.start()
    t.wait_empty()
    for user in ("bob", "carol"):
        data = t.only(user)
        head = header_part(data)
        head.decode("ascii")  # every header is ASCII now
        for line in head.split(b"\n"):
            assert len(line) <= 998, line
        m = parse(data)
        assert m["Subject"] == subject, m["Subject"]
        assert m["From"].addresses[0].display_name == name_from, m["From"]
        assert m["From"].addresses[0].addr_spec == "alice@example.org"
        to = m["To"].addresses
        assert to[0].display_name == name_to and to[0].addr_spec == "bob@example.org", to
        assert to[1].addr_spec == "carol@example.org", to
        assert m["MIME-Version"] == "1.0"
        assert m.get_content_type() == "text/plain"
        assert m.get_content_charset() == "utf-8"
        assert m["Content-Transfer-Encoding"] == "8bit"
        assert m.get_content() == body.decode(), m.get_content()
        # Each encoded word is at most 75 octets.
        for w in re.findall(rb"=\?[^?]+\?[QqBb]\?[^?]*\?=", head):
            assert len(w) <= 75, w
    t.stop()


def test_header_over_998_octets_is_folded():
    t = Inject()
    value = " ".join("word%04d" % i for i in range(200))   # 1799 octets
    r = t.sendmail(["alice"], ("X-Long: %s\nSubject: long\n\nb\n" % value).encode())
    assert r.code == 0, r
    t.start()
    t.wait_empty()
    data = t.only("alice")
    head = header_part(data)
    assert max(len(line) for line in head.split(b"\n")) <= 998
    assert head.count(b"\n word") > 1, head[:400]
    m = parse(data)
    assert str(m["X-Long"]) == value
    # A line that cannot be folded is refused, and nothing is queued.
    r = t.sendmail(["alice"], b"X-Blob:" + b"x" * 1200 + b"\n\nb\n")
    assert r.code == EX_DATAERR, r
    assert b"998" in r.stderr, r
    t.stop()


def test_too_big_or_malformed_is_refused_and_nothing_is_queued():
    t = Inject()
    t.home.control("databytes", "2000")
    cases = [
        (["alice"], b"Subject: big\n\n" + b"x" * 5000 + b"\n", b"databytes"),
        # The header completed by stamp-inject counts too.
        (["alice"], b"Subject: edge\n\n" + b"x" * 1950 + b"\n", b"databytes"),
        (["alice"], b"  continued from nothing\nSubject: x\n\nb\n", b"continuation"),
        (["-t"], b"To: not an address list\n\nb\n", b"To:"),
        (["-t"], b"To: <unclosed@example.org\n\nb\n", b"To:"),
        (["alice"], b"Subject: M\xfcller\n\nLatin-1 is not UTF-8\n", b"UTF-8"),
    ]
    for args, msg, why in cases:
        r = t.sendmail(args, msg)
        assert r.code == EX_DATAERR, (args, msg[:40], r)
        assert why in r.stderr and b"queued=no" in r.stderr, r
        assert not t.home.queue_files(), t.home.queue_files()
    # Just under the limit passes.
    r = t.sendmail(["alice"], b"Subject: fits\n\n" + b"x" * 1500 + b"\n")
    assert r.code == 0, r
    assert len(t.queued()) == 1


def test_usage_errors_and_line_ends():
    t = Inject()
    for args, code, why in ((["-Z", "alice"], EX_USAGE, b"unknown option -Z"),
                            (["-q30m"], EX_USAGE, b"-q30m"),
                            ([], EX_USAGE, b"no recipients"),
                            (["-t"], EX_USAGE, b"no recipients"),
                            (["-f", "bad address@"], EX_USAGE, b"-f"),
                            (["not@an@address"], EX_USAGE, b"recipient")):
        r = t.sendmail(args, b"Subject: x\n\nb\n")
        assert r.code == code, (args, r)
        assert why in r.stderr, (args, r)
    assert not t.home.queue_files()
    r = t.sendmail(["--help"])
    assert r.code == 0 and b"usage: sendmail" in r.stdout, r
    # CRLF input is stored with LF; a "." line ends the message unless -i.
    r = t.sendmail(["alice"], b"Subject: crlf\r\n\r\nline 1\r\n.\r\nnot this\r\n")
    assert r.code == 0, r
    r = t.sendmail(["-i", "bob"], b"Subject: dot\n\nline 1\n.\nthis too\n")
    assert r.code == 0, r
    t.start()
    t.wait_empty()
    a = t.only("alice")
    assert b"\r" not in a and a.endswith(b"\n\nline 1\n"), a
    assert t.only("bob").endswith(b"\n\nline 1\n.\nthis too\n")
    t.stop()


def test_stampqueue_names_a_filter_in_front_of_the_queue():
    t = Inject()
    mark = os.path.join(t.out, "filtered")
    filt = os.path.join(t.home.top, "filter")
    with open(filt, "w") as f:
        f.write("#!/bin/sh\necho ran >> %s\nexec %s\n" % (mark, stamptest.bin_path("stamp-queue")))
    os.chmod(filt, 0o755)
    r = t.sendmail(["alice"], b"Subject: f\n\nb\n", env={"STAMPQUEUE": filt})
    assert r.code == 0, r
    assert open(mark).read() == "ran\n"
    assert len(t.queued()) == 1
    # A filter that refuses permanently (qmail-queue's 31) is a permanent failure.
    with open(filt, "w") as f:
        f.write("#!/bin/sh\nexit 31\n")
    r = t.sendmail(["alice"], b"Subject: f\n\nb\n", env={"STAMPQUEUE": filt})
    assert r.code == EX_UNAVAILABLE and b"exit=31" in r.stderr, r
    with open(filt, "w") as f:
        f.write("#!/bin/sh\nexit 53\n")
    r = t.sendmail(["alice"], b"Subject: f\n\nb\n", env={"STAMPQUEUE": filt})
    assert r.code == 75 and b"exit=53" in r.stderr, r
    r = t.sendmail(["alice"], b"Subject: f\n\nb\n", env={"STAMPQUEUE": "/nonexistent/q"})
    assert r.code == 75 and b"STAMPQUEUE" in r.stderr, r
    assert len(t.queued()) == 1


def test_mailq_bp_q_and_bs():
    t = Inject()
    r = t.sendmail(["-f", "who@example.net", "alice"], b"Subject: q\n\nb\n")
    assert r.code == 0, r
    (qid,) = t.queued()
    for args, name in (([], "mailq"), (["-bp"], "sendmail")):
        r = t.sendmail(args, name=name)
        assert r.code == 0, r
        assert re.search(r"^%s \S+ \d+ <who@example.net> alice@example.org$" % qid,
                         r.text(), re.M), r.text()
    # -q asks the scheduler; with none running it says so.
    r = t.sendmail(["-q"])
    assert r.code != 0 and b"not running" in r.stderr, r
    t.start()
    t.wait_empty()
    r = t.sendmail(["-q"])
    assert r.code == 0, r
    # -bs: an SMTP session through stamp-smtpd when it is built.
    r = t.sendmail(["-bs"], b"QUIT\r\n")
    if os.path.exists(os.path.join(stamptest.BUILD, "bin", "stamp-smtpd")):
        assert r.code == 0 and r.stdout.startswith(b"220") and b"\n221" in r.stdout, r
    else:
        assert r.code == EX_UNAVAILABLE and b"stamp-smtpd" in r.stderr, r
    t.stop()


# ---- queue tools --------------------------------------------------------------

def queue_three(t):
    ids = {}
    for sender, rcpts in (("spam@spam.example", ["alice@example.org"]),
                          ("Other@SPAM.example", ["bob@example.org", "carol@example.org"]),
                          ("friend@example.net", ["Carol@Example.org"])):
        r = t.home.queue(b"Subject: x\n\nb\n", sender, rcpts)
        assert r.code == 0, r
        new = set(t.queued()) - set(ids.values())
        ids[sender] = new.pop()
    return ids


def test_qrm_patterns_and_dry_run():
    t = Inject()
    ids = queue_three(t)
    before = t.home.queue_files()
    r = t.home.run("stamp-qrm", "--dry-run", "--sender", "*@spam.example")
    assert r.code == 0, r
    listed = sorted(line.split()[0] for line in r.text().splitlines())
    assert listed == sorted([ids["spam@spam.example"], ids["Other@SPAM.example"]]), r.text()
    assert t.home.queue_files() == before   # nothing removed
    r = t.home.run("stamp-qrm", "--dry-run", "--recipient", "carol@*")
    assert sorted(line.split()[0] for line in r.text().splitlines()) == \
        sorted([ids["Other@SPAM.example"], ids["friend@example.net"]]), r.text()
    # Both patterns: both must match.
    r = t.home.run("stamp-qrm", "--dry-run", "--sender", "*spam*", "--recipient", "bob@*")
    assert [line.split()[0] for line in r.text().splitlines()] == [ids["Other@SPAM.example"]], r
    r = t.home.run("stamp-qrm", "--dry-run", "--sender", "nobody@*")
    assert r.code == 1 and not r.stdout, r
    r = t.home.run("stamp-qrm", "--sender", "*@spam.example")
    assert r.code == 0, r
    assert t.queued() == [ids["friend@example.net"]], t.queued()
    assert len(t.home.queue_files("mess")) == 1
    # The null sender of a bounce matches "<>".
    r = t.home.queue(b"Subject: bounce\n\nb\n", "", ["alice@example.org"])
    assert r.code == 0, r
    bounce = (set(t.queued()) - {ids["friend@example.net"]}).pop()
    r = t.home.run("stamp-qrm", "--dry-run", "--sender", "<>")
    assert r.text().split() == [bounce, "<>", "alice@example.org"], r
    r = t.home.run("stamp-qrm", "--sender", "<>")
    assert r.code == 0 and t.queued() == [ids["friend@example.net"]], (r, t.queued())
    # Usage errors.
    for args in ((), ("--bogus",), ("not-an-id",)):
        r = t.home.run("stamp-qrm", *args)
        assert r.code in (1, 2) and r.stderr, (args, r)
    r = t.home.run("stamp-qrm", "-h")
    assert r.code == 0 and b"--recipient" in r.stdout, r


def test_qrm_pattern_while_the_scheduler_runs():
    # A recipient that fails temporarily keeps its message queued.
    t = Inject(aliases="stuck: |exit 111\n")
    t.start()
    for n in range(3):
        r = t.sendmail(["-f", "s%d@example.net" % n, "stuck"], b"Subject: s\n\nb\n")
        assert r.code == 0, r
    r = t.sendmail(["alice"], b"Subject: fine\n\nb\n")
    assert r.code == 0, r
    stamptest.wait_for(lambda: len(t.mailbox("alice")) == 1, 30, what="alice's delivery")
    stamptest.wait_for(lambda: "tries=1" in t.home.run("stamp-qread").text(), 30,
                       what="a first try of the stuck messages")
    r = t.home.run("stamp-qrm", "--recipient", "STUCK@example.org")
    assert r.code == 0, r
    assert r.stderr.count(b"action=remove-requested") == 3, r
    t.wait_empty()
    t.stop()


def test_qview_shows_envelope_states_and_message():
    t = Inject(aliases="stuck: |echo not now; exit 111\n")
    msg = b"Subject: view me\n\nthe body\n"
    r = t.sendmail(["-f", "v@example.net", "alice", "stuck"], msg)
    assert r.code == 0, r
    (qid,) = t.queued()
    r = t.home.run("stamp-qview", qid)
    assert r.code == 0, r
    text = r.text()
    assert text.startswith("id: %s\nstate: new\n" % qid), text
    assert "\nsender: <v@example.net>\n" in text and "\nrecipients: 2\n" in text, text
    assert "  alice@example.org state=new tries=0\n" in text, text
    assert "  stuck@example.org state=new tries=0\n" in text, text
    mess = open(t.home.path("queue", stamptest.qpath("mess", qid)), "rb").read()
    assert r.stdout.endswith(b"\n\n" + mess), r.stdout
    assert b"\nSubject: view me\n" in mess and mess.endswith(b"\n\nthe body\n")
    t.start()
    stamptest.wait_for(lambda: "state=delivered" in t.home.run("stamp-qview", qid).text(), 30,
                       what="alice delivered")
    stamptest.wait_for(lambda: "tries=1" in t.home.run("stamp-qview", qid).text(), 30,
                       what="a first try of stuck")
    text = t.home.run("stamp-qview", qid).text()
    assert "state: queued" in text, text
    assert re.search(r"  stuck@example.org state=pending tries=1 next=\S+ last=.*not now", text), text
    r = t.home.run("stamp-qview", "--headers", qid)
    assert r.code == 0 and r.stdout.endswith(b"\nSubject: view me\n" + r.stdout.split(b"\nSubject: view me\n")[1]), r
    assert b"the body" not in r.stdout, r
    r = t.home.run("stamp-qrm", qid)
    assert r.code == 0, r
    t.wait_empty()
    r = t.home.run("stamp-qview", qid)
    assert r.code == 1 and b"not in the queue" in r.stderr, r
    for args, code in ((("bogus",), 2), ((), 2), (("-h",), 0)):
        r = t.home.run("stamp-qview", *args)
        assert r.code == code, (args, r)
    t.stop()


def test_every_queue_tool_has_help():
    for prog in ("stamp-qread", "stamp-qstat", "stamp-qflush", "stamp-qrm", "stamp-qview",
                 "stamp-queue", "stamp-send"):
        r = stamptest.run([stamptest.bin_path(prog), "-h"])
        assert r.code == 0 and r.stdout.startswith(b"usage: "), (prog, r)
        r = stamptest.run([stamptest.bin_path(prog), "--no-such-option"])
        assert r.code != 0, (prog, r)
