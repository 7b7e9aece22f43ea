"""remotetest: what the stamp-remote tests share.

- Dns: a private dnsmasq on a free loopback port, authoritative for .test,
  with the records a test gives; started, awaited (by querying it) and
  stopped by the test.
- FakeMX: tests/integration/fakemx.py (aiosmtpd, under /usr/bin/python3) on
  one address and port, saving what it receives.
- RawServer: a few lines of scripted SMTP in a thread, for the servers no
  real one plays (a 4xx greeting, a dropped connection, a broken TLS).
- Stamp: a home (owned as make install would as root), stamp-send from the
  build with stamp-remote beside it, control files pointing at the Dns.
"""

import base64
import glob
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

import stamptest

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"   # Debian's python, where python3-aiosmtpd lives


def read_text(path):
    """A log file's text, "" while it does not exist."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def stop_process(p, sig=signal.SIGTERM):
    """Ask p to stop with sig, kill it after 5 s."""
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()


def is_root():
    return os.geteuid() == 0


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_both():
    """A port free for both UDP and TCP on 127.0.0.1 (dnsmasq takes both)."""
    for _ in range(50):
        p = stamptest.free_port()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
    raise AssertionError("no free port")


def dns_query_packet(name, qtype=1):
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return qid, q + b"\0" + struct.pack(">HH", qtype, 1)


class Dns:
    """dnsmasq answering for the given lines of its configuration, e.g.
    "mx-host=ex.test,mx1.ex.test,10", "host-record=mx1.ex.test,127.0.0.2"."""

    def __init__(self, lines, top):
        self.port = free_port_both()
        self.dir = os.path.join(top, "dns")
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "dnsmasq.conf")
        self.log = os.path.join(self.dir, "dnsmasq.log")
        with open(self.conf, "w") as f:
            f.write("local=/test/\n")          # authoritative: NXDOMAIN for unknown .test names
            f.write("\n".join(lines) + "\n")
        args = ["dnsmasq", "--no-daemon", "--port=%d" % self.port,
                "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv",
                "--no-hosts", "--conf-file=" + self.conf, "--pid-file=",
                "--log-queries", "--log-facility=" + self.log]
        if is_root():
            args.append("--user=root")    # its log file is ours
        self.proc = stamptest.spawn(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stamptest.add_cleanup(self.stop)
        self.wait_ready()

    def answers(self):
        qid, q = dns_query_packet("ready-probe.test")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(q, ("127.0.0.1", self.port))
                data = s.recv(4096)
            except OSError:
                return False
        return len(data) >= 12 and struct.unpack(">H", data[:2])[0] == qid

    def wait_ready(self):
        end = time.monotonic() + 10
        while not self.answers():
            if self.proc.poll() is not None:
                raise AssertionError("dnsmasq exited: %r" % self.proc.stderr.read())
            if time.monotonic() > end:
                raise AssertionError("dnsmasq does not answer")
            time.sleep(0.05)

    def server(self):
        return "127.0.0.1:%d" % self.port

    def logtext(self):
        return read_text(self.log)

    def stop(self):
        stop_process(self.proc)


class FakeMX:
    """fakemx.py on host:port; .messages() are what it accepted."""

    def __init__(self, top, host, port=25, name=None, args=()):
        if port < 1024:
            stamptest.hold_fixed()      # host:25 is one per machine, not per run
        self.host, self.port = host, port
        self.dir = os.path.join(top, "mx-%s-%d" % (host, port))
        os.makedirs(self.dir)
        cmd = [PY, os.path.join(HERE, "fakemx.py"), "--listen", "%s:%d" % (host, port),
               "--dir", self.dir, "--name", name or "fake-%s" % host] + list(args)
        self.proc = stamptest.spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stamptest.add_cleanup(self.stop)
        line = self.proc.stdout.readline()
        if line != b"ready\n":
            self.proc.kill()
            raise AssertionError("fakemx on %s:%d did not start: %r %r" % (
                host, port, line, self.proc.stderr.read()[-2000:]))

    def messages(self):
        out = []
        for p in sorted(glob.glob(os.path.join(self.dir, "msg-*.json")),
                        key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0])):
            with open(p) as f:
                m = json.load(f)
            m["data"] = base64.b64decode(m["data"])
            out.append(m)
        return out

    def sessions(self):
        try:
            with open(os.path.join(self.dir, "sessions.log")) as f:
                return [l for l in f.read().split("\n") if l.startswith("open")]
        except FileNotFoundError:
            return []

    def max_concurrent(self):
        try:
            with open(os.path.join(self.dir, "max-concurrent")) as f:
                return int(f.read())
        except FileNotFoundError:
            return 0

    def stop(self):
        stop_process(self.proc, signal.SIGINT)


class RawServer:
    """A listening socket whose connections a function serves, in a thread.
    serve(conn, n) gets the socket and the connection's number (0, 1, ...)."""

    def __init__(self, host, port, serve):
        if port < 1024:
            stamptest.hold_fixed()      # host:25 is one per machine, not per run
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.serve = serve
        self.count = 0
        self.stopping = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()
        stamptest.add_cleanup(self.stop)

    def loop(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            n = self.count
            self.count += 1
            c.settimeout(10)
            try:
                self.serve(c, n)
            except OSError:
                pass
            finally:
                c.close()

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        self.sock.close()


def read_line(c):
    buf = b""
    while not buf.endswith(b"\n"):
        b = c.recv(1)
        if not b:
            break
        buf += b
    return buf


def plain_smtp(c, ehlo_lines=("PIPELINING",), store=None):
    """Serve one plain SMTP session after the greeting was sent: everything
    accepted; the data (unstuffed, CRLF) goes to store (a list) if given."""
    while True:
        line = read_line(c)
        if not line:
            return
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            if verb == b"EHLO" and ehlo_lines:
                c.sendall(b"250-raw.test\r\n" + b"".join(
                    ("250-%s\r\n" % e).encode() for e in ehlo_lines[:-1]) +
                    ("250 %s\r\n" % ehlo_lines[-1]).encode())
            else:
                c.sendall(b"250 raw.test\r\n")
        elif verb == b"DATA":
            c.sendall(b"354 go\r\n")
            data = b""
            while True:
                l = read_line(c)
                if l in (b".\r\n", b""):
                    break
                data += l[1:] if l.startswith(b".") else l
            if store is not None:
                store.append(data)
            c.sendall(b"250 2.0.0 raw ok\r\n")
        elif verb == b"QUIT":
            c.sendall(b"221 bye\r\n")
            return
        else:
            c.sendall(b"250 ok\r\n")


def self_signed(top, name):
    """A self-signed certificate and key for name; (cert, key) paths."""
    cert = os.path.join(top, "cert.pem")
    key = os.path.join(top, "key.pem")
    r = stamptest.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                       "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=" + name,
                       "-addext", "subjectAltName=DNS:" + name])
    assert r.code == 0, r
    os.chmod(key, 0o644)
    return cert, key


def ensure_users():
    stamptest.hold_fixed()              # two runs must not both add the accounts
    top = os.path.join(HERE, "..", "..")
    r = stamptest.run(["sh", os.path.join(top, "etc", "install.sh"), "--users-only",
                       "--home", "/nonexistent"])
    assert r.code == 0, r


class Stamp:
    """A home and the real scheduler, delivering remote mail with stamp-remote."""

    def __init__(self, dns_server=None, controls=None):
        if is_root():
            ensure_users()
        self.home = stamptest.Home(setup=False)
        os.chmod(self.home.top, 0o755)
        args = [stamptest.bin_path("stamp-setup"), "--home", self.home.dir]
        if is_root():
            args.append("--owners")
        r = stamptest.run(args)
        assert r.code == 0, r
        c = {"me": "stamp.test", "locals": "stamp.test", "retrymin": 1, "retrymax": 2,
             "timeoutconnect": 5, "timeoutremote": 20, "timeoutdns": 2}
        if dns_server:
            c["nameservers"] = dns_server
        c.update(controls or {})
        for k, v in c.items():
            self.home.control(k, v)
        self.proc = None
        self.log = os.path.join(self.home.top, "send.log")

    def queue(self, rcpts, sender="sender@bounce.test", msg=b"Subject: hi\n\nhello\n"):
        r = self.home.queue(msg, sender, rcpts)
        assert r.code == 0, r
        return r

    def start(self):
        rfd, wfd = os.pipe()
        logf = open(self.log, "ab")
        self.proc = stamptest.spawn(
            [stamptest.bin_path("stamp-send"), "--home", self.home.dir, "--ready-fd", str(wfd)],
            pass_fds=(wfd,), stdout=logf, stderr=logf, env=stamptest.no_leak_check())
        logf.close()
        os.close(wfd)
        with os.fdopen(rfd, "rb") as r:
            line = r.readline()
        assert line == b"ready\n", "stamp-send did not start: %s" % self.logtext()
        stamptest.add_cleanup(self.stop)

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
        self.proc = None

    def logtext(self):
        return read_text(self.log)

    def queue_empty(self):
        return not self.home.queue_files("mess", "todo", "info", "done", "intd")

    def wait_empty(self, timeout=40):
        try:
            stamptest.wait_for(self.queue_empty, timeout, what="an empty queue")
        except AssertionError:
            raise AssertionError("queue not empty: %s\nlog:\n%s" % (
                self.home.queue_files(), self.logtext()[-6000:]))

    def wait_log(self, text, timeout=40, count=1):
        try:
            stamptest.wait_for(lambda: self.logtext().count(text) >= count, timeout,
                               what=repr(text))
        except AssertionError:
            raise AssertionError("no %r in the log:\n%s" % (text, self.logtext()[-6000:]))


def unstuffed_lf(data):
    """What an SMTP server received, back in the queue's LF form."""
    return data.replace(b"\r\n", b"\n")


def needs_root(what):
    if not is_root():
        print("    skipped: needs root (%s)" % what)
        return True
    return False
