#!/usr/bin/env python3
"""bench/queue.py: how fast stamp takes and delivers mail, on this machine.

usage: bench/queue.py [--build DIR] [-n MESSAGES] [-c CONCURRENCY] [--size BYTES]

Injects n messages with c concurrent stamp-queue processes into a temporary
home (each one fsynced, as always), then starts stamp-send with the real
stamp-local and times the delivery of all of them to one virtual user's
Maildir. Prints figures; asserts nothing. Run as an ordinary user, or as
root (the stamp users must exist then: make install creates them).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("-c", type=int, default=8)
    ap.add_argument("--size", type=int, default=4000)
    a = ap.parse_args()
    bindir = os.path.abspath(os.path.join(a.build, "bin"))
    top = tempfile.mkdtemp(prefix="stamp-bench.")
    os.chmod(top, 0o755)
    home = os.path.join(top, "home")
    try:
        setup = [os.path.join(bindir, "stamp-setup"), "--home", home]
        if os.geteuid() == 0:
            setup.append("--owners")
        subprocess.run(setup, check=True)
        with open(os.path.join(home, "users"), "w") as f:
            f.write("bench::\n")
        with open(os.path.join(home, "control", "locals"), "w") as f:
            f.write("example.org\n")
        env = dict(os.environ, STAMP_HOME=home)
        body = b"Subject: bench\n\n" + (b"x" * 70 + b"\n") * (a.size // 71)
        envelope = b"Fa@example.org\0Tbench@example.org\0\0"
        mpath, epath = os.path.join(top, "m"), os.path.join(top, "e")
        with open(mpath, "wb") as f:
            f.write(body)
        with open(epath, "wb") as f:
            f.write(envelope)

        t0 = time.monotonic()
        running = []
        for i in range(a.n):
            m, e = open(mpath, "rb"), open(epath, "rb")
            running.append((subprocess.Popen([os.path.join(bindir, "stamp-queue")],
                                             stdin=m, stdout=e, env=env), m, e))
            if len(running) >= a.c:
                p, m, e = running.pop(0)
                assert p.wait() == 0
                m.close()
                e.close()
        for p, m, e in running:
            assert p.wait() == 0
            m.close()
            e.close()
        t1 = time.monotonic()
        print("inject:  %d messages of %d octets, %d at a time: %.2f s, %.0f msg/s" % (
            a.n, len(body), a.c, t1 - t0, a.n / (t1 - t0)))

        new = os.path.join(home, "mail", "bench", "Maildir", "new")
        log = open(os.path.join(top, "send.log"), "wb")
        t2 = time.monotonic()
        send = subprocess.Popen([os.path.join(bindir, "stamp-send"), "--home", home],
                                stdout=log, stderr=log, env=env)
        while not (os.path.isdir(new) and len(os.listdir(new)) >= a.n):
            time.sleep(0.01)
        t3 = time.monotonic()
        send.terminate()
        send.wait()
        print("deliver: %d messages to one Maildir with stamp-local: %.2f s, %.0f msg/s" % (
            a.n, t3 - t2, a.n / (t3 - t2)))
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
