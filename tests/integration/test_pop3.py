"""stamp-popd under the real tcpserver (and its -l listener) with Python's
poplib and raw sessions, on mail delivered by the real stamp-local."""

import os
import poplib
import pwd
import socket
import time

import stamptest
from pop3env import Pop3, raw_session, wire
from test_send import is_root

MSGS = [
    b"From: a@example.org\nTo: alice@example.org\nSubject: one\n\nfirst body\n.dot line\n..two dots\n",
    b"From: b@example.org\nTo: alice@example.org\nSubject: two\n\n" + b"line\n" * 50,
    b"From: c@example.org\nTo: alice@example.org\nSubject: three\n\nno final newline",
]


def test_poplib_fetch_byte_for_byte_and_delete():
    p = Pop3()
    stored = p.deliver(MSGS)
    assert len(stored) == 3
    port = p.serve()
    c = p.client(port)
    count, size = c.stat()
    assert count == 3, count
    assert size == sum(len(wire(s)) for s in stored), (size, [len(wire(s)) for s in stored])
    resp, listing, _ = c.list()
    sizes = [int(l.split()[1]) for l in listing]
    assert sizes == [len(wire(s)) for s in stored], sizes
    for i, s in enumerate(stored):
        resp, lines, octets = c.retr(i + 1)
        got = b"\r\n".join(lines) + b"\r\n"
        want = wire(s) if s.endswith(b"\n") else wire(s) + b"\r\n"
        assert got == want, (got[:200], want[:200])
        c.dele(i + 1)
    # Deleted, but not yet removed: only QUIT does that.
    assert len(os.listdir(os.path.join(p.maildir(), "cur"))) == 3
    c.quit()
    assert os.listdir(os.path.join(p.maildir(), "cur")) == []
    assert os.listdir(os.path.join(p.maildir(), "new")) == []


def test_session_runs_as_stampv_when_root():
    if not is_root():
        return
    p = Pop3()
    p.deliver(MSGS[:1])
    port = p.serve()
    c = p.client(port)
    c.stat()
    # Within the session the flock is held by the transaction process: find it.
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
            st = os.stat("/proc/%s" % pid)
        except OSError:
            continue
        if b"--transaction" in cmd and b"stamp-popd" in cmd:
            found.append(st.st_uid)
    c.quit()
    assert found == [pwd.getpwnam("stampv").pw_uid], found


def test_nothing_deleted_without_quit():
    p = Pop3()
    p.deliver(MSGS[:2])
    port = p.serve()
    out = raw_session("127.0.0.1", port, [b"USER alice", b"PASS pw-alice", b"DELE 1", b"DELE 2"])
    assert out.count(b"+OK") == 5, out
    assert len(os.listdir(os.path.join(p.maildir(), "cur"))) == 2
    # RSET undoes DELE; QUIT then removes nothing.
    c = p.client(port)
    c.dele(1)
    c.rset()
    assert c.stat()[0] == 2
    c.quit()
    assert len(os.listdir(os.path.join(p.maildir(), "cur"))) == 2


def test_in_use_for_a_second_session_and_not_after_a_kill():
    p = Pop3()
    p.deliver(MSGS[:1])
    port = p.serve()
    first = p.client(port)
    second = p.client(port, login=False)
    second.user("alice")
    try:
        second.pass_("pw-alice")
        raise AssertionError("second session logged in")
    except poplib.error_proto as e:
        assert b"[IN-USE]" in e.args[0], e
    # A session that dies (the client drops) leaves no stale lock.
    first.sock.shutdown(socket.SHUT_RDWR)
    first.close()
    stamptest.wait_for(lambda: _login_ok(p, port), 10, what="login after the first session ended")


def _owned(pid, uid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read()
        return os.stat("/proc/%d" % pid).st_uid == uid and b"stamp-popd" in cmd
    except OSError:
        return False


def _login_ok(p, port):
    try:
        c = p.client(port)
        c.quit()
        return True
    except poplib.error_proto:
        return False


def test_uidl_stable_across_sessions_and_flag_renames():
    p = Pop3()
    p.deliver(MSGS)
    port = p.serve()
    c = p.client(port)
    first = c.uidl()[1]
    c.quit()
    # An IMAP server marks the first message seen: same message, same UIDL.
    cur = os.path.join(p.maildir(), "cur")
    name = sorted(os.listdir(cur))[0]
    os.rename(os.path.join(cur, name), os.path.join(cur, name[:-len(":2,")] + ":2,S"))
    c = p.client(port)
    second = c.uidl()[1]
    c.quit()
    assert first == second, (first, second)
    assert len(set(first)) == 3


def test_top_headers_and_n_lines():
    p = Pop3()
    stored = p.deliver(MSGS[1:2])
    port = p.serve()
    c = p.client(port)
    resp, lines, _ = c.top(1, 3)
    head, body = stored[0].split(b"\n\n", 1)
    assert lines == head.split(b"\n") + [b""] + body.split(b"\n")[:3], lines
    resp, lines, _ = c.top(1, 0)
    assert lines == head.split(b"\n") + [b""], lines
    c.quit()


def test_wrong_state_commands_and_bad_lines():
    p = Pop3()
    p.deliver(MSGS[:1])
    port = p.serve()
    out = raw_session("127.0.0.1", port, [
        b"STAT", b"LIST", b"RETR 1", b"DELE 1", b"NOOP", b"RSET", b"TOP 1 1", b"UIDL",
        b"PASS x", b"BOGUS", b"X" * 300, b"QUIT"])
    lines = out.split(b"\r\n")
    assert lines[0].startswith(b"+OK"), out
    assert all(l.startswith(b"-ERR") for l in lines[1:12]), out
    assert b"too long" in lines[11], out
    assert lines[12].startswith(b"+OK"), out
    out = raw_session("127.0.0.1", port, [
        b"USER alice", b"PASS pw-alice", b"USER alice", b"PASS x", b"APOP a b",
        b"RETR 9", b"RETR 0", b"RETR x", b"DELE 1", b"RETR 1", b"LIST 1", b"TOP 1", b"QUIT"])
    lines = out.split(b"\r\n")
    assert lines[2].startswith(b"+OK 1 messages"), out
    assert all(l.startswith(b"-ERR") for l in lines[3:9]), out
    assert lines[9].startswith(b"+OK"), out      # DELE 1
    assert all(l.startswith(b"-ERR") for l in lines[10:13]), out
    assert lines[13].startswith(b"+OK"), out     # QUIT


def test_wrong_password_delays_and_the_fourth_try_closes():
    p = Pop3(controls={"pop3faildelay": 1})
    p.deliver(MSGS[:1])
    port = p.serve()
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    f = s.makefile("rb")
    assert f.readline().startswith(b"+OK")
    times = []
    for user in (b"alice", b"nosuchuser", b"alice"):
        s.sendall(b"USER " + user + b"\r\n")
        assert f.readline().startswith(b"+OK")
        t0 = time.monotonic()
        s.sendall(b"PASS wrong\r\n")
        line = f.readline()
        times.append(time.monotonic() - t0)
        assert line == b"-ERR [AUTH] invalid user name or password\r\n", line
    assert min(times) >= 0.9, times
    s.sendall(b"USER alice\r\n")
    line = f.readline()
    assert line.startswith(b"-ERR [AUTH]"), line
    assert f.readline() == b"", "the connection stays open after the fourth try"
    s.close()
    log = p.logtext()
    assert log.count("event=login-failed") == 3, log
    assert "ip=127.0.0.1" in log


def test_plaintext_refused_off_loopback_unless_allowed():
    p = Pop3()
    p.deliver(MSGS[:1])
    port = p.serve(addr="127.0.0.2")
    c = poplib.POP3("127.0.0.2", port, timeout=20)
    try:
        c.user("alice")
        raise AssertionError("USER accepted without TLS off loopback")
    except poplib.error_proto as e:
        assert b"[AUTH]" in e.args[0], e
    assert not any(l.startswith(b"USER") for l in c.capa() if isinstance(l, bytes)) and \
        "USER" not in c.capa(), c.capa()
    c.quit()
    p.home.control("pop3plaintext", "1")
    c = p.client(port, addr="127.0.0.2")
    assert c.stat()[0] == 1
    c.quit()


def test_auth_plain_and_apop():
    p = Pop3()
    p.deliver(MSGS[:1])
    r = p.home.run("stamp-user", "apop", "alice", input=b"tanstaaf\n")
    assert r.code == 0, r
    port = p.serve()
    import base64
    tok = base64.b64encode(b"\0alice\0pw-alice")
    out = raw_session("127.0.0.1", port, [b"AUTH PLAIN " + tok, b"STAT", b"QUIT"])
    assert b"+OK 1 messages" in out and b"\r\n+OK 1 " in out, out
    c = poplib.POP3("127.0.0.1", port, timeout=20)
    assert c.timestamp.search(c.welcome), c.welcome
    c.apop("alice", "tanstaaf")
    assert c.stat()[0] == 1
    c.quit()
    c = poplib.POP3("127.0.0.1", port, timeout=20)
    try:
        c.apop("alice", "wrong")
        raise AssertionError("APOP with a wrong secret logged in")
    except poplib.error_proto as e:
        assert b"[AUTH]" in e.args[0]
    c.close()


def listening_inode(port):
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            x = line.split()
            if int(x[1].split(":")[1], 16) == port and x[3] == "0A":
                return x[9]
    raise AssertionError("no listening socket on %d" % port)


def socket_inodes(pid):
    out = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            out.add(t[8:-1])
    return out


def test_listener_serves_the_same_sessions():
    p = Pop3()
    stored = p.deliver(MSGS[:2])
    port = p.serve(listener=True)
    if is_root():
        # The AUTHORIZATION process (stampd) holds no listening socket.
        pre = poplib.POP3("127.0.0.1", port, timeout=20)
        uid = pwd.getpwnam("stampd").pw_uid
        auth = [int(d) for d in os.listdir("/proc") if d.isdigit() and _owned(int(d), uid)]
        assert auth, "no stampd process for the session"
        lis = listening_inode(port)
        for pid in auth:
            assert lis not in socket_inodes(pid), pid
        pre.quit()
    c = p.client(port)
    assert c.stat()[0] == 2
    resp, lines, _ = c.retr(2)
    assert b"\r\n".join(lines) + b"\r\n" == wire(stored[1])
    c.quit()


def test_big_maildir_login_is_fast():
    p = Pop3()
    p.deliver(MSGS[:1])
    new = os.path.join(p.maildir(), "new")
    body = b"Subject: x\n\nhello\n"
    uid = os.stat(p.maildir()).st_uid
    for i in range(50000):
        n = os.path.join(new, "%d.M%dP1Q%d.bulk,S=%d,W=%d" % (1800000000 + i // 1000, i % 1000, i,
                                                             len(body), len(body) + 3))
        with open(n, "wb") as f:
            f.write(body)
        os.chown(n, uid, uid)
    port = p.serve()
    t0 = time.monotonic()
    c = p.client(port)
    count, _ = c.stat()
    c.uidl()
    c.quit()
    took = time.monotonic() - t0
    assert count == 50001, count
    # Again, now that cur/ holds them all (no renames): what a daily login costs,
    # with a client that only reads (poplib's parsing of 50,000 lines is slow).
    t0 = time.monotonic()
    out = raw_session("127.0.0.1", port, [b"USER alice", b"PASS pw-alice", b"STAT", b"UIDL", b"QUIT"])
    again = time.monotonic() - t0
    assert b"\r\n+OK 50001 " in out and out.count(b"\r\n") == 50001 + 7, out[-200:]
    print("50,001 messages: login+STAT+UIDL+QUIT in %.3f s (first, moving new/ to cur/), "
          "%.3f s (next)" % (took, again))
    # Well under a second on a quiet machine; bounded loosely for a loaded one.
    assert took < 5 and again < 3, (took, again)


def test_idle_timeout_ends_the_session_and_removes_nothing():
    p = Pop3(controls={"timeoutpop3": 1})
    p.deliver(MSGS[:1])
    port = p.serve()
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    f = s.makefile("rb")
    assert f.readline().startswith(b"+OK")
    s.sendall(b"USER alice\r\nPASS pw-alice\r\nDELE 1\r\n")
    for _ in range(3):
        assert f.readline().startswith(b"+OK")
    t0 = time.monotonic()
    assert f.readline() == b""                      # closed by the server, no QUIT
    assert time.monotonic() - t0 < 10
    s.close()
    assert len(os.listdir(os.path.join(p.maildir(), "cur"))) == 1
