"""stamp-smtpd under tcpserver with real clients (smtplib, swaks, curl):
every message arrives in the Maildir byte for byte as sent plus stamp's
trace lines; relay control, unknown users, SIZE, smuggling, STARTTLS."""

import os
import re
import smtplib
import subprocess

import stamptest
from smtpdtest import MSG, Raw, Smtpd, check_delivered, lf

FROM = "sender@outside.example"


def smtp(s):
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=20)
    stamptest.add_cleanup(c.close)
    return c


def test_smtplib_plain_message_arrives_byte_for_byte():
    s = Smtpd()
    c = smtp(s)
    code, caps = c.ehlo("client.example")
    assert code == 250
    for ext in (b"PIPELINING", b"8BITMIME", b"SIZE 100000", b"ENHANCEDSTATUSCODES",
                b"SMTPUTF8", b"CHUNKING"):
        assert ext in caps, caps
    assert b"AUTH PLAIN LOGIN" in caps, caps        # a loopback client
    assert b"STARTTLS" not in caps, caps            # no certificate
    c.mail(FROM)
    c.rcpt("alice@example.org")
    code, text = c.data(MSG)
    assert code == 250, (code, text)
    m = re.match(rb"2\.0\.0 Ok: queued as ([0-9a-f]{16})$", text)
    assert m, text                          # stamp-queue told its ID on fd 7
    c.quit()
    (data,) = s.deliver(1)
    check_delivered(data, MSG)
    assert b"\tfor <alice@example.org>;" in data
    assert "id=%s " % m.group(1).decode() in s.t.logtext(), "the scheduler knows that ID"
    s.stop()


def test_curl_smtp():
    s = Smtpd()
    msgfile = os.path.join(s.home.top, "curl.eml")
    with open(msgfile, "wb") as f:
        f.write(MSG)
    r = stamptest.run(["curl", "-sS", "--max-time", "20", "smtp://127.0.0.1:%d" % s.port,
                       "--mail-from", FROM, "--mail-rcpt", "alice@example.org",
                       "--upload-file", msgfile])
    assert r.code == 0, r
    (data,) = s.deliver(1)
    check_delivered(data, MSG)
    s.stop()


def swaks(s, *args, data=MSG):
    # swaks ends the data with a line end of its own: give it MSG without its last one
    data = data[:-2]
    return stamptest.run(["swaks", "--server", "127.0.0.1", "--port", str(s.port),
                          "--from", FROM, "--helo", "client.example", "--data", "-",
                          "--timeout", "20"] + list(args), input=data)


def test_swaks_pipeline():
    s = Smtpd()
    r = swaks(s, "--to", "alice@example.org,bob@example.org", "--pipeline")
    assert r.code == 0, r
    assert b"250 2.0.0 Ok: queued as " in r.stdout, r.stdout
    (a,) = s.deliver(1, "alice")
    (b,) = s.deliver(1, "bob")
    check_delivered(a, MSG)
    check_delivered(b, MSG, rcpt="bob@example.org")
    assert b"\tfor <" not in a    # two recipients: none named
    s.stop()


def test_swaks_tls_and_auth_and_smtplib_starttls_login():
    s = Smtpd(tls=True)
    r = swaks(s, "--to", "alice@example.org", "--tls")
    assert r.code == 0, r
    r = swaks(s, "--to", "alice@example.org", "--tls", "--auth", "LOGIN",
              "--auth-user", "alice", "--auth-password", "secret")
    assert r.code == 0, r
    assert b"235 2.7.0" in r.stdout, r.stdout
    c = smtp(s)
    c.ehlo("client.example")
    assert c.has_extn("starttls")
    c.starttls()
    c.ehlo("client.example")
    assert not c.has_extn("starttls")
    c.login("alice", "secret")
    c.sendmail(FROM, ["alice@example.org"], MSG)
    c.quit()
    got = s.deliver(3)
    protos = sorted(d.split(b"(stamp-smtpd) with ")[1].split(b" ")[0] for d in got)
    assert protos == [b"ESMTPS", b"ESMTPSA", b"ESMTPSA"], protos
    for d in got:
        check_delivered(d, MSG, proto=d.split(b"(stamp-smtpd) with ")[1].split(b" ")[0])
        assert b"TLSv1." in d
    s.stop()


def test_auth_plain_on_loopback_and_failures():
    s = Smtpd()
    c = smtp(s)
    c.ehlo("client.example")
    assert c.has_extn("auth"), "AUTH is offered to a loopback client"
    try:
        c.login("alice", "wrong")
        raise AssertionError("a wrong password was accepted")
    except smtplib.SMTPAuthenticationError as e:
        assert e.smtp_code == 535, e
    c.login("alice", "secret")
    # authenticated: may relay
    c.mail(FROM)
    code, _ = c.rcpt("someone@elsewhere.example")
    assert code == 250
    c.rset()
    c.quit()
    r = Raw(s.port)
    r.reply()
    r.send(b"EHLO c\r\nAUTH PLAIN AHRlbXAAeA==\r\n")
    assert r.codes(2) == ["250", "454"]
    r.send(b"AUTH PLAIN AGFsaWNlAHg=\r\nAUTH PLAIN AGFsaWNlAHg=\r\nAUTH PLAIN AGFsaWNlAHg=\r\n")
    assert r.codes(3) == ["535", "535", "421"]
    r.close()


def test_relay_refused_and_every_trick():
    s = Smtpd()
    c = smtp(s)
    c.ehlo("client.example")
    c.mail(FROM)
    for rcpt in ("x@elsewhere.example", "@example.org:x@elsewhere.example",
                 "x%elsewhere.example@example.org", "elsewhere.example!x@example.org",
                 '"x@elsewhere.example"@example.org', "x@[127.0.0.1]"):
        code, text = c.rcpt("<%s>" % rcpt if rcpt.startswith("@") else rcpt)
        assert code == 553, (rcpt, code, text)
        assert b"5.7.1" in text, (rcpt, text)
    code, text = c.rcpt("nobody@example.org")
    assert code == 550 and b"5.1.1" in text, (code, text)
    code, _ = c.rcpt("postmaster")
    assert code == 250
    c.quit()
    assert not s.home.ids("todo")


def test_relay_allowed_with_relayclient():
    s = Smtpd(rules='127.0.0.1:allow,RELAYCLIENT=""\n:allow\n')
    c = smtp(s)
    c.sendmail(FROM, ["someone@elsewhere.example"], MSG)
    c.quit()
    assert len(s.home.ids("todo")) == 1


def test_size_both_ways():
    s = Smtpd(controls={"databytes": "2000"})
    c = smtp(s)
    c.ehlo("client.example")
    assert c.esmtp_features["size"] == "2000"
    code, text = c.docmd("MAIL FROM:<%s> SIZE=2001" % FROM)
    assert code == 552 and b"5.3.4" in text, (code, text)
    c.rset()
    big = b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 40
    try:
        # no SIZE= given: refused at the end, after all of it was read
        c.docmd("MAIL FROM:<%s>" % FROM)
        c.docmd("RCPT TO:<alice@example.org>")
        code, text = c.data(big)
        assert code == 552, (code, text)
    except smtplib.SMTPDataError as e:
        assert e.smtp_code == 552, e
    # the session goes on: a small one passes
    c.sendmail(FROM, ["alice@example.org"], MSG)
    c.quit()
    (data,) = s.deliver(1)
    check_delivered(data, MSG)
    s.stop()


def test_smtputf8_sender():
    s = Smtpd()
    c = smtp(s)
    c.ehlo("client.example")
    assert c.has_extn("smtputf8")
    msg = "Subject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n\r\ngrüße\r\n".encode()
    c.sendmail("jösé@outside.example", ["alice@example.org"], msg,
               mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    code, text = c.docmd("MAIL FROM:<jösé@outside.example>")   # UTF-8 on the wire, no SMTPUTF8
    assert code == 553 and b"5.6.7" in text, (code, text)    # not without SMTPUTF8
    c.quit()
    (data,) = s.deliver(1)
    check_delivered(data, msg, sender="jösé@outside.example", proto=b"UTF8SMTP")
    s.stop()


SMUGGLE = [b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r.\n", b"\r\n.\n", b"\r\n.\r", b"\n.\r"]


def test_smuggling_never_makes_a_second_message():
    s = Smtpd()
    for form in SMUGGLE:
        r = Raw(s.port)
        r.reply()
        # all in one write: a pipelined attack
        r.send(b"EHLO c\r\nMAIL FROM:<a@outside.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
               b"Subject: first\r\n\r\nhello" + form +
               b"MAIL FROM:<evil@outside.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
               b"Subject: smuggled\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n")
        codes = r.codes(6)
        assert codes == ["250", "250", "250", "354", "554", "221"], (form, codes)
        r.close()
    assert not s.home.ids("todo"), "a message was queued"
    # and the same answer when the client waits for each reply
    r = Raw(s.port)
    r.reply()
    for cmd, want in ((b"EHLO c\r\n", "250"), (b"MAIL FROM:<a@outside.example>\r\n", "250"),
                      (b"RCPT TO:<alice@example.org>\r\n", "250"), (b"DATA\r\n", "354")):
        r.send(cmd)
        assert r.reply()[:3] == want
    r.send(b"hello\n.\n")
    r.send(b"MAIL FROM:<evil@outside.example>\r\n")
    r.send(b"\r\n.\r\n")
    assert r.reply()[:3] == "554"
    r.close()
    assert not s.home.ids("todo")


def test_starttls_injection_fails():
    s = Smtpd(tls=True)
    r = Raw(s.port)
    r.reply()
    r.send(b"EHLO c\r\n")
    r.reply()
    # the injected command comes in the same packet as STARTTLS
    r.send(b"STARTTLS\r\nMAIL FROM:<evil@outside.example>\r\n")
    assert r.reply()[:3] == "220"
    r.starttls()
    r.send(b"MAIL FROM:<a@outside.example>\r\n")
    line = r.reply()
    assert line.startswith("503"), line          # state is gone: EHLO first
    r.send(b"EHLO c\r\n")
    assert r.reply().startswith("250 "), "no reply to an injected command may come first"
    r.send(b"QUIT\r\n")
    assert r.reply().startswith("221")
    r.close()
    assert "dropped=" in s.logtext(), s.logtext()


def test_hostile_input_bounds():
    s = Smtpd(controls={"timeoutsmtpd": "2"})
    r = Raw(s.port)
    r.reply()
    r.send(b"NOOP " + b"x" * 600 + b"\r\n")
    assert r.reply().startswith("500 5.5.2")
    r.send(b"NOOP a\0b\r\n")
    assert r.reply().startswith("500 5.5.2")
    r.send(b"HELO\r\n")
    assert r.reply().startswith("501")
    r.send(b"FOO\r\n" * 7)
    codes = r.codes(7)
    assert codes == ["500"] * 6 + ["421"], codes
    r.close()
    # a silent client is dropped with 421 after timeoutsmtpd
    r = Raw(s.port)
    r.reply()
    assert r.reply().startswith("421 4.4.2")
    r.close()


def test_greetdelay_early_talker():
    s = Smtpd(controls={"greetdelay": "1"})
    r = Raw(s.port)
    r.send(b"EHLO c\r\n")
    assert r.reply().startswith("554 5.5.0")
    r.close()
    c = smtp(s)          # smtplib waits for the greeting
    c.sendmail(FROM, ["alice@example.org"], MSG)
    c.quit()
    assert len(s.home.ids("todo")) == 1


def test_queue_filter_in_stamp_queue_variable():
    """A qmail-queue style filter in STAMPQUEUE: it exits 82 with a D text."""
    s = Smtpd()
    s.proc.kill()
    filt = os.path.join(s.home.top, "filter")
    with open(filt, "w") as f:
        f.write("#!/bin/sh\ncat >/dev/null\nprintf 'DNo viruses please' >&6\nexit 82\n")
    os.chmod(filt, 0o755)
    s.port = stamptest.free_port()
    s.ready.clear()
    s.proc = stamptest.spawn(s.t.prefix + ["tcpserver", "-v", "-R", "-H", "-l", "0", "127.0.0.1",
                             str(s.port), stamptest.bin_path("stamp-smtpd"), "--home", s.home.dir],
                             env={"STAMPQUEUE": filt}, stderr=subprocess.PIPE)
    import threading
    threading.Thread(target=s._drain, daemon=True).start()
    assert s.ready.wait(10)
    c = smtp(s)
    try:
        c.sendmail(FROM, ["alice@example.org"], MSG)
        raise AssertionError("the filter's refusal was not passed on")
    except smtplib.SMTPDataError as e:
        assert e.smtp_code == 554 and b"No viruses please" in e.smtp_error, e
    c.quit()


def test_inetd_style_socket_on_fd0():
    """As inetd starts it: the accepted socket on fds 0 and 1, no TCP* variables;
    the client's address comes from the socket (loopback: AUTH is offered)."""
    import socket
    s = Smtpd()
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    stamptest.add_cleanup(srv.close)
    cli = socket.create_connection(srv.getsockname(), timeout=20)
    stamptest.add_cleanup(cli.close)
    conn, _ = srv.accept()
    env = {"STAMPCHECKPW": s.checkpw}
    for k in ("TCPREMOTEIP", "TCPLOCALIP", "TCPREMOTEHOST", "RELAYCLIENT"):
        os.environ.pop(k, None)
    p = stamptest.spawn(s.t.prefix + [stamptest.bin_path("stamp-smtpd"), "--home", s.home.dir],
                        stdin=conn, stdout=conn, stderr=subprocess.PIPE, env=env)
    conn.close()
    f = cli.makefile("rb")
    assert f.readline().startswith(b"220 ")
    cli.sendall(b"EHLO c\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nMAIL FROM:<a@outside.example>\r\n"
                b"RCPT TO:<x@elsewhere.example>\r\nQUIT\r\n")
    lines = [f.readline() for _ in range(12)]
    assert b"250-AUTH PLAIN LOGIN\r\n" in lines, lines
    assert [l[:3] for l in lines[-4:]] == [b"235", b"250", b"250", b"221"], lines
    _, err = p.communicate(timeout=20)
    assert p.returncode == 0
    assert b"ip=127.0.0.1" in err, err


def test_smtp_source_under_tcpserver():
    s = Smtpd()
    r = stamptest.run(["smtp-source", "-s", "8", "-m", "40", "-l", "3000", "-c",
                       "-f", FROM, "-t", "bob@example.org", "127.0.0.1:%d" % s.port], timeout=120)
    assert r.code == 0, r
    got = s.deliver(40, user="bob", timeout=120)
    assert len(got) == 40
    s.stop()


def test_virtualdomains_subdomain_rule_is_one_rule():
    """".sub.example:pfx" makes bob@a.sub.example the user pfx-bob for the
    RCPT check, the scheduler and stamp-local alike; sub.example itself is
    not covered, so it is relaying."""
    s = Smtpd(controls={"virtualdomains": ".sub.example:pfx\n"},
              users="alice:x:\npfx-bob:x:\n")
    c = smtp(s)
    c.ehlo("client.example")
    c.mail(FROM)
    code, text = c.rcpt("nobody@a.sub.example")
    assert code == 550 and b"5.1.1" in text, (code, text)
    code, text = c.rcpt("bob@sub.example")
    assert code == 553 and b"5.7.1" in text, (code, text)
    code, text = c.rcpt("Bob@A.Sub.Example")
    assert code == 250, (code, text)
    code, text = c.data(MSG)
    assert code == 250, (code, text)
    c.quit()
    (data,) = s.deliver(1, user="pfx-bob")
    check_delivered(data, MSG, rcpt="Bob@A.Sub.Example")
    s.stop()
