"""Processes: run with a time bound, stop what we started, read peak RSS."""

import os
import signal
import subprocess
import threading
import time


def run(args, timeout, **kw):
    """subprocess.run with a time bound; the child is killed when it runs over."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    return subprocess.run(args, timeout=timeout, check=False, **kw)


def stop(p, grace=20):
    """SIGTERM the process group p leads (started with start_new_session), then SIGKILL."""
    if p is None or p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        p.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(5)


def wait_until(pred, timeout, step=0.01, what="condition"):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise TimeoutError("%s not met after %.0f s" % (what, timeout))
        time.sleep(step)


def _stat(pid):
    """(comm, ppid) of pid, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index("(") + 1:s.rindex(")")]
    return comm, int(s[s.rindex(")") + 2:].split()[1])


def hwm_kib(pid):
    """VmHWM (peak resident set) of pid in KiB, or 0 when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(root):
    """{pid: (comm, ppid)} of every live descendant of root."""
    table = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = _stat(int(d))
            if st:
                table[int(d)] = st
    out, todo = {}, [root]
    while todo:
        parent = todo.pop()
        for pid, (comm, ppid) in table.items():
            if ppid == parent and pid not in out:
                out[pid] = (comm, ppid)
                todo.append(pid)
    return out


class RssSampler:
    """Samples the peak RSS of root's descendants every `step` seconds while
    running; .peaks[(comm, depth)] is the largest VmHWM seen, in KiB, where
    depth 1 is a child of root (a listener master), 2 a worker, 3 a
    session's helper."""

    def __init__(self, root, step=0.02):
        self.root, self.step = root, step
        self.peaks = {}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)

    def _depth(self, pid, procs):
        d = 0
        while pid in procs:
            pid = procs[pid][1]
            d += 1
        return d

    def sample(self):
        procs = descendants(self.root)
        for pid, (comm, _) in procs.items():
            k = (comm, self._depth(pid, procs))
            self.peaks[k] = max(self.peaks.get(k, 0), hwm_kib(pid))

    def _loop(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.step)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(10)
        self.sample()


def tree_cpu_seconds(root):
    """CPU seconds (user + system) used so far by root and every descendant,
    including the ones that ended and were reaped (their parents' cutime and
    cstime): the difference over a run is what the run cost the system."""
    hz = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [root] + list(descendants(root)):
        try:
            with open("/proc/%d/stat" % pid) as f:
                s = f.read()
        except OSError:
            continue
        w = s[s.rindex(")") + 2:].split()
        total += sum(int(x) for x in w[11:15])     # utime stime cutime cstime
    return total / hz
