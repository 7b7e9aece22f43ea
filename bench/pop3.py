#!/usr/bin/env python3
"""bench/pop3.py: stamp-popd beside Dovecot's POP3 server, on this machine.

usage: bench/pop3.py [--build DIR] [-n MESSAGES] [-c CLIENTS] [-t SECONDS] [--size BYTES]

Makes one user with the same yescrypt password hash for both servers and
two Maildirs of n messages of about size octets (Dovecot-style names with
,S= and ,W=), then measures, for stamp-popd -l and for a private Dovecot
(dovecot-pop3d, passdb passwd-file, on another loopback port):
  - sessions per second: c client processes, each with a user of its own
    (one session per mailbox at a time), looping connect, USER, PASS,
    STAT, QUIT for t seconds;
  - the download of all n messages in one session (RETR 1..n, QUIT).
Prints a table; asserts nothing. Run as root (the stamp users and
Dovecot's must exist: make install and the dovecot-core package make them).
"""

import os
import sys

# bench/queue.py beside this file would hide the standard queue module.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]

import argparse
import multiprocessing
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

USER, PASSWORD = "bulk", "bench password"
# One user per client for the session rate: one session per mailbox at a time.
CLIENT_USERS = ["c%d" % i for i in range(64)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_greeting(port, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(100).startswith(b"+OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("no server on port %d" % port)


def fill_maildir(path, n, size, uid, gid):
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    line = b"x" * 72 + b"\n"
    body = line * max(1, (size - 200) // len(line))
    for i in range(n):
        msg = (b"From: bench@example.org\nTo: alice@example.org\nSubject: bench %d\n"
               b"Message-ID: <%d@bench>\n\n" % (i, i)) + body
        name = "%d.M%dP1Q%d.bench,S=%d,W=%d" % (1800000000 + i, i, i, len(msg),
                                              len(msg) + msg.count(b"\n"))
        with open(os.path.join(path, "new", name), "wb") as f:
            f.write(msg)
    for root, dirs, files in os.walk(os.path.dirname(path.rstrip("/"))):
        for x in dirs + files:
            os.lchown(os.path.join(root, x), uid, gid)
        os.lchown(root, uid, gid)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.f = self.s.makefile("rb")
        self.expect()

    def expect(self):
        line = self.f.readline()
        if not line.startswith(b"+OK"):
            raise RuntimeError(line)
        return line

    def cmd(self, c):
        self.s.sendall(c + b"\r\n")
        return self.expect()

    def multiline(self):
        n = 0
        while True:
            line = self.f.readline()
            if line == b".\r\n":
                return n
            if not line:
                raise RuntimeError("connection closed")
            n += len(line)

    def login(self, user=USER):
        self.cmd(b"USER " + user.encode())
        self.cmd(b"PASS " + PASSWORD.encode())

    def close(self):
        self.cmd(b"QUIT")
        self.s.close()


def session_loop(port, seconds, user, q):
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        c = Conn(port)
        c.login(user)
        c.cmd(b"STAT")
        c.close()
        n += 1
    q.put(n)


def sessions_per_second(port, clients, seconds):
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=session_loop, args=(port, seconds, CLIENT_USERS[i], q))
          for i in range(clients)]
    t0 = time.monotonic()
    for p in ps:
        p.start()
    total = sum(q.get() for _ in ps)
    for p in ps:
        p.join()
    return total / (time.monotonic() - t0)


def download(port, n):
    t0 = time.monotonic()
    c = Conn(port)
    c.login()
    count = int(c.cmd(b"STAT").split()[1])
    octets = 0
    for i in range(1, count + 1):
        c.s.sendall(b"RETR %d\r\n" % i)
        c.expect()
        octets += c.multiline()
    c.close()
    took = time.monotonic() - t0
    if count != n:
        raise SystemExit("expected %d messages, the server has %d" % (n, count))
    return took, octets


def start_stamp(build, top, n, size, hash_, clients):
    home = os.path.join(top, "stamp")
    subprocess.run([os.path.join(build, "bin", "stamp-setup"), "--home", home, "--owners"], check=True)
    with open(os.path.join(home, "users"), "w") as f:
        for u in [USER] + CLIENT_USERS[:clients]:
            f.write("%s:%s:\n" % (u, hash_))
    subprocess.run([os.path.join(build, "bin", "stamp-setup"), "--home", home, "--owners"], check=True)
    # All clients come from 127.0.0.1: lift the per-address limit (default 10).
    with open(os.path.join(home, "control", "concurrencyperip"), "w") as f:
        f.write("1000\n")
    v = pwd.getpwnam("stampv")
    fill_maildir(os.path.join(home, "mail", USER, "Maildir"), n, size, v.pw_uid, v.pw_gid)
    for u in CLIENT_USERS[:clients]:
        fill_maildir(os.path.join(home, "mail", u, "Maildir"), 10, size, v.pw_uid, v.pw_gid)
    port = free_port()
    r, w = os.pipe()
    log = open(os.path.join(top, "stamp-popd.log"), "wb")
    p = subprocess.Popen([os.path.join(build, "bin", "stamp-popd"), "--home", home,
                          "-l", "127.0.0.1:%d" % port, "--ready-fd", str(w)],
                         pass_fds=(w,), stdout=log, stderr=log)
    os.close(w)
    with os.fdopen(r, "rb") as rf:
        if rf.readline() != b"ready\n":
            raise SystemExit("stamp-popd did not start; see %s" % log.name)
    return p, port


DOVECOT_CONF = """\
base_dir = {top}/dovecot-run
state_dir = {top}/dovecot-state
log_path = {top}/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
mail_location = maildir:{top}/dovecot-mail/%u/Maildir
service pop3-login {{
  inet_listener pop3 {{
    port = {port}
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=CRYPT {top}/dovecot-passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={top}/dovecot-mail/%u
}}
"""


def start_dovecot(top, n, size, hash_, clients):
    v = pwd.getpwnam("stampv")
    port = free_port()
    with open(os.path.join(top, "dovecot-passwd"), "w") as f:
        for u in [USER] + CLIENT_USERS[:clients]:
            f.write("%s:{CRYPT}%s\n" % (u, hash_))
    for u in CLIENT_USERS[:clients]:
        fill_maildir(os.path.join(top, "dovecot-mail", u, "Maildir"), 10, size, v.pw_uid, v.pw_gid)
    conf = os.path.join(top, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(DOVECOT_CONF.format(top=top, port=port, uid=v.pw_uid, gid=v.pw_gid))
    fill_maildir(os.path.join(top, "dovecot-mail", USER, "Maildir"), n, size, v.pw_uid, v.pw_gid)
    p = subprocess.Popen(["dovecot", "-F", "-c", conf])
    wait_greeting(port)
    return p, port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("-c", type=int, default=10)
    ap.add_argument("-t", type=float, default=5.0)
    ap.add_argument("--size", type=int, default=4000)
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: both servers switch to the mailbox owner")
    build = os.path.abspath(a.build)
    top = tempfile.mkdtemp(prefix="stamp-bench-pop3.")
    os.chmod(top, 0o755)
    procs = []
    try:
        # One hash for both: made by stamp-user in a scratch home.
        os.makedirs(os.path.join(top, "hash", "mail"))
        subprocess.run([os.path.join(build, "bin", "stamp-user"), "--home", os.path.join(top, "hash"),
                        "add", USER], input=(PASSWORD + "\n").encode(), check=True,
                       capture_output=True)
        with open(os.path.join(top, "hash", "users")) as f:
            hash_ = f.read().split(":")[1]
        clients = min(a.c, len(CLIENT_USERS))
        sp, sport = start_stamp(build, top, a.n, a.size, hash_, clients)
        procs.append(sp)
        dp, dport = start_dovecot(top, a.n, a.size, hash_, clients)
        procs.append(dp)
        rows = []
        for name, port in (("stamp-popd -l", sport), ("dovecot pop3", dport)):
            download(port, a.n)          # the first login moves new/ to cur/; not timed
            took, octets = download(port, a.n)
            rate = sessions_per_second(port, clients, a.t)
            rows.append((name, rate, took, octets / took / 1e6))
        print("%d messages of ~%d octets, %d clients for %.0f s, yescrypt for both" %
              (a.n, a.size, a.c, a.t))
        print("%-16s %18s %22s %10s" % ("server", "login+STAT+QUIT/s", "download all (s)", "MB/s"))
        for name, rate, took, mbs in rows:
            print("%-16s %18.1f %22.3f %10.1f" % (name, rate, took, mbs))
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
