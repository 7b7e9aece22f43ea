"""Load (issue 9): 200 concurrent SMTP sessions against stamp-smtpd -l and
100 concurrent POP3 sessions against stamp-popd -l for a bounded time; run
under the sanitizer build (make check does) it also proves no leak and no
error. Every message is delivered exactly once (the Maildirs are counted),
and every POP3 session gets all its +OK lines."""

import os
import re
import signal
import socket
import threading
import time

import stamptest
from pop3env import Pop3
from smtpdtest import Smtpd

SMTP_SESSIONS = int(os.environ.get("STAMP_LOAD_SMTP", "200"))
POP3_SESSIONS = int(os.environ.get("STAMP_LOAD_POP3", "100"))
SECONDS = 6           # how long every session stays busy


def lines_of(sock):
    buf = b""
    while True:
        while b"\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise AssertionError("closed; had %r" % buf[-200:])
            buf += chunk
        line, buf = buf.split(b"\r\n", 1)
        yield line


def smtp_session(port, n, deadline, accepted, errors):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        rd = lines_of(s)

        def reply():
            while True:
                l = next(rd)
                if l[3:4] != b"-":
                    return l
        assert reply().startswith(b"220")
        s.sendall(b"EHLO load%d\r\n" % n)
        assert reply().startswith(b"250")
        s.sendall(b"MAIL FROM:<load@outside.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
        for want in (b"250", b"250", b"354"):
            r = reply()
            assert r.startswith(want), r
        s.sendall(b"Subject: load %d\r\nMessage-ID: <%d@load>\r\n\r\n" % (n, n) +
                  b"line\r\n" * 50 + b".\r\n")
        r = reply()
        assert r.startswith(b"250 2.0.0 Ok: queued"), r
        accepted.append(n)
        while time.monotonic() < deadline:        # the session stays, and talks
            s.sendall(b"NOOP\r\nRSET\r\n")
            assert reply().startswith(b"250") and reply().startswith(b"250")
            time.sleep(1)
        s.sendall(b"QUIT\r\n")
        assert reply().startswith(b"221")
        s.close()
    except Exception as e:
        errors.append("smtp %d: %r" % (n, e))


def pop3_session(port, user, deadline, done, errors):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        rd = lines_of(s)

        def ok(cmd):
            if cmd:
                s.sendall(cmd + b"\r\n")
            r = next(rd)
            assert r.startswith(b"+OK"), (cmd, r)
            return r

        def multi(cmd):
            ok(cmd)
            out = []
            for l in rd:
                if l == b".":
                    return out
                out.append(l)
        ok(None)
        ok(b"USER " + user)
        assert ok(b"PASS pw-u0").startswith(b"+OK 1 messages"), user
        rounds = 0
        while rounds == 0 or time.monotonic() < deadline:     # at least one round each
            assert ok(b"STAT").startswith(b"+OK 1 ")
            assert len(multi(b"LIST")) == 1 and len(multi(b"UIDL")) == 1
            body = multi(b"RETR 1")
            assert b"Delivered-To: " + user + b"@example.org" in body, body[:5]
            rounds += 1
            time.sleep(1)
        ok(b"QUIT")
        s.close()
        done.append(rounds)
    except Exception as e:
        errors.append("pop3 %s: %r" % (user, e))


def clone_users(p, names):
    """Users like u0 (its password hash, pw-u0, and a Maildir like its own),
    without a password hash computed for each."""
    with open(p.home.path("users")) as f:
        (line,) = [l for l in f if l.startswith("u0:")]
    hash_ = line.split(":")[1]
    st = os.stat(p.maildir("u0"))
    with open(p.home.path("users"), "a") as f:
        for n in names:
            f.write("%s:%s:\n" % (n, hash_))
            p.passwords[n] = "pw-u0"
            for sub in ("", "/tmp", "/new", "/cur"):
                d = p.maildir(n) + sub
                os.makedirs(d, mode=0o700, exist_ok=True)
                os.chown(d, st.st_uid, st.st_gid)
            os.chown(os.path.dirname(p.maildir(n)), st.st_uid, st.st_gid)


def stop_listener(proc):
    """SIGTERM, so that every worker exits normally (and LeakSanitizer looks)."""
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)


def test_200_smtp_and_100_pop3_sessions_at_once():
    t0 = time.monotonic()
    many = str(SMTP_SESSIONS + 50)
    s = Smtpd(listen=True, controls={"concurrencyincoming": many, "concurrencyperip": many,
                                     "prefork": "50", "timeoutsmtpd": "60",
                                     "concurrencylocal": "20"})
    users = [b"u%d" % i for i in range(POP3_SESSIONS)]
    p = Pop3(users=["u0"], controls={"concurrencyincoming": str(POP3_SESSIONS + 20),
                                     "concurrencyperip": str(POP3_SESSIONS + 20), "prefork": "20",
                                     "timeoutpop3": "60", "concurrencylocal": "20"})
    clone_users(p, [u.decode() for u in users[1:]])
    p.t.queue(["%s@example.org" % u.decode() for u in users], msg=b"Subject: for all\n\nhello\n")
    p.t.start()
    p.t.wait_empty(120)
    pport = p.serve(listener=True)
    s.t.start()

    print("    set-up took %.1fs" % (time.monotonic() - t0))
    t0 = time.monotonic()
    deadline = time.monotonic() + SECONDS
    accepted, done, errors = [], [], []
    threads = [threading.Thread(target=smtp_session, args=(s.port, n, deadline, accepted, errors))
               for n in range(SMTP_SESSIONS)]
    threads += [threading.Thread(target=pop3_session, args=(pport, u, deadline, done, errors))
                for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + 90)
    assert not any(t.is_alive() for t in threads), "sessions still running"
    assert not errors, "%d errors: %s" % (len(errors), errors[:10])
    assert sorted(accepted) == list(range(SMTP_SESSIONS)), len(accepted)
    assert len(done) == POP3_SESSIONS and min(done) >= 1, done
    print("    sessions ran in %.1fs; POP3 rounds: %d" % (time.monotonic() - t0, sum(done)))

    t0 = time.monotonic()
    got = s.deliver(SMTP_SESSIONS, timeout=120)
    time.sleep(1)                                   # nothing more may come
    got = [d for _, d in s.maildir()]
    ids = sorted(int(m.group(1)) for m in (re.search(rb"Subject: load (\d+)\n", d) for d in got) if m)
    assert ids == list(range(SMTP_SESSIONS)), \
        "delivered %d messages, %d distinct" % (len(ids), len(set(ids)))
    print("    delivered in %.1fs" % (time.monotonic() - t0))
    s.t.wait_empty(30)
    stop_listener(s.proc)
    for proc in p.procs:
        stop_listener(proc)
    s.stop()
    p.t.stop()
