"""Faults: a full disk under the queue and under a Maildir, too few file
descriptors (stamp-queue, stamp-smtpd, stamp-send) and too few processes
(stamp-smtpd, stamp-send). stamp must answer with temporary errors, keep
every accepted message, leave nothing half-made, and carry on once the
trouble is gone.

The full disks are small tmpfs mounts and RLIMIT_NPROC binds only a user
other than root, so those tests need root (CI runs as root); as another
user they say so and pass without testing.
"""

import os
import subprocess

import stamptest
from smtpdtest import MSG, Raw, Smtpd, check_delivered, lf
from test_local import Local, unprivileged_account
from test_privilege import tree
from test_send import is_root

BIG = b"Subject: filler\n\n" + (b"x" * 99 + b"\n") * 1000          # about 100 KB


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", path],
                   check=True)
    stamptest.add_cleanup(subprocess.run, ["umount", "-l", path])


def resize_tmpfs(path, size):
    subprocess.run(["mount", "-o", "remount,size=%s" % size, path], check=True)


def test_queue_on_a_full_disk_refuses_cleanly_and_recovers():
    if not is_root():
        print("    skipped: needs root to mount a small tmpfs")
        return
    h = stamptest.Home(setup=False)
    fs = os.path.join(h.top, "fs")
    mount_tmpfs(fs, "1m")
    h.dir = os.path.join(fs, "home")
    r = stamptest.run([stamptest.bin_path("stamp-setup"), "--home", h.dir])
    assert r.code == 0, r
    accepted, codes = 0, []
    for _ in range(40):
        r = h.queue(BIG, "a@example.org", ["b@example.org"])
        codes.append(r.code)
        if r.code != 0:
            break
        accepted += 1
    assert 0 < accepted < 40, codes
    # Disk full is a temporary failure (qmail-queue's 53: write error), never
    # a permanent one, and it leaves no part of the refused message behind.
    assert codes[-1] == 53, (codes, r)
    assert len(h.ids("todo")) == accepted
    assert len(h.queue_files("mess")) == accepted, h.queue_files("mess", "intd")
    assert not h.queue_files("intd")
    for qid in h.ids("todo"):
        with open(h.path("queue", stamptest.qpath("todo", qid)), "rb") as f:
            stamptest.parse_envelope(f.read())
        with open(h.path("queue", stamptest.qpath("mess", qid)), "rb") as f:
            assert f.read().endswith(BIG)
    # Room again: the next message goes in.
    resize_tmpfs(fs, "4m")
    r = h.queue(BIG, "a@example.org", ["b@example.org"])
    assert r.code == 0, r
    assert len(h.ids("todo")) == accepted + 1


def test_full_maildir_defers_then_delivers():
    if not is_root():
        print("    skipped: needs root to mount a small tmpfs")
        return
    t = Local(aliases="box: OUT/full/box/\n")
    full = os.path.join(t.out, "full")
    mount_tmpfs(full, "64k")
    os.chmod(full, 0o1777)
    box = os.path.join(full, "box")
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(box, sub))
    if t.as_user:
        u = unprivileged_account()
        for d in (box, os.path.join(box, "tmp"), os.path.join(box, "new"), os.path.join(box, "cur")):
            os.chown(d, u.pw_uid, u.pw_gid)
    t.queue(["box@example.org"], msg=BIG)
    t.start()
    stamptest.wait_for(lambda: "status=deferred" in t.logtext(), 30, what="a deferral")
    # Nothing half-written is visible, and the message is still queued.
    assert not os.listdir(os.path.join(box, "new"))
    assert not os.listdir(os.path.join(box, "tmp")), os.listdir(os.path.join(box, "tmp"))
    assert t.home.queue_files("mess")
    resize_tmpfs(full, "4m")
    t.wait_empty(timeout=60)
    got = t.maildir(box)
    assert len(got) == 1 and got[0][1].endswith(BIG)
    t.stop()


def test_too_few_descriptors_is_a_temporary_failure():
    h = stamptest.Home()
    env = stamptest.envelope_bytes("a@example.org", ["b@example.org"])
    # prlimit (util-linux) lowers RLIMIT_NOFILE for stamp-queue alone.
    codes = []
    for n in (3, 4, 5, 6, 7, 8, 16):
        msgf = os.path.join(h.top, "m")
        envf = os.path.join(h.top, "e")
        with open(msgf, "wb") as f:
            f.write(b"Subject: fd\n\nbody\n")
        with open(envf, "wb") as f:
            f.write(env)
        p = subprocess.run(["prlimit", "--nofile=%d" % n, "--", stamptest.bin_path("stamp-queue")],
                           stdin=open(msgf, "rb"), stdout=open(envf, "rb"),
                           stderr=subprocess.PIPE, env=stamptest.env_for(h.dir), timeout=30)
        codes.append(p.returncode)
        if p.returncode == 0:
            continue
        assert not 11 <= p.returncode <= 40, (n, p.returncode, p.stderr)
    # The lowest limits fail, the higher ones work: both paths were taken.
    assert codes[0] != 0 and codes[-1] == 0, codes
    # Whatever failed left nothing behind: only whole messages are in the queue.
    for qid in h.ids("todo"):
        assert os.path.exists(h.path("queue", stamptest.qpath("mess", qid)))
    assert not h.queue_files("intd")
    assert len(h.queue_files("mess")) == len(h.ids("todo"))


# ---- out of processes and descriptors: stamp-smtpd and stamp-send ----------
#
# Root is exempt from RLIMIT_NPROC, so these run the programs as the
# unprivileged test account (test_local.Local does, as root), and lower and
# raise the soft limits of the running processes with prlimit --pid run as
# that account (the owner may; root here may lack CAP_SYS_RESOURCE). A soft
# RLIMIT_NPROC of 1 makes every fork and thread of the process fail, however
# many other processes the account has.



def soft_limit(pid, name):
    """The soft limit `name` ("Max processes") of pid, as prlimit takes it."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith(name):
                return line[len(name):].split()[0]
    raise AssertionError("no %r for %d" % (name, pid))


def set_limits(prefix, pid, **limits):
    """prlimit --pid pid --NAME=SOFT: for each NAME=SOFT, as the process's owner."""
    args = prefix + ["prlimit", "--pid", str(pid)] + ["--%s=%s:" % kv for kv in limits.items()]
    r = stamptest.run(args)
    assert r.code == 0, r


def send_message(r, body=MSG):
    """MAIL, RCPT, DATA and the message (dot-stuffed) on an open session: the
    reply to the dot, or the first temporary failure (then RSET)."""
    for cmd, code in ((b"MAIL FROM:<sender@outside.example>", "250"),
                      (b"RCPT TO:<alice@example.org>", "250"), (b"DATA", "354")):
        r.send(cmd + b"\r\n")
        got = r.reply()
        if got.startswith("4") and code == "250":
            r.send(b"RSET\r\n")
            assert r.reply().startswith("250")
            return got
        assert got.startswith(code), (cmd, got)
    r.send(body.replace(b"\r\n.", b"\r\n..") + b".\r\n")
    return r.reply()


def test_smtpd_out_of_processes_says_451_and_takes_the_message_when_they_return():
    if not is_root():
        print("    skipped: root is exempt from RLIMIT_NPROC and only root can run the "
              "test as another account")
        return
    s = Smtpd()
    start = len(s.log)
    r = Raw(s.port)
    pid = s.session_pid(r.s.getsockname()[1], start)
    assert r.reply().startswith("220")
    r.send(b"EHLO client.example\r\n")
    assert r.reply().startswith("250")
    nproc = soft_limit(pid, "Max processes")
    set_limits(s.t.prefix, pid, nproc=1)
    reply = send_message(r)
    # No stamp-queue can start: a temporary failure, the session goes on.
    assert reply.startswith("451 4.3.0"), reply
    stamptest.wait_for(lambda: "too many processes (RLIMIT_NPROC)" in s.logtext(), 10,
                       what="the log line; log: %s" % s.logtext()[-2000:])
    assert not s.home.queue_files("todo", "mess", "intd"), s.home.queue_files()
    r.send(b"RSET\r\n")
    assert r.reply().startswith("250")
    set_limits(s.t.prefix, pid, nproc=nproc)
    reply = send_message(r)
    assert reply.startswith("250 "), reply          # the client's retry gets through
    r.send(b"QUIT\r\n")
    assert r.reply().startswith("221")
    (got,) = s.deliver(1)
    check_delivered(got, MSG)
    s.stop()


def test_smtpd_with_few_descriptors_answers_4xx_or_takes_the_message():
    s = Smtpd()
    outcomes, accepted = {}, 0
    for n in (3, 4, 5, 6, 7, 8, 9, 10, 12, 16, 32):
        outcomes[n] = smtpd_session_with_nofile(s, n)
        accepted += outcomes[n] == "250"
    print("    reply to the message by RLIMIT_NOFILE of the session: %s" % outcomes)
    # The lowest limits fail, the higher ones work: both paths were taken.
    assert outcomes[3] != "250" and outcomes[32] == "250", outcomes
    for n, v in outcomes.items():
        assert v == "250" or v.startswith("4"), (n, v)        # never a 5xx or a crash
    # The refused messages left nothing; the accepted ones are delivered.
    assert len(s.home.ids("todo")) == accepted, s.home.queue_files()
    assert not s.home.queue_files("intd")
    for data in s.deliver(accepted):
        check_delivered(data, MSG)
    s.stop()


def smtpd_session_with_nofile(s, n):
    """A session whose stamp-smtpd gets RLIMIT_NOFILE n after the greeting
    (its stamp-queue inherits it): the reply to the message's dot."""
    start = len(s.log)
    r = Raw(s.port)
    pid = s.session_pid(r.s.getsockname()[1], start)
    assert r.reply().startswith("220")
    set_limits(s.t.prefix, pid, nofile=n)
    r.send(b"EHLO client.example\r\n")
    assert r.reply().startswith("250")
    reply = send_message(r)
    r.send(b"QUIT\r\n")
    assert r.reply().startswith("221")
    r.close()
    return reply[:3]


def starved_scheduler(limits, marker):
    """A running stamp-send (and its spawner) given limits (NAME: soft value,
    or a function of the pid) while three messages come in: they are
    deferred with marker in the log, never lost; with the old limits back
    the same processes deliver each once."""
    t = Local(users="alice:x:\n")
    t.start()
    pids = [t.proc.pid] + tree(t.proc.pid)          # the scheduler and its spawner
    assert len(pids) == 2, pids
    old = {}
    for pid in pids:
        old[pid] = {k: soft_limit(pid, name) for k, (name, _) in limits.items()}
        set_limits(t.prefix, pid, **{k: f(pid) for k, (_, f) in limits.items()})
    msgs = [lf(MSG) + b"n=%d\n" % i for i in range(3)]
    for m in msgs:
        t.queue(["alice@example.org"], msg=m)
    stamptest.wait_for(lambda: t.logtext().count("status=deferred") >= 3, 30,
                       what="three deferrals; log: %s" % t.logtext()[-2000:])
    log = t.logtext()
    assert marker in log, log[-2000:]
    assert "crashed" not in log and "status=failed" not in log, log[-2000:]
    assert t.proc.poll() is None, log[-2000:]
    assert len(t.home.ids("info")) + len(t.home.ids("todo")) == 3, t.home.queue_files()
    for pid in pids:
        set_limits(t.prefix, pid, **old[pid])
    t.wait_empty(timeout=60)
    got = sorted(d for _, d in t.maildir(t.home.path("mail", "alice", "Maildir")))
    assert len(got) == 3 and all(g.endswith(m) for g, m in zip(got, sorted(msgs))), got
    t.stop()


def test_scheduler_out_of_processes_defers_then_delivers():
    if not is_root():
        print("    skipped: root is exempt from RLIMIT_NPROC and only root can run the "
              "test as another account")
        return
    starved_scheduler({"nproc": ("Max processes", lambda pid: 1)},
                      "too many processes (RLIMIT_NPROC)")


def test_scheduler_out_of_descriptors_defers_then_delivers():
    # No descriptor beyond those now open: the agent's pipe and the message's fd fail.
    starved_scheduler({"nofile": ("Max open files",
                                  lambda pid: len(os.listdir("/proc/%d/fd" % pid)))},
                      "Too many open files")


def smtp_dialogue(p, line, timeout=30):
    """Send one command line to a stamp-smtpd on pipes; its whole reply (bytes)."""
    import select
    if line is not None:
        p.stdin.write(line)
        p.stdin.flush()
    out = b""
    while True:
        r, _, _ = select.select([p.stdout], [], [], timeout)
        assert r, ("no reply to", line, out)
        b = os.read(p.stdout.fileno(), 65536)
        assert b, ("stamp-smtpd closed the session after", line, out)
        out += b
        last = out.rstrip(b"\r\n").split(b"\r\n")[-1]
        if out.endswith(b"\r\n") and len(last) >= 4 and last[3:4] == b" ":
            return out


def test_smtpd_on_a_full_disk_answers_4xx_and_recovers():
    """stamp-smtpd (one session on stdin/stdout, as under inetd) in front of
    a queue on a small tmpfs: a message that does not fit gets a 4xx after
    the data, never a 5xx; the session carries on, nothing of the refused
    message stays, and once there is room the same session's next message
    gets 250."""
    if not is_root():
        print("    skipped: needs root to mount a small tmpfs")
        return
    h = stamptest.Home(setup=False)
    os.chmod(h.top, 0o755)                # stamp-smtpd runs as the test account
    fs = os.path.join(h.top, "fs")
    mount_tmpfs(fs, "1m")
    h.dir = os.path.join(fs, "home")
    r = stamptest.run([stamptest.bin_path("stamp-setup"), "--home", h.dir])
    assert r.code == 0, r
    for name, value in (("me", "mx.example.org"), ("locals", "example.org"),
                        ("rcpthosts", "example.org"), ("databytes", "1000000")):
        h.control(name, value)
    with open(h.path("users"), "w") as f:
        f.write("alice:x:\n")
    u = unprivileged_account()
    for root, dirs, files in os.walk(fs):
        for n in dirs + files:
            os.lchown(os.path.join(root, n), u.pw_uid, u.pw_gid)
    p = stamptest.spawn(["setpriv", "--reuid=%d" % u.pw_uid, "--regid=%d" % u.pw_gid,
                         "--clear-groups", "--", stamptest.bin_path("stamp-smtpd"),
                         "--home", h.dir], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)
    def end():
        p.kill()
        p.wait(10)
        for f in (p.stdin, p.stdout, p.stderr):
            f.close()
    stamptest.add_cleanup(end)
    greeting = smtp_dialogue(p, None)
    assert greeting.startswith(b"220"), (greeting, p.stderr.read1(4096) if p.poll() is not None else "")
    assert smtp_dialogue(p, b"EHLO client.example\r\n").startswith(b"250")
    body = BIG.replace(b"\n", b"\r\n") + b".\r\n"
    replies = []
    for _ in range(40):
        assert smtp_dialogue(p, b"MAIL FROM:<a@outside.example>\r\n").startswith(b"250")
        assert smtp_dialogue(p, b"RCPT TO:<alice@example.org>\r\n").startswith(b"250")
        assert smtp_dialogue(p, b"DATA\r\n").startswith(b"354")
        replies.append(smtp_dialogue(p, body))
        if not replies[-1].startswith(b"250"):
            break
    accepted = sum(1 for x in replies if x.startswith(b"250"))
    refused = replies[-1]
    assert 0 < accepted < 40, replies
    # Out of room is temporary (451/452), with the reason, never a 5xx.
    assert refused[:3] in (b"451", b"452"), refused
    assert len(h.ids("todo")) == accepted
    assert len(h.queue_files("mess")) == accepted, h.queue_files("mess", "intd")
    assert not h.queue_files("intd")
    for qid in h.ids("todo"):
        with open(h.path("queue", stamptest.qpath("mess", qid)), "rb") as f:
            assert f.read().endswith(BIG)
    # Room again: the same session goes on and its next message is queued.
    resize_tmpfs(fs, "4m")
    assert smtp_dialogue(p, b"RSET\r\n").startswith(b"250")
    assert smtp_dialogue(p, b"MAIL FROM:<a@outside.example>\r\n").startswith(b"250")
    assert smtp_dialogue(p, b"RCPT TO:<alice@example.org>\r\n").startswith(b"250")
    assert smtp_dialogue(p, b"DATA\r\n").startswith(b"354")
    assert smtp_dialogue(p, body).startswith(b"250")
    assert len(h.ids("todo")) == accepted + 1
    assert smtp_dialogue(p, b"QUIT\r\n").startswith(b"221")
    p.wait(10)
    print("    %d accepted, then %r" % (accepted, refused.strip()[:60]))
