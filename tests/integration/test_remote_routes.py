"""control/smtproutes: a smarthost takes all remote mail, static routes send
a domain (or its subdomains) to a host and port of their own. Fake exchangers
on free loopback ports, so this runs without root; DNS is asked only for a
route's host name."""

import remotetest
import stamptest
from remotetest import FakeMX, Stamp

# Held by run.py's machine-wide lock (a second run may share the machine).
FIXED = "127.0.0.x:25 is one per machine"


def test_smarthost_takes_everything():
    s = Stamp()
    port = stamptest.free_port()
    smart = FakeMX(s.home.top, "127.0.0.1", port, name="smart.test")
    s.home.control("smtproutes", ":127.0.0.1:%d" % port)
    s.queue(["a@one.example", "b@two.example"])
    s.queue(["c@three.example"])
    s.start()
    s.wait_empty()
    got = sorted(r for m in smart.messages() for r in m["rcpt_tos"])
    assert got == ["a@one.example", "b@two.example", "c@three.example"], got
    # One transaction per domain: three here.
    assert len(smart.messages()) == 3


def test_routes_by_domain_and_subdomain():
    s = Stamp()
    p1, p2, p3 = (stamptest.free_port() for _ in range(3))
    exact = FakeMX(s.home.top, "127.0.0.1", p1, name="exact.test")
    sub = FakeMX(s.home.top, "127.0.0.1", p2, name="sub.test")
    smart = FakeMX(s.home.top, "127.0.0.1", p3, name="smart.test")
    # relay.test is a name: its address comes from DNS, its port from the route.
    d = remotetest.Dns(["host-record=relay.test,127.0.0.1"], s.home.top)
    s.home.control("nameservers", d.server())
    with open(s.home.path("control", "smtproutes"), "w") as f:
        f.write("# routes\nexample.com:[127.0.0.1]:%d\n.example.com:relay.test:%d\n"
                ":127.0.0.1:%d\n" % (p1, p2, p3))
    s.queue(["a@example.com"])
    s.queue(["b@mail.example.com", "c@mail.example.com"])
    s.queue(["d@example.net"])
    s.start()
    s.wait_empty()
    assert [m["rcpt_tos"] for m in exact.messages()] == [["a@example.com"]]
    assert [sorted(m["rcpt_tos"]) for m in sub.messages()] == [["b@mail.example.com",
                                                               "c@mail.example.com"]]
    assert [m["rcpt_tos"] for m in smart.messages()] == [["d@example.net"]]


def test_malformed_route_defers():
    s = Stamp()
    s.home.control("smtproutes", "example.com:host:99999")
    s.queue(["a@example.com"])
    s.start()
    s.wait_log("status=deferred")
    assert "4.3.5 the route for this domain in control/smtproutes is malformed" in s.logtext()


def test_address_literal_skips_dns():
    if remotetest.needs_root("port 25 on 127.0.0.2"):
        return
    s = Stamp()
    mx = FakeMX(s.home.top, "127.0.0.2", name="literal.test")
    s.queue(["a@[127.0.0.2]"])
    s.start()
    s.wait_empty()
    assert [m["rcpt_tos"] for m in mx.messages()] == [["a@[127.0.0.2]"]]


def test_smtputf8_when_an_address_needs_it():
    s = Stamp()
    port = stamptest.free_port()
    mx = FakeMX(s.home.top, "127.0.0.1", port, name="utf8.test")
    s.home.control("smtproutes", ":127.0.0.1:%d" % port)
    s.queue(["j\u00f6rg@example.com"], sender="s@stamp.test")
    s.start()
    s.wait_empty()
    got = mx.messages()
    assert len(got) == 1, s.logtext()
    assert "SMTPUTF8" in got[0]["mail_options"], got[0]["mail_options"]
    assert got[0]["rcpt_tos"] == ["j\u00f6rg@example.com"], got[0]["rcpt_tos"]


def test_no_smtputf8_is_a_permanent_failure():
    s = Stamp()
    port = stamptest.free_port()
    mx = FakeMX(s.home.top, "127.0.0.1", port, name="ascii.test", args=["--no-smtputf8"])
    s.home.control("smtproutes", ":127.0.0.1:%d" % port)
    s.queue(["j\u00f6rg@example.com"], sender="s@stamp.test")
    s.start()
    s.wait_log("status=failed")
    assert "5.6.7 host 127.0.0.1 [127.0.0.1] does not support SMTPUTF8" in s.logtext(), s.logtext()
    assert mx.messages() == []
