"""The service files of etc/services, as install.sh renders them, run by the
real supervisors: the daemontools run script of stamp-smtpd under tcpserver,
the xinetd files of stamp-smtp and stamp-pop3 under xinetd (in the
foreground, with a configuration of their own), and the systemd units
through systemd-analyze verify when it is there. A message sent with
smtplib through each reaches a Maildir by the real scheduler and stamp-local;
POP3 logs in and sees it. See servicetest.py for the installation."""

import os
import poplib
import shutil
import smtplib
import subprocess

import peers
import stamptest
from servicetest import PASSWORD, Installed, needs_root

# Held by run.py's machine-wide lock (a second run may share the machine).
FIXED = "the system accounts and port 25"

MSG = (b"From: sender@outside.example\r\nTo: alice@stamp.test\r\n"
       b"Subject: through %s\r\n\r\nhello from %s\r\n")


def send_one(port, via):
    c = smtplib.SMTP("127.0.0.1", port, timeout=20)
    stamptest.add_cleanup(c.close)
    code, caps = c.ehlo("client.example")
    assert code == 250, caps
    refused = c.sendmail("sender@outside.example", ["alice@stamp.test"],
                         MSG % (via.encode(), via.encode()))
    assert refused == {}, refused
    c.quit()


def run_script(inst, rel, port, default_port):
    """The rendered run script, on 127.0.0.1:port instead of every address's default_port."""
    text = inst.service(rel)
    old = " 0 %d \\\n" % default_port
    assert text.count(old) == 1, text
    svc = os.path.join(inst.top, "svc", os.path.dirname(rel))
    os.makedirs(svc, exist_ok=True)
    path = os.path.join(svc, "run")
    with open(path, "w") as f:
        f.write(text.replace(old, " 127.0.0.1 %d \\\n" % port))
    os.chmod(path, 0o755)
    return svc, path


def test_smtpd_run_script_under_tcpserver():
    if needs_root():
        return
    inst = Installed()
    inst.start_scheduler()
    port = stamptest.free_port()
    svc, path = run_script(inst, "daemontools/stamp-smtpd/run", port, 25)
    # As supervise runs it: in its folder, by root, stdout to the log service.
    p = stamptest.spawn([path], cwd=svc, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        env=stamptest.no_leak_check())
    stamptest.add_cleanup(p.kill)
    line = p.stdout.readline()
    assert b"tcpserver: status: 0/100" in line, line + p.stdout.read(2000)
    send_one(port, "tcpserver")
    (got,) = inst.wait_delivered(1)
    assert b"hello from tcpserver\n" in got and b"Subject: through tcpserver\n" in got, got
    # The session's lines reach the log service through the script's 2>&1.
    seen = b""
    while b"stamp-smtpd: " not in seen or b"tcpserver: end " not in seen:
        line = p.stdout.readline()
        assert line, seen
        seen += line


def xinetd(inst, rel, port, service):
    """xinetd in the foreground serving the rendered rel on 127.0.0.1:port."""
    text = inst.service(rel)
    assert "{\n" in text and ("service %s\n" % service) in text, text
    text = text.replace("{\n", "{\n\tport\t\t= %d\n\ttype\t\t= UNLISTED\n"
                        "\tbind\t\t= 127.0.0.1\n" % port, 1)
    d = os.path.join(inst.top, "xinetd-" + service)
    os.makedirs(d)
    conf = os.path.join(d, "xinetd.conf")
    with open(conf, "w") as f:
        f.write("defaults\n{\n\tlog_type\t= FILE %s/xinetd.log\n}\n\n" % d + text)
    log = open(os.path.join(d, "stderr"), "ab")
    p = stamptest.spawn(["xinetd", "-dontfork", "-f", conf, "-pidfile",
                         os.path.join(d, "xinetd.pid")],
                        stdout=log, stderr=log, env=stamptest.no_leak_check())
    log.close()
    stamptest.add_cleanup(p.kill)
    peers.wait_port("127.0.0.1", port, timeout=20)
    return p


def test_smtp_and_pop3_under_xinetd():
    if needs_root():
        return
    if shutil.which("xinetd") is None:
        raise AssertionError("xinetd is not installed (etc/deps.sh lists it)")
    inst = Installed()
    inst.start_scheduler()
    sport, pport = stamptest.free_port(), stamptest.free_port()
    xinetd(inst, "xinetd.d/stamp-smtp", sport, "smtp")
    send_one(sport, "xinetd")
    (got,) = inst.wait_delivered(1)
    assert b"hello from xinetd\n" in got, got
    # stamp-checkpw runs a virtual user's session as stampv, who owns mail/
    # in a root installation; here stamp-local delivered as stampd.
    r = stamptest.run(["chown", "-R", "stampv:stampv", os.path.join(inst.home, "mail")])
    assert r.code == 0, r
    xinetd(inst, "xinetd.d/stamp-pop3", pport, "pop3")
    c = poplib.POP3("127.0.0.1", pport, timeout=20)
    stamptest.add_cleanup(c.close)
    c.user("alice")
    assert c.pass_(PASSWORD).startswith(b"+OK")
    count, size = c.stat()
    assert count == 1 and size > len(b"hello from xinetd\r\n"), (count, size)
    _, lines, _ = c.retr(1)
    assert b"hello from xinetd" in lines, lines
    c.quit()
    # A wrong password is refused, and the service goes on.
    c = poplib.POP3("127.0.0.1", pport, timeout=20)
    stamptest.add_cleanup(c.close)
    c.user("alice")
    try:
        c.pass_("wrong")
        raise AssertionError("a wrong password was accepted")
    except poplib.error_proto as e:
        assert str(e).startswith("b'-ERR"), e


def test_systemd_units_verify():
    if shutil.which("systemd-analyze") is None:
        print("    skipped: systemd-analyze is not installed")
        return
    inst = Installed()
    units = os.path.join(inst.share, "systemd")
    for name in sorted(os.listdir(units)):
        r = stamptest.run(["systemd-analyze", "verify", "--man=no",
                           os.path.join(units, name)], timeout=60)
        # Only what is about our unit: the host's own units may have faults of their own.
        ours = [l for l in r.text().splitlines() if name in l]
        assert r.code == 0 and not ours, (name, r)


def exec_start(inst, unit, port, default_port):
    """The unit's ExecStart as words, on loopback port instead of every address's default."""
    line = [l for l in inst.service("systemd/" + unit).splitlines() if l.startswith("ExecStart=")]
    assert len(line) == 1, line
    words = line[0][len("ExecStart="):].split()
    for old, new in (("0.0.0.0:%d" % default_port, "127.0.0.1:%d" % port),
                     ("[::]:%d" % default_port, "[::1]:%d" % port)):
        assert old in words, words
        words[words.index(old)] = new
    return words


def test_systemd_exec_start_lines_serve():
    """What systemd would run, run by hand (as root, as the units say): the
    pre-forking stamp-smtpd on IPv4 and IPv6 loopback, a message through each."""
    if needs_root():
        return
    inst = Installed()
    inst.start_scheduler()
    port = stamptest.free_port()
    words = exec_start(inst, "stamp-smtpd.service", port, 25)
    log = open(os.path.join(inst.top, "smtpd.log"), "ab")
    p = stamptest.spawn(words, stdout=log, stderr=log, env=stamptest.no_leak_check())
    log.close()
    stamptest.add_cleanup(p.terminate)
    peers.wait_port("127.0.0.1", port, timeout=20)
    send_one(port, "systemd")
    try:
        c = smtplib.SMTP("::1", port, timeout=20)
        stamptest.add_cleanup(c.close)
        assert c.sendmail("sender@outside.example", ["alice@stamp.test"],
                          MSG % (b"systemd6", b"systemd6")) == {}
        c.quit()
        want = 2
    except OSError as e:
        print("    no IPv6 loopback here (%s): IPv4 only" % e)
        want = 1
    got = inst.wait_delivered(want)
    assert any(b"hello from systemd\n" in m for m in got), got
    # SIGTERM, as systemctl stop sends it: the server ends within the unit's bound.
    p.terminate()
    assert p.wait(timeout=75) is not None
