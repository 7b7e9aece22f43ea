"""stamp-queue, stamp-qstat and stamp-qread from the outside (queue/README.md)."""

import os
import random
import re
import shutil
import signal
import time

import stamptest
from stamptest import Home, envelope_bytes, parse_envelope, qpath

SENDER = "alice@example.org"
RCPT = "bob@example.net"
MESSAGE = (b"From: alice@example.org\r\nTo: bob@example.net\r\nSubject: hello\r\n\r\n"
           b"line one\r\nbare CR\rhere\nbare LF\r\n.\r\nlast line without end")

STATES = ("mess", "intd", "todo")


def lf(data):
    """What the queue stores: every CR LF made LF, bare CR and LF kept."""
    return data.replace(b"\r\n", b"\n")


def check_message_file(h, qid, sent):
    """mess/BB/ID is a Received: line from stamp-queue, then the data with LF ends."""
    with open(h.path("queue", qpath("mess", qid)), "rb") as f:
        data = f.read()
    first, _, rest = data.partition(b"\n")
    assert re.match(rb"Received: \(stamp-queue \d+ invoked by uid \d+\); .+", first), first
    assert rest == lf(sent), (rest[:200], lf(sent)[:200])


def read_envelope(h, qid, state="todo"):
    with open(h.path("queue", qpath(state, qid)), "rb") as f:
        return parse_envelope(f.read())


def assert_no_files(h):
    left = h.queue_files(*STATES)
    assert left == [], "left behind: %s" % left


# ---- a message in, and what the tools and the disk show ---------------------

def test_inject_one_and_look():
    h = Home()
    r = h.queue(MESSAGE, SENDER, [RCPT])
    assert r.code == 0, r
    ids = h.ids("todo")
    assert len(ids) == 1, h.queue_files()
    qid = ids[0]
    assert re.fullmatch(r"[0-9a-f]{16}", qid), qid
    # The first 8 hex digits are the commit second.
    assert abs(int(qid[:8], 16) - time.time()) < 120, qid
    assert h.queue_files() == [qpath("mess", qid), qpath("todo", qid)], h.queue_files()

    check_message_file(h, qid, MESSAGE)
    env = read_envelope(h, qid)
    assert env["I"] == qid and env["F"] == SENDER and env["R"] == [RCPT], env
    assert env["U"] == str(os.getuid()), env
    assert abs(int(env["T"]) - time.time()) < 120, env

    r = h.run("stamp-qstat")
    assert r.code == 0, r
    assert "messages in queue: 1\n" in r.text(), r
    assert "messages in queue but not yet preprocessed: 1\n" in r.text(), r

    r = h.run("stamp-qread")
    assert r.code == 0, r
    lines = r.text().splitlines()
    assert lines and lines[0].startswith(qid + " "), r
    assert "<%s>" % SENDER in lines[0] and RCPT in lines[0], r
    assert any(RCPT in ln and "state=new" in ln for ln in lines[1:]), r


def test_qstat_qread_empty_queue():
    h = Home()
    r = h.run("stamp-qstat")
    assert r.code == 0 and "messages in queue: 0\n" in r.text(), r
    r = h.run("stamp-qread")
    assert r.code == 0 and r.stdout == b"", r


def test_null_sender_and_many_recipients():
    h = Home()
    rcpts = ["u%d@example.com" % i for i in range(50)]
    r = h.queue(b"Subject: bounce\n\nx\n", "", rcpts)
    assert r.code == 0, r
    (qid,) = h.ids("todo")
    env = read_envelope(h, qid)
    assert env["F"] == "" and env["R"] == rcpts, env
    r = h.run("stamp-qread")
    assert r.code == 0 and "<>" in r.text() and "u49@example.com" in r.text(), r


def test_large_message_kept_exactly():
    h = Home()
    rnd = random.Random(7)
    # Line ends of every kind, CR LF split across every read boundary.
    chunks = [b"\r\n", b"\r", b"\n", b"abc", b"\r\r\n", b"x" * 997]
    body = b"".join(rnd.choice(chunks) for _ in range(60000))
    r = h.queue(body, SENDER, [RCPT])
    assert r.code == 0, r
    (qid,) = h.ids("todo")
    check_message_file(h, qid, body)


def test_trigger_gets_the_id():
    h = Home()
    fifo = h.path("queue", "lock", "trigger")
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    stamptest.add_cleanup(os.close, fd)
    r = h.queue(MESSAGE, SENDER, [RCPT])
    assert r.code == 0, r
    (qid,) = h.ids("todo")
    got = stamptest.wait_for(lambda: _read_nb(fd), timeout=5, what="the trigger")
    assert got == (qid + "\n").encode(), got


def _read_nb(fd):
    try:
        return os.read(fd, 4096)
    except BlockingIOError:
        return b""


def test_no_reader_on_trigger_does_not_block():
    h = Home()
    t0 = time.monotonic()
    r = h.queue(MESSAGE, SENDER, [RCPT], timeout=20)
    assert r.code == 0, r
    assert time.monotonic() - t0 < 15
    assert len(h.ids("todo")) == 1


# ---- every exit code reachable from outside ----------------------------------

ENV_OK = envelope_bytes(SENDER, [RCPT])

# (name, envelope, expected exit code)
BAD_ENVELOPES = [
    ("not F first", b"Xalice@example.org\0Tbob@example.net\0\0", 91),
    ("record neither T nor end", b"F" + SENDER.encode() + b"\0Qbob@example.net\0\0", 91),
    ("no recipients", b"F" + SENDER.encode() + b"\0\0", 91),
    ("missing final NUL", b"F" + SENDER.encode() + b"\0Tbob@example.net\0", 54),
    ("ends inside an address", b"F" + SENDER.encode() + b"\0Tbob@exa", 54),
    ("empty envelope", b"", 54),
    ("sender not a mailbox", b"Fnot a mailbox@@\0Tbob@example.net\0\0", 11),
    ("recipient not a mailbox", b"F\0T<bob>\0\0", 11),
    ("empty recipient", b"F\0T\0\0", 11),
    ("address too long", b"F\0T" + b"a" * 300 + b"@example.net\0\0", 11),
]


def test_bad_envelopes():
    h = Home()
    for name, env, code in BAD_ENVELOPES:
        r = stamptest.queue_raw(h.dir, MESSAGE, env)
        assert r.code == code, (name, r)
        assert b"stamp-queue:" in r.stderr and b"fatal" in r.stderr, (name, r)
        assert_no_files(h)


def test_too_many_recipients():
    h = Home()
    rcpts = ["r%d@example.com" % i for i in range(10001)]
    r = h.queue(MESSAGE, SENDER, rcpts)
    assert r.code == 12, r
    assert_no_files(h)
    # The limit itself is accepted.
    r = h.queue(MESSAGE, SENDER, rcpts[:10000])
    assert r.code == 0, r
    (qid,) = h.ids("todo")
    assert len(read_envelope(h, qid)["R"]) == 10000


def test_databytes():
    h = Home()
    h.control("databytes", "1000")
    r = h.queue(b"x" * 1001, SENDER, [RCPT])
    assert r.code == 13, r
    assert_no_files(h)
    # databytes counts the stored (LF) bytes; exactly the limit passes.
    r = h.queue(b"y" * 1000, SENDER, [RCPT])
    assert r.code == 0, r
    big = b"z\r\n" * 10000
    r = h.queue(big, SENDER, [RCPT])
    assert r.code == 13, r
    assert len(h.ids("todo")) == 1


def test_missing_home():
    h = Home(setup=False)
    r = stamptest.queue_raw(h.dir, MESSAGE, ENV_OK)
    assert r.code == 61, r
    assert not os.path.exists(h.dir)


def test_missing_queue():
    h = Home()
    shutil.rmtree(h.path("queue"))
    r = h.queue(MESSAGE, SENDER, [RCPT])
    assert r.code == 62, r


def test_unreadable_control():
    h = Home()
    # A control file that cannot be read as one (a folder), then bad content.
    os.mkdir(h.path("control", "databytes"))
    r = h.queue(MESSAGE, SENDER, [RCPT])
    assert r.code == 55, r
    assert_no_files(h)
    os.rmdir(h.path("control", "databytes"))
    for bad in ("lots", "-5", "12abc"):
        h.control("databytes", bad)
        r = h.queue(MESSAGE, SENDER, [RCPT])
        assert r.code == 55, (bad, r)
        assert_no_files(h)
    h.control("databytes", "0")
    h.control("timeoutqueue", "nope")
    r = h.queue(MESSAGE, SENDER, [RCPT])
    assert r.code == 55, r
    assert_no_files(h)


def test_broken_queue_folders():
    # Each state folder made unusable in turn: the error names it, and nothing is left.
    for state, code in (("mess", 64), ("intd", 65), ("todo", 66)):
        h = Home()
        p = h.path("queue", state)
        shutil.rmtree(p)
        with open(p, "w") as f:
            f.write("not a folder\n")
        r = h.queue(MESSAGE, SENDER, [RCPT])
        assert r.code == code, (state, r)
        os.unlink(p)
        os.mkdir(p)
        for i in range(256):
            os.mkdir(os.path.join(p, "%02x" % i))
        assert_no_files(h)


def test_arguments_refused():
    h = Home()
    p = stamptest.queue_popen(h.dir, MESSAGE, ENV_OK, args=["--oops"])
    _, err = p.communicate(timeout=30)
    assert p.returncode == 81, (p.returncode, err)
    assert_no_files(h)


def test_timeout_reading_message():
    h = Home()
    h.control("timeoutqueue", "1")
    r_msg, w_msg = os.pipe()
    stamptest.add_cleanup(os.close, w_msg)
    with stamptest._tmpfile(ENV_OK) as e:
        p = stamptest.spawn([stamptest.bin_path("stamp-queue")], h.dir,
                            stdin=r_msg, stdout=e, stderr=stamptest.subprocess.PIPE)
    os.close(r_msg)
    os.write(w_msg, b"Subject: slow\n\npart")
    _, err = p.communicate(timeout=30)
    assert p.returncode == 52, (p.returncode, err)
    assert_no_files(h)


# ---- durability under SIGKILL ------------------------------------------------

N_INJECT = 1000
PARALLEL = 6


def _message(n, rnd):
    size = rnd.choice((50, 2000, 40000, 200000))
    head = b"X-Seq: %d\r\nSubject: durability\r\n\r\n" % n
    line = b"%d the quick brown fox\r\n" % n
    return head + line * (size // len(line) + 1)


def test_durability_sigkill():
    h = Home()
    rnd = random.Random(int(os.environ.get("STAMPTEST_SEED", "20261124")))
    sent = {}          # n -> message bytes
    exited_ok = set()
    killed = 0
    running = []       # (n, popen, kill_at or None)
    n = 0
    deadline = time.monotonic() + 100
    while n < N_INJECT or running:
        assert time.monotonic() < deadline, "durability test too slow (%d started)" % n
        while n < N_INJECT and len(running) < PARALLEL:
            msg = _message(n, rnd)
            sent[n] = msg
            p = stamptest.queue_popen(h.dir, msg, envelope_bytes(SENDER, ["s%d@example.com" % n]),
                                    env=stamptest.no_leak_check())
            # A third are killed at a random moment of their short life.
            kill_at = time.monotonic() + rnd.uniform(0, 0.004) if rnd.random() < 0.33 else None
            running.append((n, p, kill_at))
            n += 1
        still = []
        now = time.monotonic()
        for item in running:
            i, p, kill_at = item
            if p.poll() is not None:
                err = p.stderr.read()
                p.stderr.close()
                if p.returncode == 0:
                    exited_ok.add(i)
                elif p.returncode != -signal.SIGKILL:
                    raise AssertionError("injection %d: exit %d: %r" % (i, p.returncode, err))
                continue
            if kill_at is not None and now >= kill_at:
                p.kill()
                killed += 1
                item = (i, p, None)
            still.append(item)
        running = still
        time.sleep(0.001)

    # Some of the chosen ones finish before their moment comes; enough do not.
    assert killed > 20, killed
    print("    durability: %d injections, %d killed, %d exited 0" % (N_INJECT, killed, len(exited_ok)))
    found = {}
    for qid in h.ids("todo"):
        env = read_envelope(h, qid)          # raises on a torn envelope
        assert env["I"] == qid and env["F"] == SENDER and len(env["R"]) == 1, env
        i = int(re.fullmatch(r"s(\d+)@example.com", env["R"][0]).group(1))
        assert i not in found, "message %d queued twice" % i
        found[i] = qid
        check_message_file(h, qid, sent[i])   # no half message behind a todo entry
    missing = sorted(exited_ok - set(found))
    assert not missing, "exited 0 but not in the queue: %s" % missing[:20]
    # Whatever is left in intd/ has no todo entry (killed before the commit).
    for rel in h.queue_files("intd"):
        assert rel.rsplit("/", 1)[1] not in found, rel
    r = h.run("stamp-qstat")
    assert r.code == 0 and ("messages in queue: %d\n" % len(found)) in r.text(), r
