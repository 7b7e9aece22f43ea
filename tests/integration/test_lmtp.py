"""LMTP delivery (control/lmtp, stamp-lmtp): the scheduler hands local
recipients to an LMTP server, one transaction per message, and each
recipient's reply after the data is its result. First against a fake LMTP
server (per-recipient replies chosen by the test), then two stamp instances
delivering to one real Dovecot LMTP service."""

import os
import socket
import subprocess
import threading

import peers
import remotetest
import stamptest
from remotetest import RawServer, Stamp, read_line

MSG = b"Subject: lmtp\nFrom: s@stamp.test\n\n.leading dot\nbody\n"


class FakeLmtp:
    """An LMTP server on a loopback port (or a UNIX socket when path is
    given). replies(local, attempt) gives the reply to the final dot for a
    recipient (attempt counts that recipient's transactions, from 0), or
    None for "250". drop_after=N closes the connection after N per-recipient
    replies. Each transaction goes to self.got as (sender, rcpts, data)."""

    def __init__(self, replies=None, rcpt_replies=None, drop_after=None, garbage=False,
                 path=None):
        self.replies = replies or (lambda local, attempt: None)
        self.rcpt_replies = rcpt_replies or {}
        self.drop_after = drop_after
        self.garbage = garbage
        self.got = []
        self.tries = {}
        self.lock = threading.Lock()
        if path is None:
            self.port = stamptest.free_port()
            self.server = RawServer("127.0.0.1", self.port, self.serve)
            self.spec = "inet:127.0.0.1:%d" % self.port
        else:
            self.server = UnixServer(path, self.serve)
            self.spec = "unix:" + path

    def serve(self, c, n):
        c.sendall(b"220 fake LMTP ready\r\n")
        sender, rcpts = None, []
        while True:
            line = read_line(c)
            if not line:
                return
            verb = line[:4].upper()
            arg = line[line.find(b":") + 1:].strip().strip(b"<>").decode()
            if verb == b"LHLO":
                c.sendall(b"250-fake.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
                          b"250 8BITMIME\r\n")
            elif verb == b"MAIL":
                sender, rcpts = arg, []
                c.sendall(b"250 2.1.0 ok\r\n")
            elif verb == b"RCPT":
                local = arg.split("@")[0]
                if local in self.rcpt_replies:
                    c.sendall(self.rcpt_replies[local].encode() + b"\r\n")
                else:
                    rcpts.append(arg)
                    c.sendall(b"250 2.1.5 ok\r\n")
            elif verb == b"DATA":
                c.sendall(b"354 go\r\n")
                data = b""
                while True:
                    l = read_line(c)
                    if l in (b".\r\n", b""):
                        break
                    data += l[1:] if l.startswith(b".") else l
                with self.lock:
                    self.got.append((sender, list(rcpts), data))
                for k, r in enumerate(rcpts):
                    if self.drop_after is not None and k >= self.drop_after:
                        return
                    if self.garbage and k == 1:
                        c.sendall(b"this is not a reply\r\n")
                        return
                    local = r.split("@")[0]
                    with self.lock:
                        attempt = self.tries.get(r, 0)
                        self.tries[r] = attempt + 1
                    rep = self.replies(local, attempt) or "250 2.0.0 <%s> saved" % r
                    c.sendall(rep.encode() + b"\r\n")
            elif verb == b"QUIT":
                c.sendall(b"221 bye\r\n")
                return
            else:
                c.sendall(b"500 what\r\n")


class UnixServer(RawServer):
    """RawServer's loop on a UNIX-domain socket."""

    def __init__(self, path, serve):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o777)
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.serve = serve
        self.count = 0
        self.stopping = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()
        stamptest.add_cleanup(self.stop)


def lmtp_stamp(fake, line_domain=""):
    s = Stamp(controls={"locals": "stamp.test\nother.test"})
    s.home.control("lmtp", "%s:%s" % (line_domain, fake.spec))
    return s


def results(s):
    """{rcpt: [status, ...]} from the scheduler's log lines."""
    out = {}
    for line in s.logtext().splitlines():
        if "stamp-send" not in line or " rcpt=" not in line or " status=" not in line:
            continue
        rcpt = line.split(" rcpt=")[1].split()[0].strip('"')
        out.setdefault(rcpt, []).append(line.split(" status=")[1].split()[0])
    return out


def test_all_delivered_in_one_transaction():
    fake = FakeLmtp()
    s = lmtp_stamp(fake)
    s.queue(["a@stamp.test", "b@other.test", "c@stamp.test"], sender="x@remote.test", msg=MSG)
    s.start()
    s.wait_empty()
    assert len(fake.got) == 1, fake.got
    sender, rcpts, data = fake.got[0]
    assert sender == "x@remote.test"
    assert rcpts == ["a@stamp.test", "b@other.test", "c@stamp.test"]
    # Byte for byte, as queued (after the injector's Received: line), with CRLF.
    assert data.endswith(MSG.replace(b"\n", b"\r\n")), data
    r = results(s)
    assert all(r[a] == ["delivered"] for a in rcpts), r
    assert "stamp-lmtp" in s.logtext()


def test_mixed_replies_retry_and_bounce():
    # b: 452 once, then delivered on the retry; c: 550, a bounce to the
    # (local) sender, which goes over LMTP too; d: refused at RCPT (550).
    def replies(local, attempt):
        if local == "b" and attempt == 0:
            return "452 4.2.2 mailbox full"
        if local == "c":
            return "550 5.1.1 no such user"
        return None
    fake = FakeLmtp(replies=replies, rcpt_replies={"d": "550 5.1.1 unknown at RCPT"})
    s = lmtp_stamp(fake)
    s.queue(["a@stamp.test", "b@stamp.test", "c@stamp.test", "d@stamp.test"],
            sender="s@stamp.test", msg=MSG)
    s.start()
    s.wait_empty()
    r = results(s)
    assert r["a@stamp.test"] == ["delivered"], r
    assert r["b@stamp.test"] == ["deferred", "delivered"], r
    assert r["c@stamp.test"] == ["failed"], r
    assert r["d@stamp.test"] == ["failed"], r
    assert "452 4.2.2 mailbox full" in s.logtext()
    bounces = [g for g in fake.got if g[0] == ""]
    assert len(bounces) == 1, fake.got
    assert bounces[0][1] == ["s@stamp.test"]
    body = bounces[0][2]
    assert b"c@stamp.test" in body and b"d@stamp.test" in body, body
    assert b"550 5.1.1 no such user" in body, body
    # The first transaction carried all four; the retry only b.
    assert fake.got[0][1] == ["a@stamp.test", "b@stamp.test", "c@stamp.test"], fake.got
    assert ["b@stamp.test"] in [g[1] for g in fake.got[1:]], fake.got


def test_drop_after_some_replies_defers_the_rest():
    fake = FakeLmtp(drop_after=1)
    s = lmtp_stamp(fake)
    s.queue(["a@stamp.test", "b@stamp.test", "c@stamp.test"], msg=MSG)
    s.start()
    s.wait_log("status=deferred", count=2)
    s.stop()
    r = results(s)
    assert r["a@stamp.test"] == ["delivered"], r
    assert r["b@stamp.test"][0] == "deferred" and r["c@stamp.test"][0] == "deferred", r
    assert "closed the connection after the message was sent" in s.logtext()


def test_garbage_reply_defers_the_rest():
    fake = FakeLmtp(garbage=True)
    s = lmtp_stamp(fake)
    s.queue(["a@stamp.test", "b@stamp.test", "c@stamp.test"], msg=MSG)
    s.start()
    s.wait_log("status=deferred", count=2)
    s.stop()
    r = results(s)
    assert r["a@stamp.test"] == ["delivered"], r
    assert r["b@stamp.test"][0] == "deferred" and r["c@stamp.test"][0] == "deferred", r
    assert "sent a malformed reply after the message was sent" in s.logtext()


def test_no_server_defers_all():
    s = Stamp()
    s.home.control("lmtp", ":inet:127.0.0.1:%d" % stamptest.free_port())
    s.queue(["a@stamp.test", "b@stamp.test"], msg=MSG)
    s.start()
    s.wait_log("status=deferred", count=2)
    s.stop()
    assert "4.4.1 cannot connect to the LMTP server" in s.logtext(), s.logtext()


def test_unix_socket_and_per_domain_line():
    s0 = Stamp(controls={"locals": "stamp.test\nother.test"})
    fake = FakeLmtp(path=os.path.join(s0.home.top, "lmtp.sock"))
    s0.home.control("lmtp", "other.test:" + fake.spec)
    s0.queue(["a@other.test", "b@stamp.test"], msg=MSG)
    s0.start()
    s0.wait_empty()
    # other.test went over LMTP; stamp.test stayed with stamp-local (b has no mailbox).
    assert [g[1] for g in fake.got] == [["a@other.test"]], fake.got
    r = results(s0)
    assert r["a@other.test"] == ["delivered"] and r["b@stamp.test"] == ["failed"], r


def test_aliases_stay_with_stamp_local():
    # postmaster (the home's default alias) and sales (an alias of ours) stay
    # with stamp-local, which expands them into stamp's own Maildir; c, no
    # alias, goes over LMTP. (An alias's address targets are queued again and
    # routed like any recipient; a forward needs the installed set-user-ID
    # stamp-queue, which a build tree does not have.)
    fake = FakeLmtp()
    s = lmtp_stamp(fake)
    with open(s.home.path("aliases"), "a") as f:
        f.write("sales: ./mail/postmaster/Maildir/\n")
    s.queue(["sales@stamp.test", "postmaster@stamp.test", "c@stamp.test"],
            sender="x@remote.test", msg=MSG)
    s.start()
    s.wait_empty()
    assert [g[1] for g in fake.got] == [["c@stamp.test"]], fake.got
    new = s.home.path("mail", "postmaster", "Maildir", "new")
    assert len(os.listdir(new)) == 2, s.logtext()


def test_malformed_line_defers():
    s = Stamp()
    s.home.control("lmtp", ":inet:mail.example:24")
    s.queue(["a@stamp.test"], msg=MSG)
    s.start()
    s.wait_log("status=deferred")
    s.stop()
    assert "the control/lmtp target inet:mail.example:24 is malformed" in s.logtext()


# ---- two stamp MX hosts, one Dovecot LMTP back end -------------------------

def smtp_session(home, sender, rcpt, data):
    """One message through stamp-smtpd in inetd mode (one session on a socket
    pair), dot-stuffed by hand: each line of data starting with "." gets
    another. Returns the replies."""
    a, b = socket.socketpair()
    p = stamptest.spawn([stamptest.bin_path("stamp-smtpd"), "--home", home.dir],
                        stdin=b.fileno(), stdout=b.fileno(), stderr=subprocess.DEVNULL,
                        env=stamptest.env_for(home.dir, {"TCPREMOTEIP": "192.0.2.9",
                                                         "TCPLOCALIP": "127.0.0.1"}))
    b.close()
    a.settimeout(20)
    replies = [read_line(a)]
    stuffed = b"".join(b"." + l if l.startswith(b".") else l
                       for l in data.splitlines(keepends=True))
    for cmd in (b"EHLO client.test", b"MAIL FROM:<%s>" % sender.encode(),
                b"RCPT TO:<%s>" % rcpt.encode(), b"DATA"):
        a.sendall(cmd + b"\r\n")
        while True:
            line = read_line(a)
            if line[3:4] != b"-":
                break
        replies.append(line)
    a.sendall(stuffed + b".\r\n")
    replies.append(read_line(a))
    a.sendall(b"QUIT\r\n")
    replies.append(read_line(a))
    a.close()
    p.wait(20)
    return replies


def test_two_stamps_deliver_to_one_dovecot():
    top = stamptest.Home(setup=False).top
    os.chmod(top, 0o755)
    import pwd
    pw = pwd.getpwnam("stampv") if remotetest.is_root() else pwd.getpwuid(os.getuid())
    dove = peers.DovecotLmtp(os.path.join(top, "dovecot"), stamptest.free_port(),
                             ["alice@stamp.test", "bob@stamp.test"], pw.pw_uid, pw.pw_gid)
    dove.start()
    stamptest.add_cleanup(dove.stop)
    mx = []
    for name in ("mx1", "mx2"):
        s = Stamp(controls={"me": name + ".stamp.test", "locals": "stamp.test"})
        s.home.control("rcpthosts", "stamp.test")
        s.home.control("lmtp", ":inet:127.0.0.1:%d" % dove.port)
        # The mailboxes live on the Dovecot back end: stamp-smtpd takes any local
        # part at an LMTP domain, and Dovecot's RCPT reply decides.
        s.start()
        mx.append(s)
    sent = {}
    for k, s in enumerate(mx):
        rcpt = ["alice@stamp.test", "bob@stamp.test"][k]
        body = ("Subject: via mx%d\r\nMessage-ID: <m%d@client.test>\r\n\r\n"
                ".dot line\r\nline two\r\n" % (k + 1, k + 1)).encode()
        replies = smtp_session(s.home, "sender@client.test", rcpt, body)
        assert replies[-2].startswith(b"250"), replies
        sent[rcpt] = body
    for s in mx:
        s.wait_empty()
    for rcpt, body in sent.items():
        files = dove.maildir_files(rcpt)
        assert len(files) == 1, (rcpt, files, dove.log()[-3000:])
        with open(files[0], "rb") as f:
            got = f.read()
        # Dovecot puts Return-Path, Delivered-To and its own Received: line in
        # front; the rest is stamp's queue file (stamp-queue's Received: line,
        # stamp-smtpd's, then the message) byte for byte, with LF line ends.
        want = body.replace(b"\r\n", b"\n")
        head, sep, tail = got.partition(b"Received: (stamp-queue ")
        assert sep and tail.endswith(want), got
        # Between stamp's first line and the message: only stamp-smtpd's Received:.
        rest = tail[:-len(want)].split(b"\n")
        assert rest[-1] == b"" and rest[1].startswith(b"Received: from client.test"), rest
        assert all(l.startswith(b"\t") for l in rest[2:-1]), rest
        assert head.startswith(b"Return-Path: <sender@client.test>\nDelivered-To: %s\n"
                               b"Received: from " % rcpt.encode()), head
        # Each message came through its own MX (the LHLO name).
        mxname = b"mx1" if rcpt.startswith("alice") else b"mx2"
        assert b"Received: from %s.stamp.test" % mxname in head, head
