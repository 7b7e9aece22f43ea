#!/usr/bin/env python3
"""bench/fsync.py: the disk's fsync ceiling, the physical limit that every
durable mail figure is read against.

usage: bench/fsync.py [--dir DIR] [--seconds S] [--size BYTES]

In DIR (default: a scratch folder under /tmp; give the folder that holds
the queue to measure its disk), for S seconds: create a file, write SIZE
bytes, fsync it, rename it into place, fsync the folder, and unlink it; as
stamp-queue does once per message. Prints loops per second, with and
without the folder fsync. Asserts nothing.
"""

import argparse
import os
import shutil
import tempfile
import time


def loop(d, seconds, data, dir_fsync):
    n = 0
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    t0 = time.monotonic()
    end = t0 + seconds
    while time.monotonic() < end:
        tmp = os.path.join(d, "t%d" % n)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        final = os.path.join(d, "f%d" % n)
        os.rename(tmp, final)
        if dir_fsync:
            os.fsync(dfd)
        os.unlink(final)
        n += 1
    os.close(dfd)
    return n / (time.monotonic() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--size", type=int, default=4096)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="stamp-fsync.", dir=a.dir)
    try:
        data = b"x" * a.size
        with_dir = loop(d, a.seconds, data, True)
        without = loop(d, a.seconds, data, False)
        print("fsync ceiling in %s (%d-byte files, %.0fs each):" % (os.path.dirname(d), a.size, a.seconds))
        print("  create+write+fsync+rename+fsync(dir): %8.0f /s" % with_dir)
        print("  create+write+fsync+rename:            %8.0f /s" % without)
    finally:
        shutil.rmtree(d, True)


if __name__ == "__main__":
    main()
