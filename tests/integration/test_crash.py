"""Crash consistency of the programs that face clients (issue 9):
stamp-smtpd killed with SIGKILL around and after DATA, and stamp-popd killed
with SIGKILL while QUIT's UPDATE removes the messages marked DELE.

The kill points are chosen by a seed, printed first; STAMPTEST_SEED=N
replays a run. (stamp-queue killed during injection is in test_queue.py,
stamp-send killed during delivery in test_send.py and test_local.py.)
"""

import os
import random
import re
import signal
import socket
import time

import stamptest
from pop3env import Pop3
from smtpdtest import Raw, Smtpd, lf


def seeded(name):
    seed = int(os.environ.get("STAMPTEST_SEED", random.SystemRandom().randrange(1 << 32)))
    print("    %s: seed %d (STAMPTEST_SEED=%d replays it)" % (name, seed, seed), flush=True)
    return random.Random(seed)


def gone(pid):
    """pid has exited (a zombie counts: it does nothing more)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def running(exe):
    """Live processes running the program exe (this build's: no other run's)."""
    exe = os.path.realpath(exe)
    out = []
    for d in os.listdir("/proc"):
        try:
            if d.isdigit() and os.readlink("/proc/%s/exe" % d) == exe and not gone(int(d)):
                out.append(int(d))
        except OSError:
            pass
    return out


def drain(sock, buf):
    """Everything the peer sent until it closed (it was killed): buf + the rest."""
    sock.settimeout(10)
    try:
        while True:
            b = sock.recv(65536)
            if not b:
                break
            buf += b
    except (ConnectionResetError, socket.timeout):
        pass
    return buf


# ---- stamp-smtpd killed around and after DATA --------------------------------

ROUNDS = 200
SAN_ROUNDS = 100        # the sanitizer build is several times slower; keep it in time


def smtp_message(n, rnd):
    head = b"X-Seq: %d\r\nSubject: crash %d\r\n\r\n" % (n, n)
    line = b"%d pack my box with five dozen liquor jugs\r\n" % n
    return head + line * (rnd.choice((200, 5000, 60000)) // len(line) + 1)


def seq_of(data):
    m = re.search(rb"^X-Seq: (\d+)$", data, re.M)
    assert m, data[:300]
    return int(m.group(1))


class Session:
    """One SMTP session to s with the pid of its stamp-smtpd (tcpserver's log names it)."""

    def __init__(self, s):
        self.s = s
        start = len(s.log)                  # client ports come round again: only new lines
        self.r = Raw(s.port, timeout=20)
        self.pid = s.session_pid(self.r.s.getsockname()[1], start)
        assert self.r.reply().startswith("220")

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            raise AssertionError("stamp-smtpd %d ended before its kill: %s"
                                 % (self.pid, self.s.logtext()[-3000:]))
        return drain(self.r.s, self.r.buf)


def smtpd_round(s, n, msg, phase, rnd, window):
    """One message in one session, stamp-smtpd killed at phase. (got a 250, latency)"""
    t = Session(s)
    for cmd, code in ((b"EHLO crash.example", "250"), (b"MAIL FROM:<c@crash.example>", "250"),
                      (b"RCPT TO:<alice@example.org>", "250"), (b"DATA", "354")):
        t.r.send(cmd + b"\r\n")
        got = t.r.reply()
        assert got.startswith(code), (cmd, got)
    data = msg + b".\r\n"
    if phase == "data":                     # somewhere in the stream, before the final dot
        t.r.send(data[:rnd.randrange(1, len(msg))])
        time.sleep(rnd.uniform(0, 0.002))
        rest = t.kill()
        assert b"250 " not in rest, rest
        t.r.close()
        return False, None
    t0 = time.monotonic()
    t.r.send(data)
    if phase == "dot":                      # after the dot, while it queues, before/around the 250
        time.sleep(rnd.uniform(0, window))
        rest = t.kill()
        t.r.close()
        lines = rest.split(b"\r\n")
        assert all(not l or l[:3] in (b"250", b"451") for l in lines), rest
        return b"250 " in rest, None
    reply = t.r.reply()
    took = time.monotonic() - t0
    assert reply.startswith("250 "), reply
    if phase == "after":                    # the 250 is out: the message is the server's
        t.kill()
    else:
        t.r.send(b"QUIT\r\n")
        assert t.r.reply().startswith("221")
    t.r.close()
    return True, took


def test_smtpd_killed_around_data_loses_no_accepted_message():
    rnd = seeded("smtpd crash")
    from test_privilege import is_san
    rounds = SAN_ROUNDS if is_san(stamptest.BUILD) else ROUNDS
    s = Smtpd(controls={"databytes": "200000"})
    h = s.home
    sent, accepted = {}, set()
    phases = {"data": 0, "dot": 0, "after": 0, "none": 0}
    window, lat = 0.02, []
    for n in range(rounds):
        sent[n] = smtp_message(n, rnd)
        phase = rnd.choices(list(phases), (25, 40, 20, 15))[0]
        phases[phase] += 1
        ok, took = smtpd_round(s, n, sent[n], phase, rnd, window)
        if ok:
            accepted.add(n)
        if took is not None:                # kills after the dot spread over the time a 250 takes
            lat.append(took)
            window = 1.2 * sorted(lat)[len(lat) // 2]
    # A stamp-queue --serve whose stamp-smtpd died finishes the message it
    # had (it may not even have reached main() yet: no cwd or home to go by).
    queue_prog = stamptest.bin_path("stamp-queue")
    stamptest.wait_for(lambda: not running(queue_prog), 30, what="injectors to end")

    queued = {}
    for qid in h.ids("todo"):
        with open(h.path("queue", stamptest.qpath("todo", qid)), "rb") as f:
            env = stamptest.parse_envelope(f.read())        # raises when torn
        assert env["R"] == ["alice@example.org"], env
        with open(h.path("queue", stamptest.qpath("mess", qid)), "rb") as f:
            data = f.read()
        i = seq_of(data)
        assert data.endswith(lf(sent[i])), "message %d queued in part" % i
        assert i not in queued, "message %d queued twice" % i
        queued[i] = qid
    lost = sorted(accepted - set(queued))
    dup = sorted(set(queued) - accepted)
    for rel in h.queue_files("intd"):       # leftovers of killed injections: never committed
        assert rel.rsplit("/", 1)[1] not in queued.values(), rel

    # The scheduler removes the leftovers and delivers each queued message once, whole.
    got = s.deliver(len(queued), timeout=60)
    s.t.wait_empty(timeout=60)
    assert not h.queue_files("intd", "mess"), h.queue_files()
    delivered = {}
    for data in got:
        i = seq_of(data)
        assert data.endswith(lf(sent[i])), "message %d delivered in part" % i
        delivered[i] = delivered.get(i, 0) + 1
    assert all(c == 1 for c in delivered.values()), delivered
    assert set(delivered) == set(queued), (sorted(delivered), sorted(queued))
    print("    smtpd crash: injected %d, accepted %d, queued %d, delivered %d, duplicated %d, "
          "lost %d, partial 0 (kills: %s)" % (rounds, len(accepted), len(queued), len(delivered),
                                               len(dup), len(lost), phases))
    # A kill after the commit but before the 250 reached the client leaves a
    # whole message the client will send again: the allowed duplicate. A
    # message with a 250 must be there: lost must be 0.
    assert not lost, "accepted but lost: %s" % lost
    assert phases["data"] and phases["dot"] and phases["after"], phases
    s.stop()


# ---- stamp-popd killed during QUIT's UPDATE ----------------------------------

POP_ROUNDS = 20
MAILBOX = 400


def transaction_pid(top_pid):
    """The stamp-popd --transaction of the one session under top_pid (it does the UPDATE)."""
    from test_privilege import tree
    for p in tree(top_pid):
        try:
            with open("/proc/%d/cmdline" % p, "rb") as f:
                if b"--transaction" in f.read().split(b"\0"):
                    return p
        except OSError:
            pass
    return None


class Mailbox:
    """alice's Maildir, filled with files named as stamp-local names them."""

    def __init__(self, path):
        self.path = path
        st = os.stat(path)
        self.owner = (st.st_uid, st.st_gid)
        self.made = {}                      # unique name -> contents
        self.n = 0
        self.made = self.files()

    def fill(self, rnd, upto):
        now = int(time.time())
        for _ in range(upto - len(self.files())):
            self.n += 1
            data = b"X-Seq: %d\nSubject: pop crash\n\n" % self.n + b"line\n" * rnd.randrange(1, 400)
            uniq = "%d.M%dP%dQ%d.crash,S=%d,W=%d" % (now, self.n, os.getpid(), self.n, len(data),
                                                       len(data) + data.count(b"\n"))
            tmp = os.path.join(self.path, "tmp", uniq)
            with open(tmp, "wb") as f:
                f.write(data)
            os.chown(tmp, *self.owner)
            os.rename(tmp, os.path.join(self.path, "new", uniq))
            self.made[uniq] = data

    def files(self):
        """{unique name: contents} of every message file in new/ and cur/."""
        out = {}
        for sub in ("new", "cur"):
            for name in os.listdir(os.path.join(self.path, sub)):
                uniq = name.split(":", 1)[0]
                assert uniq not in out, ("a message twice", name)
                with open(os.path.join(self.path, sub, name), "rb") as f:
                    out[uniq] = f.read()
        return out


def pop_listing(c):
    """{uidl: size} from UIDL and LIST, checked against STAT."""
    count, total = c.stat()
    uidl = dict(l.decode().split() for l in c.uidl()[1])
    sizes = dict(l.decode().split() for l in c.list()[1])
    assert len(uidl) == len(sizes) == count, (count, uidl, sizes)
    assert sum(int(v) for v in sizes.values()) == total, (total, sizes)
    return {uidl[k]: int(sizes[k]) for k in uidl}


def test_popd_killed_during_update_deletes_whole_messages_or_none():
    rnd = seeded("popd crash")
    p = Pop3()
    p.deliver([b"Subject: first\n\nmakes the Maildir\n"])
    # A SHA-512 hash of 5,000 rounds instead of stamp-user's yescrypt: 40
    # logins, and this test is about the UPDATE.
    r = stamptest.run(["openssl", "passwd", "-6", "-salt", "crashtst", p.passwords["alice"]])
    assert r.code == 0, r
    with open(p.home.path("users"), "w") as f:
        f.write("alice:%s:\n" % r.text().strip())
    box = Mailbox(p.maildir())
    port = p.serve()
    top = p.procs[-1].pid
    marked = deleted = 0
    ends = {"before": 0, "cut": 0, "unlinked": 0, "completed": 0}
    window, lat = 0.02, []
    for rnd_no in range(POP_ROUNDS):
        box.fill(rnd, MAILBOX)
        c = p.client(port)
        before = pop_listing(c)                     # uidl -> size
        nums = {l.decode().split()[1]: l.decode().split()[0] for l in c.uidl()[1]}
        dele = set(u for u in before if rnd.random() < 0.7)
        for u in dele:
            assert c.dele(nums[u]).startswith(b"+OK")
        tpid = transaction_pid(top)
        assert tpid, "no stamp-popd --transaction under %d" % top
        kill = rnd_no % 5 != 0                      # every fifth QUIT runs to its end
        t0 = time.monotonic()
        c.sock.sendall(b"QUIT\r\n")
        if kill:
            # The unlinks take a millisecond or two, then fsync(cur) and the
            # reply most of the rest: half the kills aim at the unlinks.
            time.sleep(rnd.uniform(0, window / (1 if rnd.random() < 0.5 else 4)))
            try:
                os.kill(tpid, signal.SIGKILL)
            except ProcessLookupError:
                pass                                # it was quicker: a completed UPDATE
        c.sock.settimeout(10)
        rest = c.sock.recv(1) if not kill else b""
        took = time.monotonic() - t0
        rest = drain(c.sock, rest)
        c.sock.close()
        if not kill:
            assert rest.startswith(b"+OK"), rest
            lat.append(took)                    # QUIT to its +OK: the UPDATE's time
            window = 1.2 * sorted(lat)[len(lat) // 2]
        stamptest.wait_for(lambda: gone(tpid), 10, what="the killed session to end")

        after = box.files()
        for u, data in after.items():               # whatever is there is whole, and ours
            assert u in box.made and data == box.made[u], ("a changed message", u)
        for u in before:
            if u not in after:
                assert u in dele, ("a message not marked DELE is gone", u)
        gone_now = [u for u in dele if u not in after]
        if rest.startswith(b"+OK"):
            ends["completed"] += 1
            assert len(gone_now) == len(dele), ("+OK but messages left", dele - set(after))
        else:
            assert kill and not rest, rest
            ends["before" if not gone_now else "cut" if len(gone_now) < len(dele) else "unlinked"] += 1
        marked += len(dele)
        deleted += len(gone_now)
        # A new session serves what is on disk, with the same UIDLs as before.
        c = p.client(port)
        now = pop_listing(c)
        c.quit()
        assert set(now) == set(after), (sorted(set(now) ^ set(after)))
        for u, size in now.items():
            assert size == before[u] or u not in before, (u, size, before.get(u))
            data = after[u]
            assert size == len(data) + data.count(b"\n"), (u, size)
    print("    popd crash: %d sessions, %d messages marked DELE, %d deleted, %d kept, "
          "not marked but gone 0, partial 0; killed before any unlink %d, amid the unlinks %d, "
          "after them %d; completed %d" % (POP_ROUNDS, marked, deleted, marked - deleted,
                                           ends["before"], ends["cut"], ends["unlinked"],
                                           ends["completed"]))
    # Kills landed before the reply (the restarted sessions above had work to check).
    assert ends["before"] + ends["cut"] + ends["unlinked"] > 0, ends
