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


def procs_in(top, exe_name):
    """Live processes running exe_name whose working folder is under top."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            exe = os.readlink("/proc/%s/exe" % d)
            cwd = os.readlink("/proc/%s/cwd" % d)
        except OSError:
            continue
        if os.path.basename(exe) == exe_name and cwd.startswith(top) and not gone(int(d)):
            out.append(int(d))
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
        self.r = Raw(s.port, timeout=20)
        cport = self.r.s.getsockname()[1]
        pat = re.compile(r"tcpserver: ok (\d+) \S+ \S*:127\.0\.0\.1:\S*:%d\n" % cport)
        m = stamptest.wait_for(lambda: pat.search(s.logtext()), 10, what="tcpserver's ok line")
        self.pid = int(m.group(1))
        assert self.r.reply().startswith("220")

    def kill(self):
        os.kill(self.pid, signal.SIGKILL)
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
    s = Smtpd(controls={"databytes": "200000"})
    h = s.home
    sent, accepted = {}, set()
    phases = {"data": 0, "dot": 0, "after": 0, "none": 0}
    window, lat = 0.02, []
    for n in range(ROUNDS):
        sent[n] = smtp_message(n, rnd)
        phase = rnd.choices(list(phases), (25, 40, 20, 15))[0]
        phases[phase] += 1
        ok, took = smtpd_round(s, n, sent[n], phase, rnd, window)
        if ok:
            accepted.add(n)
        if took is not None:                # kills after the dot spread over the time a 250 takes
            lat.append(took)
            window = 1.2 * sorted(lat)[len(lat) // 2]
    # A stamp-queue --serve whose stamp-smtpd died finishes the message it had.
    stamptest.wait_for(lambda: not procs_in(h.dir, "stamp-queue"), 30, what="injectors to end")

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
          "lost %d, partial 0 (kills: %s)" % (ROUNDS, len(accepted), len(queued), len(delivered),
                                               len(dup), len(lost), phases))
    # A kill after the commit but before the 250 reached the client leaves a
    # whole message the client will send again: the allowed duplicate. A
    # message with a 250 must be there: lost must be 0.
    assert not lost, "accepted but lost: %s" % lost
    assert phases["data"] and phases["dot"] and phases["after"], phases
    s.stop()
