"""smtpdtest: a stamp-smtpd on a loopback port in front of a home whose
scheduler delivers with the real stamp-local (test_local.Local), for the
test_smtpd*.py files."""

import os
import pwd
import re
import socket
import ssl
import subprocess
import threading

import stamptest
from test_local import Local

MSG = (b"From: sender@outside.example\r\nTo: alice@example.org\r\nSubject: smtpd test\r\n"
       b"Message-ID: <1@outside.example>\r\n\r\nline one\r\n.leading dot\r\n\r\nlast line\r\n")

CHECKPW = """#!/usr/bin/python3
import os, sys
data = b""
while True:
    chunk = os.read(3, 4096)
    if not chunk:
        break
    data += chunk
parts = data.split(b"\\0")
if len(parts) < 3 or sys.argv[1:] != ["/bin/true"]:
    sys.exit(2)
if parts[0] == b"temp":
    sys.exit(111)
sys.exit(0 if parts[:2] == [b"alice", b"secret"] else 1)
"""


class Smtpd:
    """A home (virtual user alice), a scheduler, and stamp-smtpd under
    tcpserver (default) or its own listener (listen=True). wrap: a command
    put in front of each stamp-smtpd (prlimit ... --), for the fault tests."""

    def __init__(self, controls=None, tls=False, rules=None, listen=False, submission=False,
                 users="alice:x:\nbob:x:\n", wrap=()):
        ctl = {"rcpthosts": "example.org", "databytes": "100000"}
        ctl.update(controls or {})
        self.t = Local(users=users, controls=ctl)
        self.home = self.t.home
        self.port = stamptest.free_port()
        self.log = []
        self.ready = threading.Event()
        self.checkpw = os.path.join(self.home.top, "checkpw")
        with open(self.checkpw, "w") as f:
            f.write(CHECKPW)
        os.chmod(self.checkpw, 0o755)
        if tls:
            self.make_cert()
        env = {"STAMPCHECKPW": self.checkpw}
        smtpd = list(wrap) + [stamptest.bin_path("stamp-smtpd"), "--home", self.home.dir]
        if submission:
            smtpd.append("--submission")
        if listen:
            rfd, wfd = os.pipe()
            args = self.t.prefix + smtpd + ["-l", "127.0.0.1:%d" % self.port,
                                             "--ready-fd", str(wfd)]
            self.proc = stamptest.spawn(args, env=env, pass_fds=(wfd,), stderr=subprocess.PIPE)
            os.close(wfd)
            threading.Thread(target=self._drain, daemon=True).start()
            with os.fdopen(rfd, "rb") as r:
                assert r.readline() == b"ready\n", self.logtext()
            return
        args = ["tcpserver", "-v", "-R", "-H", "-l", "0"]
        if rules is not None:
            args += ["-x", self.make_rules(rules)]
        args += ["127.0.0.1", str(self.port)] + smtpd
        self.proc = stamptest.spawn(self.t.prefix + args, env=env, stderr=subprocess.PIPE)
        threading.Thread(target=self._drain, daemon=True).start()
        assert self.ready.wait(10), self.logtext()

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line.decode("utf-8", "replace"))
            if "status:" in self.log[-1]:
                self.ready.set()

    def logtext(self):
        return "".join(self.log)

    def session_pid(self, cport, start=0):
        """The pid of the stamp-smtpd serving our client port cport (tcpserver
        names it), from the log lines after the first start of them (client
        ports come round again)."""
        pat = re.compile(r"tcpserver: ok (\d+) \S+ \S*:127\.0\.0\.1:\S*:%d\n" % cport)
        m = stamptest.wait_for(lambda: pat.search("".join(self.log[start:])), 10,
                               what="tcpserver's ok line")
        return int(m.group(1))

    def own(self, path):
        if self.t.as_user:
            u = pwd.getpwnam("stamptest")
            os.chown(path, u.pw_uid, u.pw_gid)

    def make_cert(self):
        self.cert = os.path.join(self.home.top, "cert.pem")
        self.key = os.path.join(self.home.top, "key.pem")
        r = stamptest.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                           "-keyout", self.key, "-out", self.cert, "-days", "2",
                           "-subj", "/CN=mx.example.org"])
        assert r.code == 0, r
        for p in (self.cert, self.key):
            self.own(p)
        self.home.control("tlscert", self.cert)
        self.home.control("tlskey", self.key)

    def make_rules(self, rules):
        src = os.path.join(self.home.top, "rules.txt")
        cdb = os.path.join(self.home.top, "rules.cdb")
        with open(src, "w") as f:
            f.write(rules)
        r = stamptest.run(["tcprules", cdb, cdb + ".tmp"], input=rules.encode())
        assert r.code == 0, r
        os.chmod(cdb, 0o644)
        return cdb

    def maildir(self, user="alice"):
        return self.t.maildir(self.home.path("mail", user, "Maildir"))

    def deliver(self, n, user="alice", timeout=30):
        """Start the scheduler, wait for n messages in user's Maildir; their contents."""
        if self.t.proc is None:
            self.t.start()
        stamptest.wait_for(lambda: len(self.maildir(user)) >= n, timeout,
                           what="%d messages for %s; log: %s" % (n, user, self.t.logtext()[-2000:]))
        return [data for _, data in self.maildir(user)]

    def stop(self):
        self.t.stop()


def lf(data):
    return data.replace(b"\r\n", b"\n")


def check_delivered(data, msg, sender="sender@outside.example", rcpt="alice@example.org",
                    proto=b"ESMTP"):
    """A delivered message: stamp's trace lines, then msg byte for byte (LF line ends)."""
    m = re.match(rb"Return-Path: <([^>]*)>\nDelivered-To: ([^\n]*)\n"
                 rb"Received: \(stamp-queue [^\n]*\n"
                 rb"Received: from [^\n]*\n\tby mx\.example\.org \(stamp-smtpd\) with ([A-Z0-9]+)[^\n]*\n"
                 rb"(\tfor <[^>]*>;\n)?\t[^\n]*\n", data)
    assert m, data[:600]
    assert m.group(1).decode("utf-8") == sender, data[:300]
    assert m.group(2).decode().lower() == rcpt.lower(), data[:300]
    assert m.group(3) == proto, data[:300]
    assert data[m.end():] == lf(msg), (data[m.end():], lf(msg))


class Raw:
    """A plain socket to the server, line by line, for what clients won't send."""

    def __init__(self, port, timeout=20):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def reply(self):
        """One whole reply (all its lines); returns the last line."""
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    raise AssertionError("connection closed; had %r" % self.buf)
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            if line[3:4] != b"-":
                return line.decode("utf-8", "replace")

    def codes(self, n):
        return [self.reply()[:3] for _ in range(n)]

    def starttls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.s = ctx.wrap_socket(self.s, server_hostname="mx.example.org")

    def close(self):
        self.s.close()
