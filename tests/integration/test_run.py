"""stamp-run: makes a missing home, says ready, stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import tempfile
import shutil

import stamptest
from test_send import ensure_users, is_root


def test_run_creates_home_says_ready_and_stops():
    if is_root():
        ensure_users()
    top = tempfile.mkdtemp(prefix="stamp-run.")
    stamptest.add_cleanup(shutil.rmtree, top, True)
    os.chmod(top, 0o755)
    home = os.path.join(top, "home")
    p = stamptest.spawn([stamptest.bin_path("stamp-run"), "--home", home],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = p.stdout.readline()
    assert line == ("stamp: ready home=%s\n" % home).encode(), (line, p.stderr.read1(4000))
    assert os.path.isfile(os.path.join(home, "control", "me"))
    assert os.path.isdir(os.path.join(home, "queue", "todo", "ff"))
    # The scheduler serves the queue: a flush reaches it.
    r = stamptest.run([stamptest.bin_path("stamp-qflush"), "--home", home])
    assert r.code == 0, r
    p.send_signal(signal.SIGHUP)
    p.send_signal(signal.SIGTERM)
    assert p.wait(30) == 0
    err = p.stderr.read().decode()
    assert "action=exit" in err, err
