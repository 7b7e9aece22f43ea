"""common/dns.c against a real DNS server (a private dnsmasq), through the
dns_query test helper: nameservers with ports and IPv6, every kind of answer,
an answer too big for UDP (retried over TCP by glibc), and a server that
never answers (a temporary failure within the time limit)."""

import os
import socket
import time

import remotetest
import stamptest

BIG = ['txt-record=big.test,"%02d%s"' % (i, "x" * 240) for i in range(30)]

RECORDS = [
    "mx-host=ex.test,mx1.ex.test,10",
    "mx-host=ex.test,mx2.ex.test,5",
    "host-record=mx1.ex.test,127.0.0.2",
    "host-record=mx2.ex.test,127.0.0.3,::3",
    "cname=alias.ex.test,mx2.ex.test",
    "mx-host=null.test,.,0",
    'txt-record=2.0.0.127.bl.test,"listed","see http://bl.test/"',
    "host-record=2.0.0.127.bl.test,127.0.0.2",
] + BIG


def helper():
    p = os.path.join(stamptest.BUILD, "tests", "bin", "dns_query")
    assert os.access(p, os.X_OK), p
    return p


def query(home, *args):
    r = stamptest.run([helper(), "--home", home.dir, "-t", "1"] + list(args))
    assert r.code == 0, r
    return r.text().strip().split("\n")


def setup(records=RECORDS):
    h = stamptest.Home()
    d = remotetest.Dns(records, h.top)
    h.control("nameservers", d.server())
    return h, d


def test_every_kind_of_answer():
    h, d = setup()
    assert query(h, "mx", "ex.test") == ["status=found", "mx 5 mx2.ex.test", "mx 10 mx1.ex.test"] or \
        query(h, "mx", "ex.test") == ["status=found", "mx 10 mx1.ex.test", "mx 5 mx2.ex.test"]
    assert query(h, "a", "mx1.ex.test") == ["status=found", "ip 127.0.0.2"]
    assert query(h, "aaaa", "mx2.ex.test") == ["status=found", "ip ::3"]
    assert query(h, "a", "alias.ex.test") == ["status=found", "ip 127.0.0.3"]   # CNAME followed
    assert query(h, "mx", "nosuch.test") == ["status=nxdomain"]
    assert query(h, "a", "ex.test") == ["status=nodata"]
    assert query(h, "mx", "null.test") == ["status=found", "mx 0 ."]
    assert query(h, "txt", "2.0.0.127.bl.test") == ["status=found", "txt listedsee http://bl.test/"]
    assert query(h, "exists", "2.0.0.127.bl.test") == ["status=found"]
    assert query(h, "exists", "3.0.0.127.bl.test") == ["status=nxdomain"]
    assert query(h, "rev", "127.0.0.2", "bl.test") == ["rev 2.0.0.127.bl.test"]


def test_answer_over_udp_size_goes_over_tcp():
    h, d = setup()
    out = query(h, "txt", "big.test")
    assert out[0] == "status=found", out
    assert len(out[1]) == len("txt ") + 2 + 240, out
    # dnsmasq saw the question twice: over UDP (truncated), then over TCP.
    log = d.logtext()
    assert log.count("query[TXT] big.test") == 2, log[-3000:]


def test_ipv6_nameserver_with_port():
    h, d = setup()
    # A second dnsmasq on ::1 (the first listens on 127.0.0.1 only).
    port = d.port
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("::1", 0))
        except OSError:
            print("    skipped: no IPv6 loopback")
            return
    p = stamptest.spawn(["dnsmasq", "--no-daemon", "--port=%d" % port, "--listen-address=::1",
                         "--bind-interfaces", "--no-resolv", "--no-hosts", "--pid-file=",
                         "--conf-file=" + d.conf] + (["--user=root"] if remotetest.is_root() else []),
                        stderr=open(os.devnull, "wb"))
    stamptest.add_cleanup(p.kill)
    h.control("nameservers", "[::1]:%d" % port)
    end = time.monotonic() + 10
    while True:
        out = query(h, "a", "mx1.ex.test")
        if out == ["status=found", "ip 127.0.0.2"] or time.monotonic() > end:
            break
        time.sleep(0.1)
    assert out == ["status=found", "ip 127.0.0.2"], out
    # Only the IPv6 server is asked: stop the IPv4 one and ask again.
    d.stop()
    assert query(h, "a", "mx1.ex.test") == ["status=found", "ip 127.0.0.2"]


def test_silent_server_is_a_temporary_failure():
    h = stamptest.Home()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        h.control("nameservers", "127.0.0.1:%d" % s.getsockname()[1])
        t = time.monotonic()
        assert query(h, "mx", "ex.test") == ["status=temporary"]
        took = time.monotonic() - t
    assert 1.5 <= took < 10, took      # two tries of one second each


def test_bad_nameservers_line_is_refused():
    h = stamptest.Home()
    h.control("nameservers", "ns.example.com")
    r = stamptest.run([helper(), "--home", h.dir, "mx", "ex.test"])
    assert r.code == 1, r
    assert b"not an IP[:port]" in r.stderr, r
