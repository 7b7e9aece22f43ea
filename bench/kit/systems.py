"""The systems under test: stamp (stamp-run), a private Postfix, a private
Dovecot POP3. Each .start() returns when it serves; .stop() never raises.

stamp runs as one unprivileged account (single-user mode, as an ordinary
user's install runs), because the build's stamp-queue is not set-user-ID
and a set-user-ID one would ignore --home. Its durability is the same in
both modes: stamp-queue fsyncs the message, the envelope and both folders
before smtpd says 250, and stamp-local fsyncs the Maildir file and new/.
"""

import os
import pwd
import shutil
import subprocess
import sys

from . import proc

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import peers  # noqa: E402

DOMAIN = "bench.example"
RCPT = "bench@" + DOMAIN
SENDER = "load@sender.example"
BENCH_USER = "stamptest"      # the unprivileged account of tests/integration/test_local.py


def bench_account():
    try:
        return pwd.getpwnam(BENCH_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", BENCH_USER], check=True)
        return pwd.getpwnam(BENCH_USER)


def chown_tree(path, uid, gid):
    for root, dirs, files in os.walk(path):
        for n in dirs + files:
            os.lchown(os.path.join(root, n), uid, gid)
    os.lchown(path, uid, gid)


def as_user(u):
    """A preexec_fn that becomes u (for Popen)."""
    def drop():
        os.setgroups([])
        os.setgid(u.pw_gid)
        os.setuid(u.pw_uid)
    return drop


def count_files(d):
    try:
        with os.scandir(d) as it:
            return sum(1 for _ in it)
    except FileNotFoundError:
        return 0


def clear_dir(d):
    try:
        with os.scandir(d) as it:
            for e in it:
                os.unlink(e.path)
    except FileNotFoundError:
        pass


class Stamp:
    name = "stamp"

    def __init__(self, build, top, ports):
        self.bindir = os.path.join(os.path.abspath(build), "bin")
        self.top = os.path.join(top, "stamp")
        self.home = os.path.join(self.top, "home")
        self.smtp, self.sub, self.pop3 = ports
        self.user = bench_account()
        self.p = None
        self.maildir = os.path.join(self.home, "mail", "bench", "Maildir")
        self.new = os.path.join(self.maildir, "new")

    def bin(self, prog):
        return os.path.join(self.bindir, prog)

    def setup(self, pop_users=()):
        """The home, made as the bench account: bench@DOMAIN is the virtual
        user `bench`; pop_users are (name, crypt hash) with mailboxes."""
        os.makedirs(self.top)
        os.chmod(self.top, 0o755)
        os.chown(self.top, self.user.pw_uid, self.user.pw_gid)
        r = proc.run([self.bin("stamp-setup"), "--home", self.home], 60,
                     preexec_fn=as_user(self.user))
        if r.returncode != 0:
            raise RuntimeError("stamp-setup: %s" % r.stdout.decode(errors="replace"))
        self.control("locals", DOMAIN)
        self.control("me", "mx." + DOMAIN)
        # Every client of the benchmark is 127.0.0.1; the default of 10 would refuse 50 sessions.
        self.control("concurrencyperip", "1000")
        with open(os.path.join(self.home, "users"), "w") as f:
            f.write("bench::\n")
            for name, h in pop_users:
                f.write("%s:%s:\n" % (name, h))
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(self.maildir, sub), exist_ok=True)
        chown_tree(self.home, self.user.pw_uid, self.user.pw_gid)

    def control(self, name, value):
        with open(os.path.join(self.home, "control", name), "w") as f:
            f.write("%s\n" % value)

    def start(self):
        self.log = open(os.path.join(self.top, "stamp.log"), "wb")
        self.p = subprocess.Popen(
            [self.bin("stamp-run"), "--home", self.home, "--smtp", "127.0.0.1:%d" % self.smtp,
             "--submission", "127.0.0.1:%d" % self.sub, "--pop3", "127.0.0.1:%d" % self.pop3],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log,
            preexec_fn=as_user(self.user), start_new_session=True)
        line = self.p.stdout.readline()
        if not line.startswith(b"stamp: ready "):
            raise RuntimeError("stamp-run did not say ready (%r); see %s" % (line, self.log.name))
        return self

    def root_pid(self):
        """The process whose tree is the whole instance (for CPU accounting)."""
        return self.p.pid

    def stop(self):
        proc.stop(self.p, 100)
        self.p = None


class Postfix:
    name = "postfix"

    def __init__(self, top, port):
        self.top = os.path.join(top, "postfix")
        self.smtp = port
        self.pf = peers.Postfix(self.top, port, domain=DOMAIN)
        self.maildir = os.path.join(self.pf.mail, "box")
        self.new = os.path.join(self.maildir, "new")

    def start(self):
        self.pf.start()
        # peers.Postfix delivers every recipient at DOMAIN into mail/box/.
        pw = pwd.getpwnam("postfix")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(self.maildir, sub), exist_ok=True)
        chown_tree(self.maildir, pw.pw_uid, pw.pw_gid)
        return self

    def root_pid(self):
        with open(os.path.join(self.pf.queue, "pid", "master.pid")) as f:
            return int(f.read())

    def stop(self):
        try:
            self.pf.stop()
        except Exception as e:  # noqa: BLE001 - stop never raises
            print("bench: postfix stop: %s" % e, file=sys.stderr)


class Dovecot:
    name = "dovecot"

    def __init__(self, top, port, users):
        """users: {name: crypt hash}; mail of each in maildir(name)."""
        self.top = os.path.join(top, "dovecot")
        os.makedirs(self.top)
        self.pop3 = port
        u = bench_account()
        self.dc = peers.DovecotPop3(self.top, port, {n: "{CRYPT}" + h for n, h in users.items()},
                                    u.pw_uid, u.pw_gid)

    def maildir(self, user):
        return self.dc.maildir(user)

    def start(self):
        self.dc.start()
        return self

    def stop(self):
        try:
            self.dc.stop()
        except Exception as e:  # noqa: BLE001
            print("bench: dovecot stop: %s" % e, file=sys.stderr)


def remove(path):
    shutil.rmtree(path, ignore_errors=True)
