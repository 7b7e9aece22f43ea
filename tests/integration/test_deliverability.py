"""The outgoing rules the big providers publish that the MTA controls, on
the wire of stamp-remote: EHLO gives control/me (or control/helohost), a
fully qualified name; every line ends in CRLF, never a bare LF, whatever
the stored message holds; and what stamp-inject sent has one Date, one
Message-ID and one From, as RFC 5322 wants. (STARTTLS when offered:
test_remote.py.)"""

import email
import email.policy
import email.utils
import re

import remotetest
import stamptest
from remotetest import RawServer, Stamp

MSG = (b"Subject: wire\n\nplain line\n.leading dot\n..two dots\n\nlong " + b"x" * 900 +
       b"\nno newline at the end")


def recorder(store):
    """A RawServer function: plain SMTP, every byte the client sent kept."""
    def serve(c, n):
        raw = []
        orig = c.recv

        def recv(k):
            b = orig(k)
            raw.append(b)
            return b
        c.recv = recv
        c.sendall(b"220 raw.test ESMTP\r\n")
        data = []
        remotetest.plain_smtp(c, store=data)
        store.append((b"".join(raw), data))
    return serve


class Sock:
    """A socket whose recv the recorder can wrap (socket.recv is read-only)."""

    def __init__(self, s):
        self.s = s

    def __getattr__(self, name):
        return getattr(self.s, name)


def world(controls):
    s = Stamp(controls=controls)
    d = remotetest.Dns(["mx-host=ex.test,mx1.ex.test,10", "host-record=mx1.ex.test,127.0.0.2"],
                       s.home.top)
    s.home.control("nameservers", d.server())
    got = []
    rec = recorder(got)
    RawServer("127.0.0.2", 25, lambda c, n: rec(Sock(c), n))
    return s, got


def test_ehlo_is_control_me_and_no_bare_lf_on_the_wire():
    if remotetest.needs_root("port 25"):
        return
    s, got = world({"me": "mail.stamp.test"})
    s.queue(["alice@ex.test"], msg=MSG)
    r = s.home.run("stamp-inject", "-f", "carol@stamp.test", "bob@ex.test",
                   input=b"Subject: injected\n\nhello\n")
    assert r.code == 0, r
    s.start()
    s.wait_empty()
    assert len(got) >= 1, s.logtext()[-3000:]
    wire = b"".join(raw for raw, _ in got)
    first = wire.split(b"\r\n", 1)[0]
    assert first == b"EHLO mail.stamp.test", first
    assert re.fullmatch(rb"EHLO [a-z0-9-]+(\.[a-z0-9-]+)+", first), first
    assert b"\n" in wire and wire.count(b"\n") == wire.count(b"\r\n"), wire[:2000]
    assert wire.count(b"\r") == wire.count(b"\r\n"), "a bare CR"
    datas = [d for _, ds in got for d in ds]
    assert len(datas) == 2, got
    plain = [d for d in datas if b"Subject: wire" in d][0]
    assert b"\r\n.leading dot\r\n..two dots\r\n" in plain, plain      # unstuffed by the server
    assert b"\r\n..leading dot\r\n...two dots\r\n" in wire, wire[:3000]  # stuffed on the wire
    assert plain.endswith(b"no newline at the end\r\n"), plain[-80:]
    injected = [d for d in datas if b"Subject: injected" in d][0]
    m = email.message_from_bytes(remotetest.unstuffed_lf(injected), policy=email.policy.default)
    for name in ("From", "Date", "Message-ID"):
        assert len(m.get_all(name) or []) == 1, (name, injected)
    assert email.utils.parsedate_to_datetime(str(m["Date"])).tzinfo is not None, m["Date"]
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>", str(m["Message-ID"])), m["Message-ID"]
    assert m["From"].addresses[0].addr_spec.endswith("@mail.stamp.test"), m["From"]   # control/me


def test_helohost_overrides_me_in_ehlo():
    if remotetest.needs_root("port 25"):
        return
    s, got = world({"me": "box", "helohost": "out.stamp.test"})
    s.queue(["alice@ex.test"])
    s.start()
    s.wait_empty()
    first = got[0][0].split(b"\r\n", 1)[0]
    assert first == b"EHLO out.stamp.test", first
