"""Shared pieces of the policy and DNSBL tests: the test-only helper
programs, fake policy services, and real postgrey and dnsmasq instances on
free loopback ports."""

import os
import pwd
import grp
import shutil
import socket
import socketserver
import struct
import subprocess
import tempfile
import threading
import time

import stamptest


def helper(name):
    """BUILD/tests/bin/NAME, a test-only program."""
    p = os.path.join(stamptest.BUILD, "tests", "bin", name)
    if not os.access(p, os.X_OK):
        raise AssertionError("%s is not built (%s)" % (name, p))
    return p


def home():
    """A bare home with a control folder (the modules read only controls)."""
    top = tempfile.mkdtemp(prefix="stamppolicy.")
    stamptest.add_cleanup(shutil.rmtree, top, True)
    os.mkdir(os.path.join(top, "control"))
    return top


def control(h, name, text):
    with open(os.path.join(h, "control", name), "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")


def ask(h, *attrs, times=1, timeout=30):
    """policy_ask in home h; a list of (verdict, reply, [prepends]) and the Result."""
    r = stamptest.run([helper("policy_ask"), "-r", str(times)] + list(attrs),
                      home=h, timeout=timeout)
    out = []
    for line in r.text().splitlines():
        if line.startswith("verdict="):
            v, _, reply = line[len("verdict="):].partition(" reply=")
            out.append((v, reply, []))
        elif line.startswith("prepend="):
            out[-1][2].append(line[len("prepend="):])
    assert len(out) == times, r
    return out, r


def read_request(conn, limit=65536):
    """Bytes of one request up to its empty line, or what came before EOF."""
    data = b""
    while not data.endswith(b"\n\n") and len(data) < limit:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def parse_request(data):
    attrs = {}
    for line in data.decode("utf-8", "replace").split("\n"):
        if line:
            k, _, v = line.partition("=")
            attrs[k] = v
    return attrs


class FakeService:
    """A policy service on loopback TCP or a UNIX socket. answer(attrs) gives
    the bytes to send (None: stay silent until the client goes). Every
    request it saw is in .requests (dicts) and .raw (bytes)."""

    def __init__(self, answer, unix_path=None):
        self.answer = answer
        self.requests = []
        self.raw = []
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(20)
                try:
                    data = read_request(self.request)
                    outer.raw.append(data)
                    attrs = parse_request(data)
                    outer.requests.append(attrs)
                    out = outer.answer(attrs)
                    if out is None:
                        self.request.recv(1)      # until the client gives up
                        return
                    self.request.sendall(out)
                    # keep the connection open, as a real service does
                    self.request.recv(1)
                except OSError:
                    pass

        if unix_path:
            cls = type("S", (socketserver.ThreadingMixIn, socketserver.UnixStreamServer), {})
            self.server = cls(unix_path, Handler)
            self.spec = "unix:" + unix_path
        else:
            cls = type("S", (socketserver.ThreadingMixIn, socketserver.TCPServer), {})
            cls.allow_reuse_address = True
            self.server = cls(("127.0.0.1", 0), Handler)
            self.spec = "inet:127.0.0.1:%d" % self.server.server_address[1]
        self.server.daemon_threads = True
        t = threading.Thread(target=self.server.serve_forever, daemon=True)
        t.start()
        stamptest.add_cleanup(self.stop)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def action(text):
    """An answer function that always says action=TEXT."""
    return lambda attrs: ("action=%s\n\n" % text).encode()


# ---- postgrey -----------------------------------------------------------------

def _can_connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def start_postgrey(delay):
    """A private postgrey on a free port, greylisting for delay seconds; its port."""
    if shutil.which("postgrey") is None:
        raise AssertionError("postgrey is not installed (etc/deps.sh)")
    db = tempfile.mkdtemp(prefix="postgrey.")
    stamptest.add_cleanup(shutil.rmtree, db, True)
    if os.geteuid() == 0:
        user, group = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
        os.chown(db, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
    else:
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
    port = stamptest.free_port()
    p = stamptest.spawn(["postgrey", "--inet=127.0.0.1:%d" % port, "--dbdir=" + db,
                         "--delay=%d" % delay, "--user=" + user, "--group=" + group,
                         "--auto-whitelist-clients=0", "--hostname=postgrey.test",
                         "--whitelist-clients=/dev/null", "--whitelist-recipients=/dev/null"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stamptest.wait_for(lambda: p.poll() is not None or _can_connect(port), 30,
                       what="postgrey to listen")
    assert p.poll() is None, p.stderr.read()
    return port


# ---- dnsmasq ------------------------------------------------------------------

def _dns_query(port, name, qtype=1):
    """One UDP query to 127.0.0.1:port; the rcode, or None without an answer."""
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        try:
            s.sendto(q, ("127.0.0.1", port))
            data = s.recv(4096)
        except OSError:
            return None
    return data[3] & 0xf if len(data) >= 12 and data[:2] == q[:2] else None


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dnsmasq(zone, listed):
    """A private dnsmasq answering for zone only: listed maps reversed names
    (under zone) to (A address, TXT text or None); everything else in zone is
    NXDOMAIN. Its port."""
    if shutil.which("dnsmasq") is None:
        raise AssertionError("dnsmasq is not installed (etc/deps.sh)")
    port = free_udp_port()
    args = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=%d" % port,
            "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
            "--no-negcache", "--local=/%s/" % zone, "--pid-file="]
    if os.geteuid() == 0:
        args.append("--user=nobody")
    for rev, (addr, txt) in listed.items():
        name = "%s.%s" % (rev, zone)
        args.append("--address=/%s/%s" % (name, addr))
        if txt is not None:
            args.append("--txt-record=%s,%s" % (name, txt))
    p = stamptest.spawn(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stamptest.wait_for(lambda: p.poll() is not None or
                       _dns_query(port, "probe." + zone) is not None, 30,
                       what="dnsmasq to answer")
    assert p.poll() is None, p.stderr.read()
    return port


# ---- the real stamp-smtpd under tcpserver --------------------------------------

class Smtpd:
    """stamp-smtpd under tcpserver on 127.0.0.1 and 127.0.0.2 (all of
    127/8 is loopback, so a test picks the client address by its source
    address). alice@example.org is a local (virtual) user."""

    def __init__(self, controls):
        if shutil.which("tcpserver") is None:
            raise AssertionError("tcpserver is not installed (ucspi-tcp, etc/deps.sh)")
        self.home = stamptest.Home()
        self.home.control("me", "mx.example.org")
        self.home.control("locals", "example.org")
        with open(self.home.path("users"), "w") as f:
            f.write("alice:x:\n")
        for name, value in controls.items():
            control(self.home.dir, name, value)
        self.port = stamptest.free_port()
        # 0.0.0.0 would reach outside loopback; 127.0.0.1 with clients bound
        # to 127.0.0.x still arrives from 127.0.0.x.
        self.proc = stamptest.spawn(
            ["tcpserver", "-R", "-H", "-l", "mx.example.org", "127.0.0.1", str(self.port),
             stamptest.bin_path("stamp-smtpd")],
            home=self.home.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stamptest.wait_for(lambda: self.proc.poll() is not None or _can_connect(self.port),
                           30, what="tcpserver to listen")
        assert self.proc.poll() is None, self.proc.stderr.read()

    def client(self, source="127.0.0.1"):
        import smtplib
        c = smtplib.SMTP(timeout=30, source_address=(source, 0))
        code, banner = c.connect("127.0.0.1", self.port)
        assert code == 220, banner
        stamptest.add_cleanup(c.close)
        return c

    def messages(self):
        """The contents of every message in the queue."""
        out = []
        for rel in self.home.queue_files("mess"):
            with open(self.home.path("queue", rel), "rb") as f:
                out.append(f.read())
        return out
