"""stamp-smtpd as its own pre-forking server (-l): the same session as
under tcpserver, many concurrent sessions from Postfix's smtp-source, and
the submission mode (RFC 6409)."""

import smtplib
import subprocess

import stamptest
from smtpdtest import MSG, Raw, Smtpd, check_delivered

FROM = "sender@outside.example"


def test_listener_smtplib_and_starttls():
    s = Smtpd(listen=True, tls=True)
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=20)
    stamptest.add_cleanup(c.close)
    c.sendmail(FROM, ["alice@example.org"], MSG)
    c.ehlo("client.example")
    c.starttls()
    c.ehlo("client.example")
    c.login("alice", "secret")
    c.sendmail(FROM, ["alice@example.org"], MSG)
    c.quit()
    got = s.deliver(2)
    protos = sorted(d.split(b"(stamp-smtpd) with ")[1].split(b" ")[0] for d in got)
    assert protos == [b"ESMTP", b"ESMTPSA"], protos
    for d in got:
        check_delivered(d, MSG, proto=d.split(b"(stamp-smtpd) with ")[1].split(b" ")[0])
    # relaying is decided from the accepted socket's address, not the environment
    r = Raw(s.port)
    r.reply()
    r.send(b"EHLO c\r\nMAIL FROM:<a@outside.example>\r\nRCPT TO:<x@elsewhere.example>\r\nQUIT\r\n")
    assert r.codes(4) == ["250", "250", "553", "221"]
    r.close()
    s.stop()


def test_listener_relayclients():
    s = Smtpd(listen=True, controls={"relayclients": "127.0.0.0/8"})
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=20)
    stamptest.add_cleanup(c.close)
    c.sendmail(FROM, ["someone@elsewhere.example"], MSG)
    c.quit()
    assert len(s.home.ids("todo")) == 1


def test_smtp_source_many_concurrent_sessions():
    s = Smtpd(listen=True, controls={"concurrencyperip": "50", "prefork": "4"})
    r = stamptest.run(["smtp-source", "-s", "10", "-m", "100", "-l", "2000", "-c",
                       "-f", FROM, "-t", "alice@example.org", "127.0.0.1:%d" % s.port],
                      timeout=120)
    assert r.code == 0, r
    got = s.deliver(100, timeout=120)
    assert len(got) == 100
    for d in got:
        assert b"(stamp-smtpd) with SMTP id " in d, d[:400]   # smtp-source says HELO
    s.stop()


def test_submission_requires_auth_then_relays():
    s = Smtpd(listen=True, submission=True)
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=20)
    stamptest.add_cleanup(c.close)
    c.ehlo("client.example")
    code, text = c.mail(FROM)
    assert code == 530 and b"5.7.0" in text, (code, text)
    c.login("alice", "secret")
    c.sendmail(FROM, ["someone@elsewhere.example", "alice@example.org"], MSG)
    c.quit()
    assert len(s.home.ids("todo")) == 1


def test_listener_stops_on_sigterm():
    s = Smtpd(listen=True)
    s.proc.terminate()
    assert s.proc.wait(30) == 0, s.logtext()


def test_listener_sighup_and_fresh_controls():
    import signal
    s = Smtpd(listen=True, tls=True)
    s.home.control("databytes", "12345")      # read by every session: no signal needed
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=20)
    stamptest.add_cleanup(c.close)
    c.ehlo("client.example")
    assert c.esmtp_features["size"] == "12345", c.esmtp_features
    c.quit()
    s.proc.send_signal(signal.SIGHUP)          # the certificate is loaded again
    for _ in range(3):
        c = smtplib.SMTP("127.0.0.1", s.port, timeout=20)
        stamptest.add_cleanup(c.close)
        c.starttls()
        c.ehlo("client.example")
        c.login("alice", "secret")
        c.quit()
    assert s.proc.poll() is None, s.logtext()


def test_worker_keeps_one_stamp_queue_and_replaces_a_dead_one():
    """A worker hands every message to the one stamp-queue --serve it keeps
    (no exec per message); one killed while idle is replaced at the next."""
    import os
    import re
    import signal
    s = Smtpd(listen=True, controls={"prefork": "1", "concurrencyincoming": "1"})

    def send(n):
        for _ in range(n):
            c = smtplib.SMTP("127.0.0.1", s.port, timeout=20)
            stamptest.add_cleanup(c.close)
            c.sendmail(FROM, ["alice@example.org"], MSG)
            c.quit()

    def queue_pids(got):
        return [int(re.search(rb"Received: \(stamp-queue (\d+) ", d).group(1)) for d in got]

    send(3)
    pids = set(queue_pids(s.deliver(3)))
    assert len(pids) == 1, pids                  # three sessions, one stamp-queue
    pid = pids.pop()
    os.kill(pid, signal.SIGKILL)
    stamptest.wait_for(lambda: not os.path.exists("/proc/%d/cmdline" % pid) or
                       open("/proc/%d/cmdline" % pid, "rb").read() == b"", 10,
                       what="the killed stamp-queue gone")
    send(1)
    pids = set(queue_pids(s.deliver(4)))
    assert len(pids) == 2 and pid in pids, pids  # the fourth went through a new one
    s.stop()
