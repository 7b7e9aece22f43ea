"""A POP3 test bed: a home with the stamp users, virtual users made by the
real stamp-user, mail delivered by the real scheduler and stamp-local, and
stamp-popd served by the real tcpserver (or its own -l listener)."""

import os
import poplib
import socket
import subprocess
import time

import stamptest
from test_local import Local
from test_send import is_root


def wire(data):
    """What a POP3 client should receive for a stored (LF) message."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


class Pop3:
    def __init__(self, users=("alice",), password="pw-%s", controls=None):
        self.t = Local(privileged=True, controls=controls)
        self.home = self.t.home
        self.passwords = {}
        for u in users:
            self.passwords[u] = password % u
            r = self.home.run("stamp-user", "add", u, input=(self.passwords[u] + "\n").encode())
            assert r.code == 0, r
        self.log = os.path.join(self.home.top, "popd.log")
        self.procs = []

    def maildir(self, user="alice"):
        return self.home.path("mail", user, "Maildir")

    def deliver(self, msgs, user="alice"):
        """Queue and deliver each message; returns the stored files' contents in order."""
        for m in msgs:
            self.t.queue(["%s@example.org" % user], msg=m)
        if self.t.proc is None:
            self.t.start()
        self.t.wait_empty()
        stored = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir(user), sub)
            for n in os.listdir(d):
                with open(os.path.join(d, n), "rb") as f:
                    stored.append((n, f.read()))
        stored.sort(key=lambda x: (int(x[0].split(".")[0]), int(x[0].split(".")[1][1:].split("P")[0])))
        return [data for _, data in stored]

    def serve(self, addr="127.0.0.1", env=None, listener=False):
        """Start stamp-popd on a free port; returns the port once it accepts."""
        port = stamptest.free_port()
        logf = open(self.log, "ab")
        e = dict(env or {})
        e.update(stamptest.no_leak_check())
        if listener:
            args = [stamptest.bin_path("stamp-popd"), "--home", self.home.dir,
                    "-l", "%s:%d" % (addr, port)]
        else:
            args = ["tcpserver", "-R", "-H", "-l", "localhost", addr, str(port),
                    stamptest.bin_path("stamp-popd")]
        p = stamptest.spawn(args, home=self.home.dir, env=e, stdout=logf, stderr=logf)
        logf.close()
        self.procs.append(p)

        def accepts():
            try:
                with socket.create_connection((addr, port), timeout=1) as s:
                    s.settimeout(5)
                    return s.recv(100).startswith(b"+OK")
            except OSError:
                return False
        stamptest.wait_for(accepts, 10, what="stamp-popd accepting on %s:%d" % (addr, port))
        return port

    def logtext(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def client(self, port, addr="127.0.0.1", user="alice", login=True):
        c = poplib.POP3(addr, port, timeout=20)
        if login:
            c.user(user)
            c.pass_(self.passwords.get(user, "x"))
        return c


def raw_session(addr, port, lines, timeout=20):
    """Send lines (bytes, CRLF added) at once, close our side, and read until the server closes."""
    s = socket.create_connection((addr, port), timeout=timeout)
    s.sendall(b"".join(l + b"\r\n" for l in lines))
    s.shutdown(socket.SHUT_WR)      # the client goes away: EOF after the last line
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return out
