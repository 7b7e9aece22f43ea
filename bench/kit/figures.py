"""The figures of bench/run. Each returns one number for one system."""

import importlib.util
import os
import signal
import socket
import subprocess
import time

from . import proc
from .inotify import Watch
from .systems import RCPT, SENDER, as_user, clear_dir, count_files

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
MSG_SIZE = 4096


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


pop3bench = _load("stamp_bench_pop3", os.path.join(BENCH, "pop3.py"))


def drain(sysm, n, timeout):
    """Wait until n messages are in the system's Maildir, then empty it."""
    proc.wait_until(lambda: count_files(sysm.new) >= n, timeout, 0.05,
                    "%d messages in %s" % (n, sysm.new))
    clear_dir(sysm.new)


def smtp_source(port, sessions, n, timeout):
    return subprocess.Popen(["smtp-source", "-l", str(MSG_SIZE), "-m", str(n), "-s", str(sessions),
                             "-M", "client.example", "-f", SENDER, "-t", RCPT,
                             "127.0.0.1:%d" % port],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def _finish(p, timeout):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.stop(p, 2)
        raise
    if p.returncode != 0:
        raise RuntimeError("smtp-source: %s" % out.decode(errors="replace")[-500:])


def acceptance(sysm, sessions, n, timeout):
    """Messages per second that smtp-source gets a 250 for (one connection
    per message, `sessions` at once); the deliveries are then waited for
    (not timed) and the Maildir emptied."""
    clear_dir(sysm.new)
    t0 = time.monotonic()
    p = smtp_source(sysm.smtp, sessions, n, timeout)
    _finish(p, timeout)
    took = time.monotonic() - t0
    drain(sysm, n, timeout)
    return n / took


def end_to_end(sysm, n, sessions, timeout):
    """(seconds from the first connection until n messages are all in the
    Maildir, the server's CPU milliseconds per message over that run: every
    process of the instance, user and system, the ended ones included)."""
    clear_dir(sysm.new)
    root = sysm.root_pid()
    c0 = proc.tree_cpu_seconds(root)
    t0 = time.monotonic()
    p = smtp_source(sysm.smtp, sessions, n, timeout)
    try:
        proc.wait_until(lambda: count_files(sysm.new) >= n, timeout, 0.01, "end to end")
        took = time.monotonic() - t0
        _finish(p, timeout)
    finally:
        proc.stop(p, 2)
    time.sleep(0.5)         # the last agents are reaped, so their time is counted
    cpu = proc.tree_cpu_seconds(root) - c0
    clear_dir(sysm.new)
    return took, 1000 * cpu / n


class SmtpClient:
    def __init__(self, port, timeout=30):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        # The final dot goes in a send of its own: without this, Nagle holds it back until
        # the server's delayed ACK of the body (40 ms), and that would be measured.
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.s.makefile("rb")
        self.reply(b"220")
        self.cmd(b"EHLO client.example", b"250")

    def reply(self, want):
        while True:
            line = self.f.readline(1024)
            if not line.startswith(want):
                raise RuntimeError("SMTP: wanted %r, got %r" % (want, line))
            if line[3:4] != b"-":
                return line

    def cmd(self, c, want):
        self.s.sendall(c + b"\r\n")
        return self.reply(want)

    def close(self):
        try:
            self.cmd(b"QUIT", b"221")
        finally:
            self.s.close()


def message(i):
    head = b"From: <%s>\r\nTo: <%s>\r\nSubject: latency %d\r\nMessage-ID: <%d@client.example>\r\n\r\n" % (
        SENDER.encode(), RCPT.encode(), i, i)
    line = b"x" * 62 + b"\r\n"
    return head + line * ((MSG_SIZE - len(head)) // len(line))


def latency(sysm, n, timeout):
    """Seconds from the end of DATA to the message's file in new/, one
    message at a time: a sorted list of n samples."""
    clear_dir(sysm.new)
    w = Watch(sysm.new)
    c = SmtpClient(sysm.smtp)
    out = []
    try:
        for i in range(n):
            c.cmd(b"MAIL FROM:<%s>" % SENDER.encode(), b"250")
            c.cmd(b"RCPT TO:<%s>" % RCPT.encode(), b"250")
            c.cmd(b"DATA", b"354")
            c.s.sendall(message(i))
            t0 = time.monotonic()
            c.s.sendall(b".\r\n")
            c.reply(b"250")
            end = t0 + timeout
            while not w.wait(max(0.0, end - time.monotonic())):
                if time.monotonic() >= end:
                    raise TimeoutError("latency: message %d not delivered in %.0f s" % (i, timeout))
            out.append(time.monotonic() - t0)
            clear_dir(sysm.new)
        c.close()
    finally:
        w.close()
    return sorted(out)


def percentile(xs, p):
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def pop3_sessions(port, clients, seconds):
    return pop3bench.sessions_per_second(port, clients, seconds)


def pop3_download(port, n):
    took, _ = pop3bench.download(port, n)
    return took


def fsync_ceiling(top, seconds):
    """(with folder fsync, without) loops per second from bench/fsync.py."""
    r = proc.run(["python3", os.path.join(BENCH, "fsync.py"), "--dir", top,
                  "--seconds", str(seconds)], 4 * seconds + 30)
    rates = [float(l.split()[-2]) for l in r.stdout.decode().splitlines() if l.endswith("/s")]
    if r.returncode != 0 or len(rates) != 2:
        raise RuntimeError("fsync.py: %s" % r.stdout.decode(errors="replace"))
    return rates


def smtpd_workers_peak(stamp):
    """Largest VmHWM (KiB) of a stamp-smtpd worker (a child of a listener master) now alive;
    workers serve many sessions, so this is the peak over the sessions they served."""
    procs = proc.descendants(stamp.p.pid)
    masters = {pid for pid, (comm, ppid) in procs.items() if ppid == stamp.p.pid}
    return max([proc.hwm_kib(pid) for pid, (comm, ppid) in procs.items()
                if comm == "stamp-smtpd" and ppid in masters] or [0])


def popd_session_peak(stamp, n):
    """Largest VmHWM (KiB) of any stamp-popd process below the listener
    master (worker or logged-in session) during one download of n messages."""
    with proc.RssSampler(stamp.p.pid, 0.02) as s:
        pop3_download(stamp.pop3, n)
    return max([v for (comm, depth), v in s.peaks.items() if comm == "stamp-popd" and depth >= 2]
               or [0])


def build_tool(top, name, shared=False):
    """Compile bench/tools/NAME.c into top (readable by the bench account); its path."""
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools",
                       name + ".c")
    out = os.path.join(top, name + (".so" if shared else ""))
    args = ["cc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror"]
    args += ["-shared", "-fPIC"] if shared else []
    r = proc.run(args + ["-o", out, src], 120)
    if r.returncode != 0:
        raise RuntimeError("cc %s: %s" % (src, r.stdout))
    os.chmod(out, 0o755)
    return out


def send_peak(stamp, top, n, timeout, budget):
    """Peak RSS (KiB) of stamp-send starting on a queue of n messages (a
    home of its own, filled before it starts by the real stamp-queue, 16 at
    a time from bench/tools/qfill, with fsync made a no-op by
    bench/tools/nosync.so: the figure is memory, and a throw-away queue
    needs no durability), sampled from its ready line (every message
    loaded) for 2 s. Filling stops after `budget` seconds; returns (peak
    KiB, messages queued)."""
    home = os.path.join(stamp.top, "sendmem")     # the bench account owns stamp.top
    u = stamp.user
    r = proc.run([stamp.bin("stamp-setup"), "--home", home], 60, preexec_fn=as_user(u))
    if r.returncode != 0:
        raise RuntimeError("stamp-setup: %s" % r.stdout)
    for name, value in (("locals", "bench.example"), ("me", "mx.bench.example")):
        with open(os.path.join(home, "control", name), "w") as f:
            f.write(value + "\n")
    with open(os.path.join(home, "users"), "w") as f:
        f.write("bench::\n")
    os.chown(os.path.join(home, "users"), u.pw_uid, u.pw_gid)
    mpath, epath = os.path.join(top, "sendmem.m"), os.path.join(top, "sendmem.e")
    with open(mpath, "wb") as f:
        f.write(message(0).replace(b"\r\n", b"\n"))
    with open(epath, "wb") as f:
        f.write(b"F%s\0T%s\0\0" % (SENDER.encode(), RCPT.encode()))
    for path in (mpath, epath):
        os.chmod(path, 0o644)
    qfill, nosync = build_tool(top, "qfill"), build_tool(top, "nosync", shared=True)
    env = dict(os.environ, STAMP_HOME=home)
    r = proc.run([qfill, stamp.bin("stamp-queue"), mpath, epath, str(n), "16", str(budget)],
                 budget + 120, env=dict(env, LD_PRELOAD=nosync), preexec_fn=as_user(u))
    if r.returncode != 0:
        raise RuntimeError("qfill: %s" % r.stdout)
    queued = int(r.stdout.split()[-1])
    rfd, wfd = os.pipe()
    log = open(os.path.join(top, "sendmem.log"), "wb")
    p = subprocess.Popen([stamp.bin("stamp-send"), "--home", home, "--ready-fd", str(wfd)],
                         pass_fds=(wfd,), stdout=log, stderr=log, env=env,
                         preexec_fn=as_user(u), start_new_session=True)
    os.close(wfd)
    peak = 0
    try:
        with os.fdopen(rfd, "rb") as rf:
            rf.readline()
        # stamp-send takes every todo/ and info/ entry into memory before it says ready;
        # then watch it start the deliveries for a moment.
        end = time.monotonic() + 2
        while time.monotonic() < end:
            peak = max(peak, proc.hwm_kib(p.pid))
            time.sleep(0.1)
    finally:
        proc.stop(p, 30)
    return peak, queued
