#!/usr/bin/env python3
"""Run stamp's integration tests: every function test_* of every test_*.py here.

usage: run.py [--build DIR] [-k PATTERN] [--timeout SECONDS] [FILE...]

Prints `ok NAME` or `FAIL NAME` and the traceback for each test, then a
summary, and exits with the number of tests that failed (at most 125).
"""

import argparse
import importlib.util
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import stamptest  # noqa: E402


class TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise TestTimeout("the test ran out of time")


def load(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def tests_of(mod):
    """The module's test functions, in the order they are written."""
    fns = [v for k, v in vars(mod).items() if k.startswith("test_") and callable(v)]
    fns.sort(key=lambda f: getattr(getattr(f, "__code__", None), "co_firstlineno", 0))
    return fns


def run_one(fn, timeout, fixed=None):
    """Run fn with a time bound and its clean-ups; None on success, else the text why.
    fixed: the module's FIXED (why it needs machine-wide resources): the test
    then holds stamptest's machine-wide lock from start to clean-up."""
    before = set(stamptest.sanitizer_reports())
    why = None
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        try:
            if fixed:
                stamptest.hold_fixed()
            fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except TestTimeout:
        why = "timed out after %ss\n%s" % (timeout, traceback.format_exc())
    except Exception:
        why = traceback.format_exc()
    # Clean-ups get their own bound, so a stuck one cannot hang the run.
    signal.setitimer(signal.ITIMER_REAL, 60)
    try:
        errors = stamptest.run_cleanups()
    except TestTimeout:
        errors = ["clean-up timed out"]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if errors:
        why = (why or "") + "clean-up: " + "; ".join(errors) + "\n"
    new = [r for r in stamptest.sanitizer_reports() if r not in before]
    for r in new:
        try:
            with open(r, errors="replace") as f:
                text = f.read()
            os.unlink(r)
        except OSError as e:
            text = "(cannot read: %s)" % e
        why = (why or "") + "sanitizer report %s:\n%s\n" % (r, text)
    return why


def main():
    ap = argparse.ArgumentParser(description="stamp integration tests")
    ap.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"),
                    help="the build folder (its bin/ holds the programs)")
    ap.add_argument("-k", dest="pattern", default=None,
                    help="run only tests whose name (file.function) contains this")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds allowed for each test (default 300)")
    ap.add_argument("files", nargs="*", help="test files (default: every test_*.py here)")
    a = ap.parse_args()

    stamptest.set_build(a.build)
    files = a.files or sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                              if f.startswith("test_") and f.endswith(".py"))
    passed = failed = 0
    start = time.monotonic()
    for path in files:
        base = os.path.splitext(os.path.basename(path))[0]
        try:
            mod = load(path)
        except Exception:
            failed += 1
            print("FAIL %s (cannot load)\n%s" % (base, traceback.format_exc()), flush=True)
            continue
        for fn in tests_of(mod):
            name = "%s.%s" % (base, fn.__name__)
            if a.pattern and a.pattern not in name:
                continue
            t0 = time.monotonic()
            why = run_one(fn, a.timeout, getattr(mod, "FIXED", None))
            took = time.monotonic() - t0
            if why is None:
                passed += 1
                print("ok %s (%.1fs)" % (name, took), flush=True)
            else:
                failed += 1
                print("FAIL %s (%.1fs)\n%s" % (name, took, why.rstrip()), flush=True)
    print("integration: %d passed, %d failed in %.1fs" % (passed, failed, time.monotonic() - start))
    return min(failed, 125)


if __name__ == "__main__":
    sys.exit(main())
