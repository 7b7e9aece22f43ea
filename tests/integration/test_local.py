"""stamp-local with the real scheduler: Maildirs, mbox, pipes, forwards,
aliases, bounces and loops, from stamp-queue to the mailbox file."""

import email
import email.policy
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess

import stamptest
from test_send import ensure_users, is_root

MSG = b"From: sender@example.org\nTo: x@example.org\nSubject: local\n\nline one\nFrom the start\n"


TEST_USER = "stamptest"


def unprivileged_account():
    """An unprivileged account to run a whole single-user instance as."""
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", TEST_USER], check=True)
        return pwd.getpwnam(TEST_USER)


class Local:
    """A home and a scheduler with the real stamp-local. As root, privileged
    mode (the stamp users, switching to each mailbox owner) only for system
    accounts; otherwise the single-user mode of an ordinary install, run as
    an unprivileged account, where forwards and bounces go through an
    injector that is not set-user-ID."""

    def __init__(self, aliases="", users="", controls=None, privileged=False):
        self.privileged = privileged and is_root()
        self.as_user = is_root() and not self.privileged
        if self.privileged:
            ensure_users()
        self.home = stamptest.Home(setup=False)
        os.chmod(self.home.top, 0o755)
        args = [stamptest.bin_path("stamp-setup"), "--home", self.home.dir]
        if self.privileged:
            args.append("--owners")
        r = stamptest.run(args)
        assert r.code == 0, r
        # Where aliases' programs and mboxes write: any delivery uid may.
        self.out = os.path.join(self.home.top, "out")
        os.mkdir(self.out)
        os.chmod(self.out, 0o1777)
        self.home.control("me", "mx.example.org")
        self.home.control("locals", "example.org")
        self.home.control("retrymin", 1)
        self.home.control("retrymax", 1)
        for k, v in (controls or {}).items():
            self.home.control(k, v)
        if aliases is not None:      # None: keep the aliases stamp-setup wrote
            with open(self.home.path("aliases"), "w") as f:
                f.write(aliases.replace("OUT", self.out))
        with open(self.home.path("users"), "w") as f:
            f.write(users)
        self.log = os.path.join(self.home.top, "send.log")
        self.proc = None
        self.prefix = []
        if self.as_user:
            u = unprivileged_account()
            for root, dirs, files in os.walk(self.home.dir):
                for n in dirs + files:
                    os.lchown(os.path.join(root, n), u.pw_uid, u.pw_gid)
            os.chown(self.home.dir, u.pw_uid, u.pw_gid)
            self.prefix = ["setpriv", "--reuid=%d" % u.pw_uid, "--regid=%d" % u.pw_gid,
                           "--clear-groups", "--"]

    def start(self):
        rfd, wfd = os.pipe()
        logf = open(self.log, "ab")
        self.proc = stamptest.spawn(
            self.prefix + [stamptest.bin_path("stamp-send"), "--home", self.home.dir,
                           "--ready-fd", str(wfd)],
            pass_fds=(wfd,), stdout=logf, stderr=logf, env=stamptest.no_leak_check())
        logf.close()
        os.close(wfd)
        with os.fdopen(rfd, "rb") as r:
            assert r.readline() == b"ready\n", self.logtext()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)

    def logtext(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def queue(self, rcpts, sender="sender@example.org", msg=MSG):
        r = self.home.queue(msg, sender, rcpts)
        assert r.code == 0, r
        # One look only: a running scheduler may take the entry between two.
        ids = self.home.ids("todo")
        return ids[-1] if ids else None

    def wait_empty(self, timeout=30):
        def empty():
            return not self.home.queue_files("mess", "todo", "info", "done")
        try:
            stamptest.wait_for(empty, timeout, what="an empty queue")
        except AssertionError:
            raise AssertionError("queue: %s\nlog:\n%s" % (self.home.queue_files(),
                                                         self.logtext()[:3000] + " ... " + self.logtext()[-1500:]))

    def maildir(self, path):
        files = sorted(glob.glob(os.path.join(path, "new", "*")))
        out = []
        for f in files:
            with open(f, "rb") as fh:
                out.append((os.path.basename(f), fh.read()))
        return out


def check_sizes(name, data):
    m = re.search(r",S=(\d+),W=(\d+)$", name)
    assert m, name
    assert int(m.group(1)) == len(data), (name, len(data))
    assert int(m.group(2)) == len(data) + data.count(b"\n"), name


def test_virtual_user_maildir_byte_for_byte():
    t = Local(users="alice:x:\n")
    t.queue(["Alice@example.org"])
    mess = {}
    for rel in t.home.queue_files("mess"):
        with open(t.home.path("queue", rel), "rb") as f:
            mess = f.read()
    t.start()
    t.wait_empty()
    got = t.maildir(t.home.path("mail", "alice", "Maildir"))
    assert len(got) == 1, got
    name, data = got[0]
    check_sizes(name, data)
    assert data == (b"Return-Path: <sender@example.org>\nDelivered-To: Alice@example.org\n"
                    + mess), data[:300]
    assert not os.listdir(t.home.path("mail", "alice", "Maildir", "tmp"))
    t.stop()


def test_alias_with_several_targets_mbox_maildir_pipe_forward():
    t = Local(aliases="team: OUT/team.mbox, OUT/teamdir/, alice, |cat > OUT/piped; "
                      "echo \"$SENDER $RECIPIENT $LOCAL $HOST\" > OUT/env\n",
              users="alice:x:\n")
    os.makedirs(os.path.join(t.out, "teamdir", "new"))
    for sub in ("tmp", "cur"):
        os.makedirs(os.path.join(t.out, "teamdir", sub))
    if t.as_user:
        u = unprivileged_account()
        for root, dirs, _ in os.walk(os.path.join(t.out, "teamdir")):
            os.chown(root, u.pw_uid, u.pw_gid)
    t.queue(["team@example.org"])
    t.start()
    t.wait_empty()
    with open(os.path.join(t.out, "team.mbox"), "rb") as f:
        mbox = f.read()
    assert mbox.startswith(b"From sender@example.org "), mbox[:80]
    assert b"\n>From the start\n" in mbox, mbox
    assert mbox.endswith(b"\n\n")
    assert len(t.maildir(os.path.join(t.out, "teamdir"))) == 1
    fwd = t.maildir(t.home.path("mail", "alice", "Maildir"))
    assert len(fwd) == 1
    assert b"Delivered-To: team@example.org\n" in fwd[0][1]
    assert b"Delivered-To: alice@example.org\n" in fwd[0][1]
    with open(os.path.join(t.out, "piped"), "rb") as f:
        assert f.read().startswith(b"Return-Path: <sender@example.org>\nDelivered-To: team")
    with open(os.path.join(t.out, "env")) as f:
        assert f.read() == "sender@example.org team@example.org team example.org\n"
    t.stop()


def test_pipe_temporary_twice_then_delivered():
    t = Local(aliases="flaky: |n=$(cat OUT/n 2>/dev/null || echo 0); n=$((n+1)); "
                      "echo $n > OUT/n; [ $n -ge 3 ] || exit 111; cat > OUT/flaky\n")
    t.queue(["flaky@example.org"])
    t.start()
    t.wait_empty(timeout=60)
    with open(os.path.join(t.out, "n")) as f:
        assert f.read().strip() == "3"
    assert os.path.exists(os.path.join(t.out, "flaky"))
    assert t.logtext().count("status=deferred") == 2, t.logtext()
    t.stop()


def delivery_status(data):
    m = email.message_from_bytes(data, policy=email.policy.default)
    assert m.get_content_type() == "multipart/report", m.get_content_type()
    parts = list(m.iter_parts())
    ds = [p for p in parts if p.get_content_type() == "message/delivery-status"][0]
    text = ds.as_bytes().decode("ascii", "replace")
    return text


def test_pipe_exit_100_bounces_with_the_reason():
    t = Local(aliases="refuse: |echo no thanks; exit 100\n", users="bob:x:\n")
    t.queue(["refuse@example.org"], sender="bob@example.org")
    t.start()
    t.wait_empty()
    got = t.maildir(t.home.path("mail", "bob", "Maildir"))
    assert len(got) == 1, t.logtext()
    data = got[0][1]
    assert b"Return-Path: <>\n" in data
    text = delivery_status(data)
    assert "Final-Recipient: rfc822; refuse@example.org" in text, text
    assert "Action: failed" in text
    assert "Status: 5.2.0" in text
    assert "no thanks" in text
    t.stop()


def test_unknown_user_bounces_5_1_1():
    t = Local(users="bob:x:\n")
    t.queue(["nobody-here@example.org"], sender="bob@example.org")
    t.start()
    t.wait_empty()
    got = t.maildir(t.home.path("mail", "bob", "Maildir"))
    assert len(got) == 1, t.logtext()
    assert "Status: 5.1.1" in delivery_status(got[0][1])
    t.stop()


def test_forward_loop_ends_in_a_permanent_failure():
    t = Local(aliases="loop1: loop2@example.org\nloop2: loop1@example.org\n", users="bob:x:\n")
    t.queue(["loop1@example.org"], sender="bob@example.org")
    t.start()
    t.wait_empty(timeout=60)
    got = t.maildir(t.home.path("mail", "bob", "Maildir"))
    assert len(got) == 1, t.logtext()
    assert "5.4.6" in delivery_status(got[0][1])
    t.stop()


def test_extension_reaches_the_user():
    t = Local(users="carol:x:\n")
    t.queue(["carol+lists@example.org"])
    t.start()
    t.wait_empty()
    assert len(t.maildir(t.home.path("mail", "carol", "Maildir"))) == 1
    t.stop()


def test_system_user_maildir():
    if not is_root():
        print("    skipped: needs root to make an account")
        return
    name = "stamptestu"
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/usr/sbin/nologin", name],
                       check=True)
    pw = pwd.getpwnam(name)
    shutil.rmtree(os.path.join(pw.pw_dir, "Maildir"), ignore_errors=True)
    with open(os.path.join(pw.pw_dir, ".stamp-box"), "w") as f:
        f.write("# the box\n./boxmail\n")
    os.chown(os.path.join(pw.pw_dir, ".stamp-box"), pw.pw_uid, pw.pw_gid)
    t = Local(privileged=True)
    t.queue(["%s@example.org" % name, "%s+box@example.org" % name])
    t.start()
    t.wait_empty()
    got = t.maildir(os.path.join(pw.pw_dir, "Maildir"))
    assert len(got) == 1, t.logtext()
    st = os.stat(glob.glob(os.path.join(pw.pw_dir, "Maildir", "new", "*"))[0])
    assert st.st_uid == pw.pw_uid
    with open(os.path.join(pw.pw_dir, "boxmail"), "rb") as f:
        assert f.read().startswith(b"From sender@example.org ")
    t.stop()


def test_crash_of_the_scheduler_loses_no_delivery():
    """1,000 messages to a virtual user; stamp-send killed with SIGKILL three
    times while it delivers, and restarted: every message arrives."""
    import time
    t = Local(users="crash:x:\n")
    n = 1000
    procs = []
    for i in range(n):
        procs.append(stamptest.queue_popen(
            t.home.dir, b"X-Seq: %d\nSubject: crash\n\nbody\n" % i,
            stamptest.envelope_bytes("sender@example.org", ["crash@example.org"])))
        if len(procs) >= 10:
            for p in procs:
                assert p.wait(60) == 0
            procs = []
    for p in procs:
        assert p.wait(60) == 0
    new = t.home.path("mail", "crash", "Maildir", "new")

    def delivered():
        return len(os.listdir(new)) if os.path.isdir(new) else 0
    for k in range(3):
        t.start()
        stamptest.wait_for(lambda: delivered() >= (k + 1) * n // 4, 120, step=0.005,
                           what="deliveries")
        t.proc.kill()
        t.proc.wait(10)
        # The spawner notices and exits; its lock is not the scheduler's.
        time.sleep(0.05)
    t.start()
    t.wait_empty(timeout=240)
    t.stop()
    seqs = []
    for name in os.listdir(new):
        with open(os.path.join(new, name), "rb") as f:
            m = re.search(rb"\nX-Seq: (\d+)\n", f.read())
            seqs.append(int(m.group(1)))
    missing = set(range(n)) - set(seqs)
    assert not missing, sorted(missing)[:10]
    print("    crash test: %d messages, %d files, %d delivered twice" % (
        n, len(seqs), len(seqs) - len(set(seqs))))


def test_new_home_delivers_postmaster():
    """RFC 5321 wants postmaster: a new home's aliases send it to a Maildir
    of its own, at any local domain, so that nothing for postmaster bounces."""
    t = Local(aliases=None)
    with open(t.home.path("aliases")) as f:
        assert "postmaster: ./mail/postmaster/Maildir/" in f.read()
    t.queue(["postmaster@example.org", "PostMaster@example.org"])
    t.start()
    t.wait_empty()
    got = t.maildir(t.home.path("mail", "postmaster", "Maildir"))
    assert len(got) == 2, (got, t.logtext()[-2000:])
    assert "status=failed" not in t.logtext()
    t.stop()
