"""probelib: what every hostile-client probe shares.

A probe is a function probe_NAME() in a probes_*.py file here. It starts the
real servers through the integration helpers (stamptest, smtpdtest,
pop3env), attacks them, and raises Unsafe (an AssertionError) with the
reason when the server did something unsafe. run.py prints `SAFE NAME` or
`UNSAFE NAME: why` for each.
"""

import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
INTEG = os.path.normpath(os.path.join(HERE, "..", "integration"))
if INTEG not in sys.path:
    sys.path.insert(0, INTEG)

import stamptest  # noqa: E402
from smtpdtest import Smtpd  # noqa: E402
from pop3env import Pop3  # noqa: E402

# Both ways stamp-smtpd runs: one session under tcpserver, or its own listener.
MODES = ("tcpserver", "listen")


class Unsafe(AssertionError):
    pass


def require(cond, why):
    """Unless cond holds, the probe found the server unsafe."""
    if not cond:
        raise Unsafe(why)


def smtpd(mode="tcpserver", controls=None, **kw):
    """stamp-smtpd in a fresh home (virtual users alice and bob at example.org)."""
    ctl = {"timeoutsmtpd": "10"}
    ctl.update(controls or {})
    return Smtpd(controls=ctl, listen=(mode == "listen"), **kw)


class Conn:
    """A raw client socket that reads CRLF lines as bytes."""

    def __init__(self, port, addr="127.0.0.1", source=None, timeout=15):
        self.s = socket.create_connection((addr, port), timeout=timeout,
                                          source_address=(source, 0) if source else None)
        self.buf = b""
        stamptest.add_cleanup(self.close)

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        """One line without its CRLF; None when the server closed first."""
        while b"\r\n" not in self.buf:
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                raise Unsafe("no answer within %ss (a hang); had %r"
                             % (self.s.gettimeout(), self.buf[:200]))
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        """One whole SMTP reply: its last line (bytes); None when closed."""
        while True:
            line = self.line()
            if line is None or line[3:4] != b"-":
                return line

    def replies(self, n):
        out = []
        for _ in range(n):
            r = self.reply()
            if r is None:
                break
            out.append(r)
        return out

    def codes(self, n):
        return [r[:3].decode("ascii", "replace") for r in self.replies(n)]

    def rest(self, limit=1 << 24):
        """Everything until the server closes (bounded)."""
        out = self.buf
        self.buf = b""
        while len(out) < limit:
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                raise Unsafe("the server did not close within %ss" % self.s.gettimeout())
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out

    def closed_within(self, seconds):
        """True when the server closes (EOF or reset) within seconds; data before it is dropped."""
        self.s.settimeout(seconds)
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                if not self.s.recv(65536):
                    return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        return False

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def smtp_greeted(port, **kw):
    c = Conn(port, **kw)
    g = c.reply()
    require(g is not None and g.startswith(b"220 "), "no greeting: %r" % g)
    return c


def queued(s):
    """The messages in s's queue (stamp-smtpd said 250): a list of bytes."""
    out = []
    for rel in s.home.queue_files("mess"):
        with open(s.home.path("queue", rel), "rb") as f:
            out.append(f.read())
    return out


def envelopes(s):
    out = []
    for rel in s.home.queue_files("todo"):
        with open(s.home.path("queue", rel), "rb") as f:
            out.append(stamptest.parse_envelope(f.read()))
    return out


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def descendants(pid):
    out = []
    todo = [pid]
    while todo:
        p = todo.pop()
        for c in children(p):
            out.append(c)
            todo.append(c)
    return out


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def status_field(pid, field):
    """A /proc/PID/status field (kB values as int kB; Uid: the real uid); None when gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    v = line.split()[1]
                    return int(v)
    except (OSError, ValueError):
        return None
    return None


def session_pids(s, name="stamp-smtpd"):
    """PIDs of the running processes called name below the server of s."""
    return [p for p in descendants(s.proc.pid) if comm(p).startswith(name)]


def wait_session_pid(s, before=(), name="stamp-smtpd"):
    """The PID of a session process that was not in before."""
    def new():
        got = [p for p in session_pids(s, name) if p not in before]
        return got[0] if got else None
    return stamptest.wait_for(new, 10, what="a new %s session process" % name)
