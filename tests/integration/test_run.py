"""stamp-run: makes a missing home, starts the scheduler and the listeners,
says ready, relays SIGHUP, stops cleanly on SIGTERM, and stops everything
when one of its programs dies.

The listener tests run stamp-run from a bin folder of its own in which
stamp-smtpd and stamp-popd are build/tests/bin/listen_echo (it takes the
same -l ADDR:PORT, --ready-fd N and --submission options), so that they
show what stamp-run starts, with which arguments, before and without the
real servers.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import stamptest
from test_send import ensure_users, is_root
from test_listen import Client, alive, children, connect_gen, echo_prog

IO_TIMEOUT = 15


def new_top():
    if is_root():
        ensure_users()
    top = tempfile.mkdtemp(prefix="stamp-run.")
    stamptest.add_cleanup(shutil.rmtree, top, True)
    os.chmod(top, 0o755)
    return top


def fake_bin(top, progs=("stamp-smtpd", "stamp-popd")):
    """A bin folder: a copy of stamp-run (its siblings are found beside it),
    the real stamp-send, and listen_echo as each of progs."""
    d = os.path.join(top, "bin")
    os.mkdir(d)
    os.chmod(d, 0o755)
    shutil.copy2(stamptest.bin_path("stamp-run"), d)
    os.symlink(stamptest.bin_path("stamp-send"), os.path.join(d, "stamp-send"))
    for p in progs:
        os.symlink(echo_prog(), os.path.join(d, p))
    return d


class Run:
    def __init__(self, bindir, home, args=(), wait=True, kills=False):
        self.home = home
        self.errpath = home + ".stderr"
        self.err = open(self.errpath, "wb")
        self.p = stamptest.spawn([os.path.join(bindir, "stamp-run"), "--home", home] + list(args),
                                 env=stamptest.no_leak_check() if kills else None, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=self.err)
        self.line = self.p.stdout.readline().decode() if wait else None

    def stderr(self):
        with open(self.errpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def fields(self):
        assert self.line.startswith("stamp: ready ") and self.line.endswith("\n"), \
            (self.line, self.stderr())
        return dict(kv.split("=", 1) for kv in self.line[len("stamp: ready "):-1].split(" "))


def fake_setup(progs=("stamp-smtpd", "stamp-popd")):
    """A top folder with a fake bin folder; the home path (not made yet) and
    three free addresses for smtp, submission and pop3."""
    top = new_top()
    return fake_bin(top, progs), os.path.join(top, "home"), three_ports()


def all_three(ports):
    smtp, sub, pop3 = ports
    return ["--smtp", smtp, "--submission", sub, "--pop3", pop3]


def three_ports():
    ports = set()
    while len(ports) < 3:
        ports.add(stamptest.free_port())
    return ["127.0.0.1:%d" % p for p in sorted(ports)]


def hostport(addr):
    h, p = addr.rsplit(":", 1)
    return (h, int(p))


def refused(addr):
    try:
        s = socket.create_connection(hostport(addr), 2)
    except (ConnectionRefusedError, ConnectionResetError):   # reset: queued as it closed
        return True
    s.close()
    return False


def test_run_creates_home_says_ready_and_stops():
    """The real programs of this build: the listeners that are built run."""
    top = new_top()
    home = os.path.join(top, "home")
    args, want = [], {}
    for opt, prog, addr in zip(("smtp", "submission", "pop3"),
                               ("stamp-smtpd", "stamp-smtpd", "stamp-popd"), three_ports()):
        if os.access(os.path.join(stamptest.BUILD, "bin", prog), os.X_OK):
            args += ["--" + opt, addr]
            want[opt] = addr
    r = Run(os.path.join(stamptest.BUILD, "bin"), home, args)
    want["home"] = home
    assert r.fields() == want, (r.line, want, r.stderr())
    assert list(r.fields())[-1] == "home"
    assert os.path.isfile(os.path.join(home, "control", "me"))
    assert os.path.isdir(os.path.join(home, "queue", "todo", "ff"))
    # The scheduler serves the queue: a flush reaches it.
    q = stamptest.run([stamptest.bin_path("stamp-qflush"), "--home", home])
    assert q.code == 0, q
    for k, addr in want.items():
        if k != "home":
            assert not refused(addr), k
    r.p.send_signal(signal.SIGHUP)
    r.p.send_signal(signal.SIGTERM)
    assert r.p.wait(30) == 0, r.stderr()
    assert "stamp-run: action=exit" in r.stderr(), r.stderr()


def test_run_starts_every_listener_relays_sighup_and_stops():
    bindir, home, ports = fake_setup()
    smtp, sub, pop3 = ports
    r = Run(bindir, home, all_three(ports))
    assert r.line == "stamp: ready smtp=%s submission=%s pop3=%s home=%s\n" % (
        smtp, sub, pop3, home), (r.line, r.stderr())
    seen = {}
    for what, addr in (("smtp", smtp), ("submission", sub), ("pop3", pop3)):
        c = Client(hostport(addr)).greeting()
        seen[what] = (c.prog, c.mode, c.local)
        c.echo("hi " + what)
        c.quit()
    assert seen == {"smtp": ("stamp-smtpd", "plain", smtp),
                    "submission": ("stamp-smtpd", "submission", sub),
                    "pop3": ("stamp-popd", "plain", pop3)}, seen
    # The listeners found the home through STAMP_HOME: their control files count.
    r.p.send_signal(signal.SIGHUP)
    stamptest.wait_for(lambda: r.stderr().count("action=app-reload gen=1") == 3, IO_TIMEOUT,
                       what="SIGHUP relayed to the three listeners")
    connect_gen(hostport(pop3), 1).quit()
    kids = children(r.p.pid)
    assert len(kids) == 4, kids          # stamp-send and three listeners
    r.p.send_signal(signal.SIGTERM)
    assert r.p.wait(30) == 0, r.stderr()
    for addr in (smtp, sub, pop3):
        assert refused(addr), addr
    assert not any(alive(k) for k in kids)
    assert "stamp-run: action=exit" in r.stderr()


def test_run_stops_everything_when_a_listener_dies_and_says_which():
    bindir, home, ports = fake_setup()
    smtp, sub, pop3 = ports
    r = Run(bindir, home, all_three(ports), kills=True)
    assert r.line.startswith("stamp: ready "), (r.line, r.stderr())
    c = Client(hostport(pop3)).greeting()
    with open("/proc/%d/stat" % c.pid) as f:
        st = f.read()
    popd = int(st[st.rindex(")") + 2:].split()[1])     # the worker's master
    kids = children(r.p.pid)
    assert popd in kids
    os.kill(popd, signal.SIGKILL)
    assert r.p.wait(30) == 1
    err = r.stderr()
    assert "stamp-popd (pop3) exited with status 137; stopping everything" in err, err
    # The others were stopped before stamp-run exited; the dead one's
    # workers follow their master (parent-death signal) a moment later.
    assert refused(smtp) and refused(sub)
    try:
        stamptest.wait_for(lambda: refused(pop3), IO_TIMEOUT, what="the orphaned pop3 workers")
    except AssertionError as e:
        holders = subprocess.run(["ss", "-ltnp", "sport = :%d" % hostport(pop3)[1]],
                                 capture_output=True, text=True).stdout
        raise AssertionError("%s; still listening: %s" % (e, holders))
    assert c.f.readline() == b""
    stamptest.wait_for(lambda: not any(alive(k) for k in kids), IO_TIMEOUT,
                       what="every child gone")


def test_run_leaves_out_a_listener_that_is_not_installed():
    bindir, home, (smtp, sub, _) = fake_setup(progs=("stamp-smtpd",))
    r = Run(bindir, home, ["--smtp", smtp, "--submission", sub])
    assert r.line == "stamp: ready smtp=%s submission=%s home=%s\n" % (smtp, sub, home), \
        (r.line, r.stderr())
    assert "what=pop3 program=stamp-popd reason=\"not installed; pop3 is not served\"" \
        in r.stderr(), r.stderr()
    r.p.send_signal(signal.SIGTERM)
    assert r.p.wait(30) == 0


def test_run_refuses_an_asked_for_listener_that_is_not_installed():
    bindir, home, ports = fake_setup(progs=("stamp-smtpd",))
    smtp = ports[0]
    r = Run(bindir, home, all_three(ports))
    assert r.line == ""
    assert r.p.wait(30) == 1
    assert "option=--pop3 reason=\"stamp-popd is not installed beside stamp-run\"" \
        in r.stderr(), r.stderr()
    assert refused(smtp)


def test_run_fails_when_a_listener_cannot_start_and_stops_the_others():
    bindir, home, ports = fake_setup()
    smtp, sub, pop3 = ports
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(hostport(sub))
        busy.listen(1)
        r = Run(bindir, home, all_three(ports))
        assert r.line == "", r.line
        assert r.p.wait(30) == 1
    err = r.stderr()
    assert "action=bind addr=%s" % sub in err, err
    assert "program=stamp-smtpd what=submission reason=\"it did not start" in err, err
    assert refused(smtp) and refused(pop3)


def test_run_sigint_after_ready_stops_cleanly():
    bindir, home, ports = fake_setup()
    r = Run(bindir, home, all_three(ports))
    assert r.line.startswith("stamp: ready"), (r.line, r.stderr())
    r.p.send_signal(signal.SIGINT)
    assert r.p.wait(30) == 0
    assert all(refused(a) for a in ports)


def test_run_sigterm_while_a_program_is_not_ready_yet():
    bindir, home, ports = fake_setup(progs=("stamp-smtpd",))
    # A stamp-popd that never says ready (it keeps fd 3 open and waits).
    with open(os.path.join(bindir, "stamp-popd"), "w") as f:
        f.write("#!/bin/sh\necho started >&2\nexec sleep 120\n")
    os.chmod(os.path.join(bindir, "stamp-popd"), 0o755)
    r = Run(bindir, home, all_three(ports), wait=False)
    stamptest.wait_for(lambda: "started" in r.stderr() and not refused(ports[0]), IO_TIMEOUT,
                       what="the programs to start")
    kids = children(r.p.pid)
    t0 = time.monotonic()
    r.p.send_signal(signal.SIGTERM)
    assert r.p.stdout.read() == b""            # no ready line, ever
    assert r.p.wait(30) == 0
    assert time.monotonic() - t0 < 15
    stamptest.wait_for(lambda: not any(alive(k) for k in kids), IO_TIMEOUT,
                       what="every child gone")


def test_run_rejects_a_bad_address():
    top = new_top()
    r = stamptest.run([stamptest.bin_path("stamp-run"), "--home", os.path.join(top, "h"),
                       "--smtp", "localhost:25"])
    assert r.code == 2, r
    assert "option=--smtp addr=localhost:25" in r.stderr.decode(), r
    assert not os.path.exists(os.path.join(top, "h"))
