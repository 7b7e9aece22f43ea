"""stamp-send, the scheduler, with scripted delivery agents.

The scheduler finds its agents beside itself, so each test copies stamp-send
and stamp-queue into a folder of its own next to a small sh script playing
stamp-local. The script answers by the recipient's local part: ok* delivers
(saving the message), fail* fails permanently, temp* temporarily, flaky*
fails twice then delivers, slow* sleeps first. The real stamp-local is tested
in test_local.py; here the scheduling is: results, retries, bounces, crash
recovery, flush and removal.
"""

import email
import email.policy
import os
import random
import shutil
import signal
import subprocess
import time

import stamptest

FAKE_LOCAL = r"""#!/bin/sh
# fake stamp-local: --home DIR ID SENDER RECIPIENT
home=$2 id=$3 rcpt=$5
echo "$id $rcpt" >> "$home/attempts.log"
case $rcpt in
fail*) echo "D 5.1.1 no mailbox here by that name"; exit 0 ;;
temp*) echo "Z 4.2.1 mailbox busy, try later"; exit 0 ;;
flaky*)
	n=$(grep -c " $rcpt\$" "$home/attempts.log")
	if [ "$n" -lt 3 ]; then echo "Z 4.2.1 flaky attempt $n"; exit 0; fi ;;
silent*) exit 0 ;;
slow*) sleep 0.2 ;;
esac
mkdir -p "$home/got"
cat > "$home/got/$id.$rcpt.$$" || exit 111
echo "$id $rcpt" >> "$home/delivered.log"
echo "K 2.0.0 delivered to the test mailbox"
"""

MSG = b"From: a@example.org\nTo: b@example.org\nSubject: hello\n\nbody line\n"


def is_root():
    return os.geteuid() == 0


def ensure_users():
    """As root the scheduler drops to stamps and starts stamp-remote as
    stampr: create the users the way make install does."""
    top = os.path.join(os.path.dirname(__file__), "..", "..")
    r = stamptest.run(["sh", os.path.join(top, "etc", "install.sh"), "--users-only",
                       "--home", "/nonexistent"])
    assert r.code == 0, r


class Setup:
    """A home, a bin folder with stamp-send, stamp-queue and the fake agent."""

    def __init__(self, local=FAKE_LOCAL, retrymin=1, retrymax=2, controls=None):
        if is_root():
            ensure_users()
        self.home = stamptest.Home(setup=False)
        os.chmod(self.home.top, 0o755)   # stamps must reach the queue
        args = [stamptest.bin_path("stamp-setup"), "--home", self.home.dir]
        if is_root():
            args.append("--owners")
        r = stamptest.run(args)
        assert r.code == 0, r
        self.bin = os.path.join(self.home.top, "bin")
        os.mkdir(self.bin)
        for p in ("stamp-send", "stamp-queue"):
            shutil.copy2(stamptest.bin_path(p), self.bin)
        with open(os.path.join(self.bin, "stamp-local"), "w") as f:
            f.write(local)
        os.chmod(os.path.join(self.bin, "stamp-local"), 0o755)
        # The agents write beside the home, where any uid may.
        self.out = os.path.join(self.home.top, "out")
        os.mkdir(self.out)
        os.chmod(self.out, 0o1777)
        self.home.control("me", "mx.example.org")
        self.home.control("locals", "example.org")
        self.home.control("retrymin", retrymin)
        self.home.control("retrymax", retrymax)
        for k, v in (controls or {}).items():
            self.home.control(k, v)
        self.proc = None
        self.log = os.path.join(self.home.top, "send.log")

    def queue(self, rcpts, sender="sender@example.org", msg=MSG):
        r = self.home.queue(msg, sender, rcpts)
        assert r.code == 0, r
        return self.home.ids("todo")

    def start(self):
        """Start stamp-send and wait for its ready line."""
        rfd, wfd = os.pipe()
        logf = open(self.log, "ab")
        self.proc = stamptest.spawn(
            [os.path.join(self.bin, "stamp-send"), "--home", self.out_home(),
             "--ready-fd", str(wfd)],
            pass_fds=(wfd,), stdout=logf, stderr=logf, env=stamptest.no_leak_check())
        logf.close()
        os.close(wfd)
        with os.fdopen(rfd, "rb") as r:
            line = r.readline()
        assert line == b"ready\n", "stamp-send did not start: %s" % self.logtext()
        return self.proc

    def out_home(self):
        return self.home.dir

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)
        self.proc = None

    def logtext(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def lines(self, name):
        try:
            with open(os.path.join(self.home.dir, name)) as f:
                return f.read().split("\n")[:-1]
        except FileNotFoundError:
            return []

    def queue_empty(self):
        return not self.home.queue_files("mess", "todo", "info", "done", "intd")

    def wait_empty(self, timeout=30):
        try:
            stamptest.wait_for(self.queue_empty, timeout, what="an empty queue")
        except AssertionError:
            raise AssertionError("queue not empty: %s\nlog:\n%s" % (
                self.home.queue_files(), self.logtext()[-4000:]))

    def got(self):
        d = os.path.join(self.home.dir, "got")
        out = {}
        for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(d, n), "rb") as f:
                out[n] = f.read()
        return out


def agent_home_fix(s):
    """The fake agent writes into the home; as root it runs as root anyway."""
    os.chmod(s.home.dir, 0o777)


def test_delivers_each_recipient_once_and_empties_the_queue():
    s = Setup()
    agent_home_fix(s)
    ids = []
    for i in range(5):
        ids = s.queue(["ok%d@example.org" % i, "ok-x%d@EXAMPLE.org" % i])
    mess = {}
    for qid in ids:
        with open(s.home.path("queue", stamptest.qpath("mess", qid)), "rb") as f:
            mess[qid] = f.read()
    s.start()
    s.wait_empty()
    delivered = s.lines("delivered.log")
    assert len(delivered) == 10, delivered
    assert len(set(delivered)) == 10, delivered
    for name, data in s.got().items():
        qid = name.split(".", 1)[0]
        assert data == mess[qid], (name, data)
    assert "status=delivered" in s.logtext()
    s.stop()


def test_temporary_failure_is_retried_until_delivered():
    s = Setup()
    agent_home_fix(s)
    s.queue(["flaky@example.org"])
    s.start()
    s.wait_empty(timeout=60)
    attempts = [l for l in s.lines("attempts.log") if l.endswith(" flaky@example.org")]
    assert len(attempts) == 3, attempts
    assert s.logtext().count("status=deferred") == 2, s.logtext()
    s.stop()


def parse_bounce(data):
    m = email.message_from_bytes(data, policy=email.policy.default)
    assert m.get_content_type() == "multipart/report", m.get_content_type()
    assert m.get_param("report-type") == "delivery-status"
    parts = list(m.iter_parts())
    ds = [p for p in parts if p.get_content_type() == "message/delivery-status"]
    assert len(ds) == 1, [p.get_content_type() for p in parts]
    groups = list(ds[0].iter_parts()) if ds[0].is_multipart() else []
    return m, parts, groups


def test_permanent_failure_bounces_to_the_sender():
    s = Setup()
    agent_home_fix(s)
    s.queue(["fail@example.org", "ok@example.org"], sender="owner@example.org")
    s.start()
    s.wait_empty()
    got = s.got()
    bounces = [v for k, v in got.items() if ".owner@example.org." in k]
    assert len(bounces) == 1, list(got)
    body = bounces[0]
    m, parts, groups = parse_bounce(body)
    # The Return-Path of a bounce is empty: it was injected with sender <>.
    text = body.decode("utf-8", "replace")
    assert "Final-Recipient: rfc822; fail@example.org" in text, text
    assert "Action: failed" in text
    assert "Status: 5.1.1" in text
    assert "no mailbox here by that name" in text
    assert "ok@example.org" not in text.split("Final-Recipient")[1] or \
        text.count("Final-Recipient") == 1
    assert "status=failed" in s.logtext()
    s.stop()


def test_failed_bounce_goes_to_doublebounceto_and_a_failed_double_bounce_is_dropped():
    s = Setup(controls={"doublebounceto": "pm@example.org"})
    agent_home_fix(s)
    s.queue(["fail@example.org"], sender="")
    s.start()
    s.wait_empty()
    got = s.got()
    assert [k for k in got if ".pm@example.org." in k], list(got)
    s.stop()

    s2 = Setup(controls={"doublebounceto": "fail-pm@example.org"})
    agent_home_fix(s2)
    s2.queue(["fail@example.org"], sender="")
    s2.start()
    s2.wait_empty()
    assert "action=drop-double-bounce" in s2.logtext(), s2.logtext()
    assert not s2.got()
    s2.stop()


def test_queuelifetime_expiry_bounces():
    s = Setup(controls={"queuelifetime": 1})
    agent_home_fix(s)
    s.queue(["temp@example.org"], sender="owner@example.org")
    s.start()
    s.wait_empty(timeout=60)
    got = s.got()
    bounces = [v for k, v in got.items() if ".owner@example.org." in k]
    assert len(bounces) == 1, list(got)
    assert b"Status: 5.4.7" in bounces[0], bounces[0]
    s.stop()


def test_agent_without_a_result_is_a_temporary_failure():
    s = Setup()
    agent_home_fix(s)
    s.queue(["silent@example.org"])
    s.start()
    stamptest.wait_for(lambda: len(s.lines("attempts.log")) >= 2, 30,
                       what="a second attempt")
    assert "gave no result" in s.logtext()
    ids = s.home.ids("info")
    assert len(ids) == 1
    r = s.home.run("stamp-qread", "--json")
    assert r.code == 0, r
    import json
    q = json.loads(r.stdout)
    assert q[0]["recipients"][0]["state"] == "pending", q
    assert q[0]["recipients"][0]["tries"] >= 1, q
    assert "gave no result" in q[0]["recipients"][0]["last_result"], q
    s.stop()


def test_remote_recipients_stay_queued_without_stamp_remote():
    s = Setup(retrymin=3600, retrymax=7200)
    agent_home_fix(s)
    s.queue(["someone@example.net"])
    s.start()
    stamptest.wait_for(lambda: "remote delivery is not available" in s.logtext(), 20,
                       what="a deferral")
    r = s.home.run("stamp-qread")
    assert r.code == 0, r
    assert "someone@example.net state=pending tries=1" in r.text(), r.text()
    assert "next=" in r.text()
    s.stop()
    assert s.home.ids("info"), "the message must stay queued"


def test_qflush_retries_now_and_qrm_removes():
    s = Setup(retrymin=3600, retrymax=7200)
    agent_home_fix(s)
    s.queue(["temp@example.org"])
    s.start()
    stamptest.wait_for(lambda: len(s.lines("attempts.log")) == 1, 20, what="one attempt")
    r = s.home.run("stamp-qflush")
    assert r.code == 0, r
    stamptest.wait_for(lambda: len(s.lines("attempts.log")) == 2, 20, what="a flushed retry")
    qid = s.home.ids("info")[0]
    r = s.home.run("stamp-qrm", qid)
    assert r.code == 0, r
    s.wait_empty()
    assert "action=remove" in s.logtext()
    s.stop()
    # Without a scheduler, stamp-qflush says so and stamp-qrm works alone.
    r = s.home.run("stamp-qflush")
    assert r.code == 1 and b"not running" in r.stderr, r
    qid = s.queue(["temp@example.org"])[0]
    r = s.home.run("stamp-qrm", qid)
    assert r.code == 0, r
    assert s.queue_empty(), s.home.queue_files()
    r = s.home.run("stamp-qrm", qid)
    assert r.code == 1, r


def test_startup_removes_leftovers_only():
    s = Setup()
    agent_home_fix(s)
    keep = s.queue(["temp@example.org"])[0]
    q = s.home.path("queue")
    # An interrupted injection: a message and an envelope being written.
    junk = "5f00000011111111"
    for st in ("mess", "intd"):
        with open(os.path.join(q, stamptest.qpath(st, junk)), "w") as f:
            f.write("partial")
    # An orphan done log.
    orphan = "5f000000222222" + "ab"
    with open(os.path.join(q, stamptest.qpath("done", orphan)), "w") as f:
        f.write("K0:\n")
    s.start()
    stamptest.wait_for(lambda: "action=recover" in s.logtext(), 10, what="recovery")
    left = s.home.queue_files("mess", "intd", "done")
    assert not [p for p in left if junk in p or orphan in p], left
    assert [p for p in s.home.queue_files("mess") if keep in p]
    s.stop()


def test_sigterm_waits_for_running_deliveries():
    s = Setup()
    agent_home_fix(s)
    s.queue(["slow@example.org"])
    p = s.start()
    stamptest.wait_for(lambda: s.lines("attempts.log"), 10, what="an attempt")
    p.send_signal(signal.SIGTERM)
    assert p.wait(30) == 0
    assert len(s.lines("delivered.log")) == 1
    assert "action=exit running=0" in s.logtext(), s.logtext()


def test_one_scheduler_per_queue():
    s = Setup()
    agent_home_fix(s)
    s.start()
    r = stamptest.run([os.path.join(s.bin, "stamp-send"), "--home", s.home.dir])
    assert r.code == 111 and b"another stamp-send" in r.stderr, r
    s.stop()


def test_crash_recovery_loses_nothing():
    """1,000 messages; stamp-send killed with SIGKILL three times mid-way."""
    s = Setup()
    agent_home_fix(s)
    n = 1000
    procs = []
    for i in range(n):
        procs.append(stamptest.queue_popen(s.home.dir, MSG + b"%d\n" % i,
                                           stamptest.envelope_bytes("a@example.org",
                                                                    ["ok%d@example.org" % i])))
        if len(procs) >= 10:
            for p in procs:
                assert p.wait(60) == 0
            procs = []
    for p in procs:
        assert p.wait(60) == 0
    rnd = random.Random(1)
    for k in range(3):
        s.start()
        target = (k + 1) * n // 4
        stamptest.wait_for(lambda: len(s.lines("delivered.log")) >= target, 120,
                           step=0.005, what="%d deliveries" % target)
        time.sleep(rnd.random() * 0.05)
        s.stop(signal.SIGKILL)
        # The spawner and agents notice and finish alone; give them a moment.
    s.start()
    s.wait_empty(timeout=240)
    s.stop()
    delivered = s.lines("delivered.log")
    rcpts = [l.split()[1] for l in delivered]
    missing = set("ok%d@example.org" % i for i in range(n)) - set(rcpts)
    assert not missing, sorted(missing)[:10]
    print("    crash test: %d messages, %d deliveries, %d delivered twice" % (
        n, len(rcpts), len(rcpts) - len(set(rcpts))))


def test_sighup_rereads_controls_and_keeps_old_ones_when_broken():
    s = Setup()
    p = s.start()
    s.home.control("retrymin", 5)
    p.send_signal(signal.SIGHUP)
    stamptest.wait_for(lambda: "action=reload" in s.logtext(), 10, what="a reload")
    s.home.control("retrymin", "soon")
    p.send_signal(signal.SIGHUP)
    stamptest.wait_for(lambda: "kept the old settings" in s.logtext(), 10,
                       what="a refused reload")
    # Still working after a refused reload.
    s.queue(["ok@example.org"])
    s.wait_empty()
    s.stop()
