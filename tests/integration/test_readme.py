"""The README's walkthrough, run as written.

Installs the tree as `make run` does (a real `make install` into a
temporary ./run, so that the paths compiled in are that folder's and, as
root, stamp-queue is set-user-ID as in a real install), starts the installed
stamp-run on the README's ports, and runs every command of the block under
"## Sending and reading mail" in one shell from the top of that tree. Each
command must exit 0; what the comments promise is checked after it.

The build is a plain one whatever the build under test is, so this runs in
the normal pass of `make check` only.
"""

import os
import re
import subprocess
import tempfile
import shutil
import time

import stamptest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
READY = re.compile(rb"^stamp: ready smtp=127\.0\.0\.1:2525 submission=127\.0\.0\.1:2587 "
                   rb"pop3=127\.0\.0\.1:1110 home=")


def walkthrough():
    """The commands of the README's walkthrough block, continuation lines joined."""
    with open(os.path.join(TOP, "README.md")) as f:
        text = f.read()
    section = text.split("## Sending and reading mail", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    cmds, cur = [], ""
    for line in block.splitlines():
        if cur:
            line = cur + " " + line.strip()
            cur = ""
        if line.rstrip().endswith("\\"):
            cur = line.rstrip()[:-1]
            continue
        code = re.split(r"\s{2,}#", line, 1)[0].strip()
        if code and not code.startswith("#"):
            cmds.append(code)
    return cmds


def install(tree):
    build = os.path.join(tree, "build")
    r = subprocess.run(["make", "-C", TOP, "-j2", "--no-print-directory", "install", "O=" + build,
                        "PREFIX=" + os.path.join(tree, "run"),
                        "STAMP_HOME=" + os.path.join(tree, "run", "home")]
                       + ([] if os.geteuid() == 0 else ["INSTALL_FLAGS=--as-invoker"]),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    assert r.returncode == 0, r.stdout.decode(errors="replace")[-3000:]


def start(tree):
    log = open(os.path.join(tree, "stamp.log"), "wb")
    p = subprocess.Popen([os.path.join(tree, "run", "sbin", "stamp-run"),
                          "--home", os.path.join(tree, "run", "home")],
                         stdout=subprocess.PIPE, stderr=log, cwd=tree)
    stamptest.add_cleanup(stop, p)
    line = p.stdout.readline()
    assert READY.match(line), (line, open(os.path.join(tree, "stamp.log"), errors="replace").read())
    return p


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


def shell(tree, cmd, env):
    return subprocess.run(["bash", "-c", cmd], cwd=tree, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=120)


def new_files(tree):
    d = os.path.join(tree, "run", "home", "mail", "bob", "Maildir", "new")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def test_readme_walkthrough_runs_as_written():
    if os.environ.get("ASAN_OPTIONS"):
        print("    skipped: the plain build's pass runs it")
        return
    cmds = walkthrough()
    assert len(cmds) >= 10, cmds
    tree = tempfile.mkdtemp(prefix="stamp-readme.")
    stamptest.add_cleanup(shutil.rmtree, tree, True)
    os.chmod(tree, 0o755)
    install(tree)
    start(tree)
    env = dict(os.environ)
    env.pop("STAMP_HOME", None)
    outputs = []
    for cmd in cmds:
        if cmd.startswith("export "):
            name, value = cmd[len("export "):].split("=", 1)
            env[name] = value.replace("$PWD", tree)
            continue
        # A person reads before typing on; the test waits for what the comment says.
        if cmd.startswith("ls run/home/mail/bob/Maildir/new"):
            stamptest.wait_for(lambda: new_files(tree), 30, what="Bob's message")
        if cmd.startswith("run/sbin/stamp-qread") and "--json" not in cmd:
            stamptest.wait_for(lambda: b"state=pending" in shell(tree, cmd, env).stdout, 60,
                               what="carol's message waiting for the smarthost")
        r = shell(tree, cmd, env)
        out = r.stdout.decode(errors="replace")
        assert r.returncode == 0, "README command failed: %s\n%s" % (cmd, out)
        outputs.append((cmd, out))

    def output_of(prefix):
        return [o for c, o in outputs if c.startswith(prefix)]
    # What the comments promise.
    assert "250 " in output_of("swaks --server 127.0.0.1:2525")[0]
    listing, message = output_of("curl -s --user bob:secret pop3://127.0.0.1:1110/")[:2]
    assert re.match(r"1 \d+", listing), listing
    assert "Hi Bob!" in message and "Delivered-To: bob@localhost" in message, message
    assert "carol@example.net state=pending" in output_of("run/sbin/stamp-qread")[0]
    assert '"carol@example.net"' in output_of("run/sbin/stamp-qread --json")[0]
    # The sendmail line reached Bob, and carol's message is gone without a bounce.
    stamptest.wait_for(lambda: len(new_files(tree)) + len(os.listdir(os.path.join(
        tree, "run", "home", "mail", "bob", "Maildir", "cur"))) == 2, 30, what="both of Bob's messages")
    r = shell(tree, "run/sbin/stamp-qread", env)
    assert "carol" not in r.stdout.decode(), r.stdout
