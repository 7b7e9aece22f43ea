#!/usr/bin/env python3
"""Run stamp's hostile-client probes: every probe_* function of every
probes_*.py here, against the programs of one build.

usage: run.py [--build DIR] [-k PATTERN] [--timeout SECONDS] [FILE...]

Each probe prints `SAFE NAME` or `UNSAFE NAME: why` (then the details), and
the last line is `probes: N safe, N unsafe`. The exit status is the number
of unsafe probes (at most 125): CI fails on any. A probe that crashes,
hangs past its bound or leaves a sanitizer report is UNSAFE too.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import importlib.util  # noqa: E402

import probelib  # noqa: E402  (puts tests/integration on sys.path)
import stamptest  # noqa: E402

# tests/integration/run.py: load() and run_one() (time bound, clean-ups, sanitizer reports)
_spec = importlib.util.spec_from_file_location("integration_run",
                                               os.path.join(probelib.INTEG, "run.py"))
integration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(integration)


def probes_of(mod):
    fns = [v for k, v in vars(mod).items() if k.startswith("probe_") and callable(v)]
    fns.sort(key=lambda f: getattr(getattr(f, "__code__", None), "co_firstlineno", 0))
    return fns


def first_line(why):
    """The reason to print after UNSAFE: the assertion's text, else the exception's."""
    lines = [l for l in why.strip().splitlines() if l.strip()]
    for l in reversed(lines):
        if l.startswith(("probelib.Unsafe:", "Unsafe:", "AssertionError:")):
            return l.split(":", 1)[1].strip()[:300]
    return (lines[-1] if lines else "failed")[:300]


def main():
    ap = argparse.ArgumentParser(description="stamp hostile-client probes")
    ap.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    ap.add_argument("-k", dest="pattern", default=None,
                    help="run only probes whose name contains this")
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="seconds allowed for each probe (default 120)")
    ap.add_argument("files", nargs="*", help="probe files (default: every probes_*.py here)")
    a = ap.parse_args()

    stamptest.set_build(a.build)
    files = a.files or sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                              if f.startswith("probes_") and f.endswith(".py"))
    safe = unsafe = 0
    start = time.monotonic()
    for path in files:
        base = os.path.splitext(os.path.basename(path))[0][len("probes_"):]
        try:
            mod = integration.load(path)
        except Exception as e:
            unsafe += 1
            print("UNSAFE %s: cannot load: %r" % (base, e), flush=True)
            continue
        for fn in probes_of(mod):
            name = "%s.%s" % (base, fn.__name__[len("probe_"):])
            if a.pattern and a.pattern not in name:
                continue
            t0 = time.monotonic()
            why = integration.run_one(fn, a.timeout)
            took = time.monotonic() - t0
            if why is None:
                safe += 1
                print("SAFE %s (%.1fs)" % (name, took), flush=True)
            else:
                unsafe += 1
                print("UNSAFE %s: %s (%.1fs)\n%s" % (name, first_line(why), took, why.rstrip()),
                      flush=True)
    print("probes: %d safe, %d unsafe in %.1fs" % (safe, unsafe, time.monotonic() - start))
    return min(unsafe, 125)


if __name__ == "__main__":
    sys.exit(main())
