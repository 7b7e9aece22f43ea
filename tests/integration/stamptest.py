"""stamptest: helpers for stamp's integration tests (Python 3 standard library only).

A test is a plain function named test_*; it makes what it needs with these
helpers, each of which registers its own clean-up, and run.py runs every
clean-up after the test, whether it passed, failed or timed out:

    def test_something():
        h = stamptest.Home()                 # a fresh STAMP_HOME (stamp-setup)
        r = h.queue(b"Subject: x\\n\\nhi\\n", "a@example.org", ["b@example.org"])
        assert r.code == 0, r.stderr

See README.md beside this file.
"""

import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import zlib

# The build folder whose bin/ holds the programs (run.py --build sets it).
BUILD = os.environ.get("STAMP_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))

# Default bound, in seconds, on one program run.
RUN_TIMEOUT = 30

_cleanups = []


def set_build(path):
    global BUILD
    BUILD = os.path.abspath(path)
    os.environ["STAMP_BUILD"] = BUILD


def bin_path(prog):
    """The path of BUILD/bin/PROG; fails the test when it was not built."""
    p = os.path.join(BUILD, "bin", prog)
    if not os.access(p, os.X_OK):
        raise AssertionError("%s is not built (%s)" % (prog, p))
    return p


def add_cleanup(fn, *args):
    """Run fn(*args) after the current test, whatever happens (last added, first run)."""
    _cleanups.append((fn, args))


def run_cleanups():
    """Run and forget every registered clean-up; returns the errors as text."""
    errors = []
    while _cleanups:
        fn, args = _cleanups.pop()
        try:
            fn(*args)
        except Exception as e:  # a clean-up must not stop the others
            errors.append("%s: %r" % (getattr(fn, "__name__", fn), e))
    return errors


# ---- sanitizer reports ------------------------------------------------------

def sanitizer_prefixes():
    """The log_path prefixes from ASAN_OPTIONS and UBSAN_OPTIONS, if any."""
    out = []
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        for opt in os.environ.get(var, "").split(":"):
            if opt.startswith("log_path="):
                out.append(opt[len("log_path="):])
    return out


def sanitizer_reports():
    """Every sanitizer report file now on disk (log_path.PID)."""
    found = []
    for prefix in sanitizer_prefixes():
        d, base = os.path.split(prefix)
        try:
            names = os.listdir(d or ".")
        except OSError:
            continue
        found += [os.path.join(d, n) for n in names if n.startswith(base + ".")]
    return sorted(found)


# ---- processes --------------------------------------------------------------

def no_leak_check():
    """Environment for a program the test kills with SIGKILL: a kill in the
    middle of LeakSanitizer's exit scan leaves a bogus partial report."""
    opts = os.environ.get("ASAN_OPTIONS")
    return {"ASAN_OPTIONS": opts + ":detect_leaks=0"} if opts else {}


def env_for(home=None, extra=None):
    """The environment for a stamp program: ours (with the sanitizer options)
    plus STAMP_HOME."""
    env = dict(os.environ)
    if home is not None:
        env["STAMP_HOME"] = home
    if extra:
        env.update(extra)
    return env


class Result:
    def __init__(self, code, stdout, stderr, args):
        self.code = code
        self.stdout = stdout
        self.stderr = stderr
        self.args = args

    def text(self):
        return self.stdout.decode("utf-8", "replace")

    def __repr__(self):
        return "Result(%r, code=%r, stdout=%r, stderr=%r)" % (
            self.args, self.code, self.stdout[:2000], self.stderr[:2000])


_procs = []


def _kill_all():
    while _procs:
        p = _procs.pop()
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass


def spawn(args, home=None, env=None, **kw):
    """Popen with the stamp environment; the process is killed after the test."""
    if not _procs:
        add_cleanup(_kill_all)
    p = subprocess.Popen(args, env=env_for(home, env), **kw)
    _procs.append(p)
    return p


def run(args, home=None, input=b"", env=None, timeout=RUN_TIMEOUT):
    """Run a program to its end with input on fd 0; a Result. Past timeout it
    is killed and the test fails."""
    p = spawn(args, home, env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
              stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("%s: no exit after %ss; stderr=%r" % (args, timeout, err[:2000]))
    return Result(p.returncode, out, err, args)


def _tmpfile(data):
    f = tempfile.TemporaryFile()
    f.write(data)
    f.flush()
    f.seek(0)
    return f


def envelope_bytes(sender, rcpts):
    """qmail-queue's envelope: F sender NUL, T rcpt NUL for each, NUL."""
    def b(s):
        return s if isinstance(s, bytes) else s.encode()
    return b"F" + b(sender) + b"\0" + b"".join(b"T" + b(r) + b"\0" for r in rcpts) + b"\0"


def queue_popen(home, message, envelope, env=None, args=()):
    """Start stamp-queue with message (bytes) on fd 0 and envelope (bytes) on
    fd 1, both from temporary files; stderr is a pipe."""
    with _tmpfile(message) as m, _tmpfile(envelope) as e:
        return spawn([bin_path("stamp-queue")] + list(args), home, env,
                     stdin=m, stdout=e, stderr=subprocess.PIPE)


def queue_raw(home, message, envelope, env=None, timeout=RUN_TIMEOUT, args=()):
    """stamp-queue with the envelope given as raw bytes; a Result."""
    p = queue_popen(home, message, envelope, env, args)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        raise AssertionError("stamp-queue: no exit after %ss; stderr=%r" % (timeout, err[:2000]))
    return Result(p.returncode, b"", err, ["stamp-queue"])


# ---- homes ------------------------------------------------------------------

class Home:
    """A temporary STAMP_HOME made by stamp-setup, removed after the test."""

    def __init__(self, setup=True):
        self.top = tempfile.mkdtemp(prefix="stamptest.")
        add_cleanup(shutil.rmtree, self.top, True)
        self.dir = os.path.join(self.top, "home")
        if setup:
            r = run([bin_path("stamp-setup"), "--home", self.dir])
            if r.code != 0:
                raise AssertionError("stamp-setup failed: %r" % r)

    def path(self, *rel):
        return os.path.join(self.dir, *rel)

    def control(self, name, value):
        """Write control/NAME (a line)."""
        with open(self.path("control", name), "w") as f:
            f.write("%s\n" % value)

    def run(self, prog, *args, **kw):
        """Run BUILD/bin/PROG ARGS... with STAMP_HOME set; a Result."""
        return run([bin_path(prog)] + list(args), home=self.dir, **kw)

    def queue(self, message, sender, rcpts, **kw):
        """Inject message with an envelope of sender and rcpts; a Result."""
        return queue_raw(self.dir, message, envelope_bytes(sender, rcpts), **kw)

    def queue_files(self, *states):
        """Relative paths STATE/BB/ID of every file in the named queue states."""
        out = []
        for st in states or ("mess", "intd", "todo", "info", "done", "hold"):
            top = self.path("queue", st)
            for bb in sorted(os.listdir(top)):
                for n in sorted(os.listdir(os.path.join(top, bb))):
                    out.append("%s/%s/%s" % (st, bb, n))
        return out

    def ids(self, state="todo"):
        return [p.rsplit("/", 1)[1] for p in self.queue_files(state)]


def qpath(state, qid):
    """STATE/BB/ID for a queue ID (BB: its last two hex digits)."""
    return "%s/%s/%s" % (state, qid[-2:], qid)


# ---- the envelope file (queue/README.md) ------------------------------------

ENVELOPE_ORDER = "VITUF"


def parse_envelope(data):
    """Parse an envelope file into a dict (V I T U F, R a list); raises
    ValueError when it is not complete and valid, as the scheduler would."""
    recs, pos = [], 0
    while pos < len(data):
        m = re.match(rb"([A-Z])(0|[1-9][0-9]{0,6}):", data[pos:pos + 10])
        if not m:
            raise ValueError("bad record header at %d" % pos)
        typ, n = m.group(1).decode(), int(m.group(2))
        start = pos + m.end()
        if start + n + 1 > len(data) or data[start + n:start + n + 1] != b"\n":
            raise ValueError("record %s at %d runs past the end" % (typ, pos))
        recs.append((typ, data[start:start + n], pos))
        pos = start + n + 1
    types = "".join(t for t, _, _ in recs)
    if not re.fullmatch(r"VITUFR+E", types):
        raise ValueError("records in the wrong order: %s" % types)
    etyp, crc, epos = recs[-1]
    if crc != b"%08x" % zlib.crc32(data[:epos]):
        raise ValueError("bad CRC")
    env = {t: v.decode() for t, v, _ in recs[:5]}
    env["R"] = [v.decode() for t, v, _ in recs if t == "R"]
    if env["V"] != "1":
        raise ValueError("version %r" % env["V"])
    return env


# ---- machine-wide resources -------------------------------------------------

# Two runs may share the machine (check.sh runs build and build-san at once).
# A test that needs what only one run can have at a time (a fixed port such as
# 127.0.0.x:25, system accounts it creates) holds this lock to its end.
FIXED_LOCK = os.path.join(tempfile.gettempdir(), "stamp-tests-fixed.lock")
_fixed = None


def _release_fixed():
    global _fixed
    if _fixed is not None:
        _fixed.close()          # closing the file drops the flock
        _fixed = None


def hold_fixed():
    """Hold the machine-wide test lock until the current test's clean-ups
    (reentrant: a second call in the same test is free)."""
    global _fixed
    if _fixed is not None:
        return
    f = open(FIXED_LOCK, "a")
    fcntl.flock(f, fcntl.LOCK_EX)       # run.py's time bound interrupts a stuck wait
    _fixed = f
    add_cleanup(_release_fixed)


# ---- network ----------------------------------------------------------------

def free_port():
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=10.0, step=0.02, what="condition"):
    """Poll pred() until it is true; fail the test after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(step)


def kill(p, sig=signal.SIGKILL):
    try:
        p.send_signal(sig)
    except OSError:
        pass
