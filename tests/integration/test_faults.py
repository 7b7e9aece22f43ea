"""Faults: a full disk under the queue and under a Maildir, and too few file
descriptors. stamp must answer with temporary errors, keep every accepted
message, leave nothing half-made, and carry on once the trouble is gone.

The full disks are small tmpfs mounts, so these tests need root (CI runs as
root); as another user they say so and pass without testing.
"""

import os
import subprocess

import stamptest
from test_local import Local, unprivileged_account
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
