"""Privilege separation of an installed suite, as root (issue 9): each
running program has the uid DESIGN.md gives it, a stampd process cannot
read the queue or a Maildir, and only stamp-queue is set-user-ID.

The build under test is compiled for /var/stamp and /usr/local/sbin, and a
set-user-ID stamp-queue rightly ignores STAMP_HOME; so the test copies the
build, relinks it for a temporary home and sbin folder (only common/home.c
knows them), installs that with etc/install.sh as `make install` does, and
runs the installed stamp-run."""

import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time

import stamptest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def is_san(build):
    with open(os.path.join(build, "bin", "stamp-send"), "rb") as f:
        return b"__asan_init" in f.read()


def install_for(top):
    """A copy of the build relinked for top/home and top/sbin, installed there."""
    build = os.path.join(top, "build")
    shutil.copytree(stamptest.BUILD, build, symlinks=True,
                    ignore=shutil.ignore_patterns("tests"))
    os.unlink(os.path.join(build, "common", "home.o"))
    home, sbin = os.path.join(top, "home"), os.path.join(top, "sbin")
    args = ["make", "-s", "-C", TOP, "O=" + build, "STAMP_HOME=" + home, "SBINDIR=" + sbin, "all"]
    if is_san(stamptest.BUILD):
        args.append("SAN=1")
    r = stamptest.run(args, timeout=240)
    assert r.code == 0, r
    r = stamptest.run(["sh", os.path.join(TOP, "etc", "install.sh"), "--bindir",
                       os.path.join(build, "bin"), "--destdir", "", "--sbindir", sbin,
                       "--mandir", os.path.join(top, "man"), "--home", home], timeout=120)
    assert r.code == 0, r
    return home, sbin


def uids(pid):
    """(real, effective, saved, fs) uids and the supplementary groups of pid; None when gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            st = dict(l.split(":", 1) for l in f if ":" in l)
    except OSError:
        return None
    return tuple(int(x) for x in st["Uid"].split()), sorted(int(x) for x in st["Groups"].split())


def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        out += kids
        todo += kids
    return out


def procs(root, name):
    """{pid: (uids, groups)} of the processes under root whose command is name."""
    out = {}
    for p in tree(root):
        try:
            exe = os.readlink("/proc/%d/exe" % p)      # titles are rewritten (setproctitle)
        except OSError:
            continue
        if os.path.basename(exe) == name:
            u = uids(p)
            if u:
                out[p] = u
    return out


def ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def exe_of(pid):
    try:
        return os.readlink("/proc/%s/exe" % pid)
    except OSError:
        return ""


def uid(name):
    return pwd.getpwnam(name).pw_uid


def as_user(user, *args):
    return stamptest.run(["setpriv", "--reuid", user, "--regid", user, "--clear-groups", "--"]
                         + list(args))


class Silent:
    """A TCP server that accepts and says nothing for a while: stamp-remote
    stays connected long enough to be seen."""

    def __init__(self):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(8)
        self.port = self.s.getsockname()[1]
        self.conns = []
        stamptest.add_cleanup(self.close)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        try:
            while True:
                c, _ = self.s.accept()
                self.conns.append(c)
        except OSError:
            pass

    def close(self):
        for c in self.conns:
            c.close()
        self.s.close()


def test_installed_suite_runs_each_program_as_its_user():
    if os.geteuid() != 0:
        print("    skipped: needs root")
        return
    top = tempfile.mkdtemp(prefix="stamppriv.")
    stamptest.add_cleanup(shutil.rmtree, top, True)
    os.chmod(top, 0o755)
    home, sbin = install_for(top)

    # Only stamp-queue is set-user-ID (or set-group-ID), and it is stampq's.
    setid = []
    for d, _, files in os.walk(top):
        if d.startswith(os.path.join(top, "build")):
            continue
        for n in files:
            st = os.lstat(os.path.join(d, n))
            if stat.S_ISREG(st.st_mode) and st.st_mode & (stat.S_ISUID | stat.S_ISGID):
                setid.append((os.path.relpath(os.path.join(d, n), top), st.st_uid))
    assert setid == [("sbin/stamp-queue", uid("stampq"))], setid

    silent = Silent()
    with open(os.path.join(home, "control", "me"), "w") as f:
        f.write("mx.example.org\n")
    for name, value in (("locals", "example.org"), ("relayclients", "127.0.0.1"),
                        ("smtproutes", "elsewhere.example:127.0.0.1:%d" % silent.port),
                        ("timeoutremote", "30"), ("retrymin", "1"), ("retrymax", "1")):
        with open(os.path.join(home, "control", name), "w") as f:
            f.write(value + "\n")
    r = stamptest.run([os.path.join(sbin, "stamp-user"), "--home", home, "add", "alice"],
                      input=b"pw-alice\n")
    assert r.code == 0, r
    ports = [stamptest.free_port() for _ in range(3)]
    logf = open(os.path.join(top, "run.log"), "wb")
    run = stamptest.spawn([os.path.join(sbin, "stamp-run"), "--home", home,
                           "--smtp", "127.0.0.1:%d" % ports[0],
                           "--submission", "127.0.0.1:%d" % ports[1],
                           "--pop3", "127.0.0.1:%d" % ports[2]],
                          stdout=subprocess.PIPE, stderr=logf, env=stamptest.no_leak_check())
    logf.close()
    stamptest.add_cleanup(lambda: (run.terminate(), run.wait(100)))

    def log():
        with open(os.path.join(top, "run.log"), errors="replace") as f:
            return f.read()[-4000:]
    line = run.stdout.readline()
    assert line.startswith(b"stamp: ready "), (line, log())

    stamps, stampd, stampv, stampr = uid("stamps"), uid("stampd"), uid("stampv"), uid("stampr")
    send = procs(run.pid, "stamp-send")
    assert sorted(u[0][1] for u in send.values()) == [0, stamps], (send, log())
    for pid, (u, groups) in send.items():
        assert len(set(u)) == 1, ("a scheduler with mixed uids", pid, u)
    smtpd = procs(run.pid, "stamp-smtpd")
    assert len(smtpd) >= 2, smtpd            # two masters (SMTP, submission) and their workers
    for pid, (u, groups) in smtpd.items():
        assert u == (stampd,) * 4, ("stamp-smtpd not stampd", pid, u)
        assert not set(groups) - {pwd.getpwnam("stampd").pw_gid}, ("extra groups", pid, groups)
    # stamp-popd's listener and its idle workers (P in stamp-popd(8)) keep
    # root, by design: P switches to the mailbox owner after a login.
    popd = procs(run.pid, "stamp-popd")
    assert popd and all(len(set(u)) == 1 for u, _ in popd.values()), popd

    # Mail for alice (local) and for elsewhere.example (remote: the silent server).
    import smtplib
    c = smtplib.SMTP("127.0.0.1", ports[0], timeout=30)
    try:
        c.sendmail("a@example.org", ["alice@example.org"], b"Subject: local\r\n\r\nhi\r\n")
        c.sendmail("a@example.org", ["x@elsewhere.example"], b"Subject: remote\r\n\r\nhi\r\n")
    except smtplib.SMTPException as e:
        raise AssertionError("%r; log: %s" % (e, log()))
    c.quit()
    new = os.path.join(home, "mail", "alice", "Maildir", "new")
    stamptest.wait_for(lambda: os.path.isdir(new) and os.listdir(new), 30,
                       what="the local delivery; log: %s" % log())
    (name,) = os.listdir(new)
    st = os.stat(os.path.join(new, name))
    assert st.st_uid == stampv, ("stamp-local wrote as", st.st_uid)

    remote = stamptest.wait_for(lambda: procs(run.pid, "stamp-remote"), 30,
                                what="stamp-remote connected; log: %s" % log())
    for pid, (u, groups) in remote.items():
        assert u == (stampr,) * 4, ("stamp-remote not stampr", pid, u)

    # The queue and the Maildir are closed to stampd (what stamp-smtpd and
    # stamp-popd run as before a login).
    mess = [os.path.join(d, n) for d, _, ns in os.walk(os.path.join(home, "queue", "mess")) for n in ns]
    assert mess, "the remote message is queued"
    for args in (["cat", mess[0]], ["ls", os.path.join(home, "queue", "mess")],
                 ["ls", os.path.join(home, "queue", "todo")],
                 ["cat", os.path.join(new, name)], ["ls", new],
                 ["ls", os.path.join(home, "mail")]):
        r = as_user("stampd", *args)
        assert r.code != 0, ("stampd could", args, r)
    # (home/users stays readable to stampd: stamp-smtpd checks SMTP AUTH
    # passwords itself, see test_pop3_auth.py.)
    r = as_user("stampd", "cat", os.path.join(home, "control", "me"))
    assert r.code == 0, ("the control files must stay readable", r)    # so the check can fail

    # POP3: stampd before the login, the mailbox owner after it.
    before = set(procs(run.pid, "stamp-popd"))
    s = socket.create_connection(("127.0.0.1", ports[2]), timeout=20)
    f = s.makefile("rb")
    assert f.readline().startswith(b"+OK")
    # A, the process that reads the client before the login, is new and stampd
    # (new root ones may be fresh idle workers, the listener's children)
    master = [p for p in procs(run.pid, "stamp-popd") if ppid(p) == run.pid]
    talking = {p: v for p, v in procs(run.pid, "stamp-popd").items()
               if p not in before and ppid(p) not in master}
    assert [u for u, _ in talking.values()] == [(stampd,) * 4], \
        ("the AUTHORIZATION process is not stampd alone", talking)
    assert not set(list(talking.values())[0][1]) - {pwd.getpwnam("stampd").pw_gid}, talking
    s.sendall(b"USER alice\r\nPASS pw-alice\r\nSTAT\r\n")
    for _ in range(3):
        assert f.readline().startswith(b"+OK")
    after = {p: v for p, v in procs(run.pid, "stamp-popd").items()
             if p not in before and ppid(p) not in master}
    owners = sorted(set(u[0] for p, (u, _) in after.items()))
    assert owners == [stampv], ("the TRANSACTION process is not the mailbox owner", after)
    for pid, (u, _) in after.items():
        assert len(set(u)) == 1, ("mixed uids", pid, u)
    s.sendall(b"QUIT\r\n")
    s.close()

    # stamp-run killed outright takes every program along, also those that
    # changed uid (a uid change clears the parent-death signal it set).
    everyone = [p for p in tree(run.pid) if ppid(p) == run.pid]
    assert len(everyone) >= 4, everyone      # scheduler, SMTP, submission, POP3
    os.kill(run.pid, 9)
    run.wait(10)
    silent.close()                      # stamp-remote's session ends: nothing to wait for
    t0 = time.time()

    def alive():
        out = []
        for p in everyone:
            try:
                with open("/proc/%d/stat" % p) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != "Z":            # a zombie has exited; init reaps it
                out.append((p, state))
        return out
    stamptest.wait_for(lambda: not alive(), 60,
                       what="every program gone after a SIGKILL of stamp-run: %s" % alive())
    print("    all gone in %.1fs" % (time.time() - t0))
    if is_san(stamptest.BUILD):
        # The set-user-ID stamp-queue is not dumpable: ASan cannot read its
        # ASAN_OPTIONS (so no log_path: its reports go to stderr, the log)
        # and runs it without the leak check (queue/stamp-queue.c). The
        # other programs report to the files run.py watches.
        stamptest.wait_for(lambda: not [p for p in os.listdir("/proc") if p.isdigit()
                                        and os.path.basename(exe_of(p)) == "stamp-queue"
                                        and exe_of(p).startswith(sbin)], 30,
                           what="the kept stamp-queue --serve to end")
        with open(os.path.join(top, "run.log"), errors="replace") as f:
            text = f.read()
        for bad in ("Sanitizer", "runtime error:"):
            assert bad not in text, text
