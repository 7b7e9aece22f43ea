"""The pre-forking listener (common/listen.c) alone, through
build/tests/bin/listen_echo: a session that greets with its pid, uid and
generation, and echoes lines until "quit".

Every wait is on a readiness signal (the ready fd, a greeting, a process
that appears or goes); the only fixed waits are the ones that show that
something does NOT happen (a client over the total limit is not greeted).
"""

import os
import pwd
import re
import select
import signal
import socket
import subprocess
import threading
import time

import stamptest
from test_send import ensure_users, is_root

READY_TIMEOUT = 15
IO_TIMEOUT = 10


def echo_prog():
    p = os.path.join(stamptest.BUILD, "tests", "bin", "listen_echo")
    assert os.access(p, os.X_OK), "%s is not built (make test-bins)" % p
    return p


class Listener:
    """listen_echo on the given addresses, in a fresh home; waits for ready."""

    def __init__(self, addrs=None, controls=None, args=(), wait=True, kills=False):
        self.home = stamptest.Home()
        for k, v in (controls or {}).items():
            self.home.control(k, v)
        self.port = stamptest.free_port()
        self.addrs = addrs or ["127.0.0.1:%d" % self.port]
        rd, wr = os.pipe()
        cmd = [echo_prog(), "--home", self.home.dir, "--ready-fd", str(wr)]
        for a in self.addrs:
            cmd += ["-l", a]
        self.err = open(os.path.join(self.home.top, "stderr"), "w+b")
        # kills: the test sends SIGKILL, which must not cut a leak scan short.
        self.p = stamptest.spawn(cmd + list(args), env=stamptest.no_leak_check() if kills else None,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=self.err, pass_fds=(wr,))
        os.close(wr)
        self.ready = self._read_ready(rd) if wait else None
        os.close(rd)

    def _read_ready(self, rd):
        r, _, _ = select.select([rd], [], [], READY_TIMEOUT)
        data = os.read(rd, 64) if r else b""
        # The listener closes the fd after the one line: EOF follows it.
        if data:
            r, _, _ = select.select([rd], [], [], READY_TIMEOUT)
            assert r and os.read(rd, 64) == b"", "more than one ready line"
        return data

    def stderr(self):
        self.err.flush()
        with open(self.err.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def workers(self):
        return children(self.p.pid)

    def titles(self):
        return sorted(title(pid) for pid in self.workers())

    def wait_idle(self, n, timeout=IO_TIMEOUT):
        stamptest.wait_for(lambda: self.titles().count("listen_echo: idle") == n,
                           timeout, what="%d idle workers (now %r)" % (n, self.titles()))

    def stop(self, sig=signal.SIGTERM, timeout=30):
        self.p.send_signal(sig)
        return self.p.wait(timeout)


def children(ppid):
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == ppid and fields[0] != "Z":
            out.append(int(name))
    return out


def title(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0", 1)[0].decode("utf-8", "replace")
    except OSError:
        return ""


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


class Client:
    def __init__(self, addr, family=socket.AF_INET):
        self.s = socket.socket(family, socket.SOCK_STREAM)
        self.s.settimeout(IO_TIMEOUT)
        self.s.connect(addr)
        stamptest.add_cleanup(self.s.close)
        self.f = self.s.makefile("rb")

    def greeting(self):
        line = self.f.readline().decode()
        m = re.match(r"hello pid=(\d+) uid=(\d+) gid=(\d+) gen=(\d+) peer=(\S+) local=(\S+) prog=(\S+) mode=(\S+)\r\n$",
                     line)
        assert m, line
        self.pid, self.uid, self.gid, self.gen = (int(m.group(i)) for i in range(1, 5))
        self.peer, self.local = m.group(5), m.group(6)
        self.prog, self.mode = m.group(7), m.group(8)
        return self

    def echo(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        got = self.f.readline()
        assert got == ("echo %s\r\n" % text).encode(), got
        return got

    def quit(self):
        self.s.sendall(b"quit\r\n")
        assert self.f.readline() == b""

    def close(self):
        self.f.close()
        self.s.close()


def connect(l, port=None):
    return Client(("127.0.0.1", port or l.port))


def connect_gen(addr, gen):
    """A session from a worker of generation gen: a worker of the old one
    that was already accepting when SIGHUP came may still take one client."""
    def attempt():
        c = Client(addr).greeting()
        if c.gen == gen:
            return c
        c.quit()
        return None
    return stamptest.wait_for(attempt, IO_TIMEOUT, step=0.05, what="a worker of gen %d" % gen)


def has_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


# ---- tests ------------------------------------------------------------------

def test_ready_fd_then_sessions_on_ipv4_with_titles():
    l = Listener(controls={"prefork": "3"})
    assert l.ready == b"ready\n", (l.ready, l.stderr())
    l.wait_idle(3)
    assert title(l.p.pid) == "listen_echo: master", title(l.p.pid)
    c = connect(l).greeting()
    assert c.peer.startswith("127.0.0.1:") and c.local == "127.0.0.1:%d" % l.port, c.peer
    assert c.peer == "127.0.0.1:%d" % c.s.getsockname()[1]
    c.echo("hello there")
    assert title(c.pid) == "listen_echo: session 127.0.0.1", title(c.pid)
    # Nothing else after the title: no arguments, no environment, no stray "."
    # when a title got shorter (idle after master).
    for pid in l.workers() + [l.p.pid]:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            raw = f.read()
        assert raw.rstrip(b"\0") == title(pid).encode(), (pid, raw[:200])
    # The busy worker is replaced so that 3 stay idle.
    l.wait_idle(3)
    c.quit()
    assert l.stop() == 0
    assert "action=exit" in l.stderr()


def test_titles_started_after_getopt_do_not_lose_the_addresses():
    """Titles write over argv: a program that starts them after getopt, with
    its addresses still pointing there, still binds and logs them right."""
    l = Listener(args=["--late-titles", "--name", "late"], controls={"prefork": "1"})
    assert l.ready == b"ready\n", l.stderr()
    assert "action=listen addr=127.0.0.1:%d" % l.port in l.stderr(), l.stderr()
    assert title(l.p.pid) == "late: master", title(l.p.pid)
    c = connect(l).greeting()
    assert title(c.pid) == "late: session 127.0.0.1"
    c.quit()
    l.p.send_signal(signal.SIGHUP)
    stamptest.wait_for(lambda: "action=reload" in l.stderr(), IO_TIMEOUT, what="reload")
    connect_gen(("127.0.0.1", l.port), 1).quit()
    assert l.stop() == 0


def test_stdio_and_tcpserver_variables_for_tcpserver_style_sessions():
    # One worker in all, so that the second session is on the same one.
    l = Listener(args=["--stdio"], controls={"prefork": "1", "concurrencyincoming": "1"})
    os.environ["TCPREMOTEHOST"] = "stale.example"    # inherited: must not reach a session
    stamptest.add_cleanup(os.environ.pop, "TCPREMOTEHOST", None)
    c = connect(l).greeting()
    # peer_from_env in the session saw what the listener set.
    assert c.peer == "127.0.0.1:%d" % c.s.getsockname()[1], c.peer
    assert c.local == "127.0.0.1:%d" % l.port
    c.s.sendall(b"env\r\n")
    assert c.f.readline() == b"env PROTO=TCP TCPREMOTEHOST=-\r\n"
    # After "quit" the worker lets go of fd 0 and 1: the client sees the end.
    c.quit()
    d = connect(l).greeting()
    assert d.pid == c.pid          # the same worker, serving again
    d.echo("second session on the same worker")
    d.quit()
    assert l.stop() == 0


def test_ipv6_loopback_and_two_addresses():
    if not has_ipv6():
        print("    skipped: no IPv6 on this machine")
        return
    port6 = stamptest.free_port()
    l = Listener(addrs=["127.0.0.1:%d" % port6, "[::1]:%d" % port6])
    assert l.ready == b"ready\n", l.stderr()
    c6 = Client(("::1", port6), socket.AF_INET6).greeting()
    assert c6.peer.startswith("::1:") and c6.local == "::1:%d" % port6, (c6.peer, c6.local)
    c6.echo("over six")
    assert title(c6.pid) == "listen_echo: session ::1"
    c4 = connect(l, port6).greeting()
    assert c4.local == "127.0.0.1:%d" % port6
    c4.echo("over four")
    c4.quit()
    c6.quit()
    assert l.stop() == 0


def test_bind_failure_names_the_address():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        l = Listener(addrs=["127.0.0.1:%d" % port])
        assert l.ready == b"", l.ready
        assert l.p.wait(10) == 111
        err = l.stderr()
        assert "action=bind addr=127.0.0.1:%d" % port in err, err
        assert "Address already in use" in err, err
    l = Listener(addrs=["localhost:25"])
    assert l.p.wait(10) == 111 and l.ready == b""
    assert "addr=localhost:25" in l.stderr(), l.stderr()


def test_many_concurrent_clients_all_served():
    n = 60
    l = Listener(controls={"prefork": "4", "concurrencyincoming": "100",
                           "concurrencyperip": "100"})
    errors, pids = [], set()
    lock = threading.Lock()
    go = threading.Barrier(n)

    def one(i):
        try:
            c = connect(l)
            go.wait(IO_TIMEOUT)     # every client holds its session open at once
            c.greeting()
            for k in range(3):
                c.echo("client %d line %d" % (i, k))
            with lock:
                pids.add(c.pid)
            go.wait(IO_TIMEOUT)     # ...until all were served concurrently
            c.quit()
        except Exception as e:
            with lock:
                errors.append("%d: %r" % (i, e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, (errors[:5], l.stderr()[-2000:])
    # All sessions were open together, so each had its own worker.
    assert len(pids) == n, len(pids)
    assert l.stop() == 0


def per_ip_limit(refuse_text):
    args = ["--refuse"] if refuse_text else []
    l = Listener(controls={"prefork": "2", "concurrencyperip": "2"}, args=args)
    a = connect(l).greeting()
    b = connect(l).greeting()
    c = connect(l)
    first = c.f.readline()
    assert first == (b"busy perip\r\n" if refuse_text else b""), first
    assert c.f.readline() == b""
    assert "action=refuse reason=perip ip=127.0.0.1 limit=2" in l.stderr()
    a.echo("still served")
    b.echo("me too")
    # One session ends: there is room again (its worker frees the place
    # right after it closes the connection, so try until it is admitted).
    a.quit()

    def admitted():
        d = connect(l)
        line = d.f.readline()
        if line.startswith(b"hello"):
            return d
        d.close()
        return None
    d = stamptest.wait_for(admitted, IO_TIMEOUT, step=0.05, what="a place after a quit")
    d.echo("in")
    b.quit()
    d.quit()
    assert l.stop() == 0


def test_per_ip_limit_refuses_with_the_protocol_text():
    per_ip_limit(True)


def test_per_ip_limit_closes_without_a_refuse_callback():
    per_ip_limit(False)


def test_total_limit_queues_the_extra_client_until_a_place_frees():
    l = Listener(controls={"prefork": "1", "concurrencyincoming": "2",
                           "concurrencyperip": "10"})
    a = connect(l).greeting()
    b = connect(l).greeting()
    stamptest.wait_for(lambda: len(l.workers()) == 2, IO_TIMEOUT, what="2 workers")
    c = Client(("127.0.0.1", l.port))     # accepted by the kernel, waiting for a worker
    c.s.settimeout(1.5)
    try:
        got = c.s.recv(100)
    except socket.timeout:
        got = None
    assert got is None, got
    assert len(l.workers()) == 2, l.titles()
    a.quit()
    c.s.settimeout(IO_TIMEOUT)
    c.greeting()
    c.echo("finally")
    b.echo("still here")
    assert len(l.workers()) <= 2
    b.quit()
    c.quit()
    assert l.stop() == 0


def test_killed_worker_is_replaced_and_its_place_reclaimed():
    l = Listener(controls={"prefork": "2", "concurrencyperip": "1"}, kills=True)
    a = connect(l).greeting()
    os.kill(a.pid, signal.SIGKILL)
    assert a.f.readline() == b""
    stamptest.wait_for(lambda: "action=worker-died pid=%d signal=9" % a.pid in l.stderr(),
                       IO_TIMEOUT, what="the master to reap the worker")
    # With concurrencyperip 1, the next session from the same address is
    # admitted only if the dead worker's place was given back.
    b = connect(l).greeting()
    assert b.pid != a.pid
    b.echo("service goes on")
    l.wait_idle(2)
    b.quit()
    assert l.stop() == 0


def test_sighup_replaces_workers_after_their_session():
    l = Listener(controls={"prefork": "2"})
    l.wait_idle(2)
    a = connect(l).greeting()
    assert a.gen == 0
    l.wait_idle(2)
    before = set(l.workers())
    l.home.control("prefork", "4")
    l.p.send_signal(signal.SIGHUP)
    stamptest.wait_for(lambda: "action=reload prefork=4" in l.stderr(), IO_TIMEOUT,
                       what="the reload")
    # The idle workers of the old generation go; four new ones wait.
    l.wait_idle(4)
    b = connect_gen(("127.0.0.1", l.port), 1)
    assert b.pid not in before, (b.pid, before)
    # The old session goes on undisturbed, and its worker leaves after it.
    assert alive(a.pid)
    a.echo("old session still served")
    a.quit()
    stamptest.wait_for(lambda: not alive(a.pid), IO_TIMEOUT, what="the old worker to leave")
    assert not (set(l.workers()) & before), (l.workers(), before)
    b.quit()
    assert l.stop() == 0


def test_sighup_with_a_broken_control_file_keeps_the_workers():
    l = Listener(controls={"prefork": "2"})
    l.wait_idle(2)
    before = set(l.workers())
    l.home.control("prefork", "lots")
    l.p.send_signal(signal.SIGHUP)
    stamptest.wait_for(lambda: "old settings kept" in l.stderr(), IO_TIMEOUT, what="refusal")
    assert set(l.workers()) == before
    c = connect(l).greeting()
    assert c.gen == 0
    c.quit()
    assert l.stop() == 0


def test_sigterm_stops_accepting_and_lets_the_session_finish():
    l = Listener(args=["--grace", "20"])
    a = connect(l).greeting()
    t0 = time.monotonic()
    l.p.send_signal(signal.SIGTERM)

    def refused():
        try:
            s = socket.create_connection(("127.0.0.1", l.port), 1)
        except (ConnectionRefusedError, ConnectionResetError):   # reset: queued as it closed
            return True
        s.close()
        return False
    stamptest.wait_for(refused, IO_TIMEOUT, what="the listening socket to close")
    a.echo("finishing my session")
    a.quit()
    assert l.p.wait(IO_TIMEOUT) == 0
    assert time.monotonic() - t0 < 10
    assert "action=exit" in l.stderr()


def test_sigterm_kills_a_session_that_outlasts_the_grace():
    l = Listener(args=["--grace", "2"], kills=True)
    a = connect(l).greeting()
    a.echo("I will never quit")
    t0 = time.monotonic()
    l.p.send_signal(signal.SIGTERM)
    assert l.p.wait(15) == 0
    took = time.monotonic() - t0
    assert 1.5 < took < 8, took
    assert a.f.readline() == b""
    assert not alive(a.pid)
    err = l.stderr()
    assert "action=kill pid=%d" % a.pid in err, err


def test_master_killed_takes_the_workers_along():
    l = Listener(controls={"prefork": "2"}, kills=True)
    l.wait_idle(2)
    pids = l.workers()
    l.p.kill()
    l.p.wait(10)
    stamptest.wait_for(lambda: not any(alive(p) for p in pids), IO_TIMEOUT,
                       what="the orphaned workers to exit")


def test_drops_to_the_user_when_root():
    if not is_root():
        print("    skipped: needs root")
        return
    ensure_users()
    pw = pwd.getpwnam("stampd")
    l = Listener(args=["--user", "stampd"])
    assert l.ready == b"ready\n", l.stderr()
    c = connect(l).greeting()
    assert (c.uid, c.gid) == (pw.pw_uid, pw.pw_gid), (c.uid, c.gid)
    for pid in [l.p.pid] + l.workers():
        with open("/proc/%d/status" % pid) as f:
            st = f.read()
        uids = re.search(r"^Uid:\s+(.*)$", st, re.M).group(1).split()
        assert uids == [str(pw.pw_uid)] * 4, (pid, uids)
    c.quit()
    assert l.stop() == 0


def test_no_such_user_fails_before_ready():
    if not is_root():
        print("    skipped: needs root")
        return
    l = Listener(args=["--user", "no-such-stamp-user"])
    assert l.ready == b""
    assert l.p.wait(10) == 111
    assert "no such user" in l.stderr(), l.stderr()
