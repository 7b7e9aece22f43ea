"""stamp-remote through the real scheduler, with real DNS (dnsmasq) and fake
mail exchangers (aiosmtpd) on 127.0.0.x port 25, so the MX lookups are real.
Port 25 needs root (as in CI); without it these tests say they are skipped
and test_remote_routes.py covers what smtproutes with ports can."""

import email
import email.policy
import os
import time

import remotetest
import stamptest
from remotetest import FakeMX, RawServer, Stamp

# Held by run.py's machine-wide lock (a second run may share the machine).
FIXED = "127.0.0.x:25 (listening or not) is one per machine"

# bounce.test is where the senders live, so bounces go out and come back to a fake too.
BASE = [
    "mx-host=bounce.test,mx.bounce.test,10",
    "host-record=mx.bounce.test,127.0.0.9",
]


def world(records, controls=None):
    """Dns with records (+ BASE), a Stamp using it, and the bounce catcher."""
    s = Stamp()
    d = remotetest.Dns(BASE + records, s.home.top)
    s.home.control("nameservers", d.server())
    for k, v in (controls or {}).items():
        s.home.control(k, v)
    bounces = FakeMX(s.home.top, "127.0.0.9", name="mx.bounce.test")
    return s, d, bounces


def parse_dsn(data):
    m = email.message_from_bytes(remotetest.unstuffed_lf(data), policy=email.policy.default)
    assert m.get_content_type() == "multipart/report", m
    ds = [p for p in m.iter_parts() if p.get_content_type() == "message/delivery-status"][0]
    groups = list(ds.iter_parts())
    return m, groups[1:]


def test_lowest_preference_first():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["mx-host=ex.test,mx1.ex.test,10", "mx-host=ex.test,mx2.ex.test,20",
                     "host-record=mx1.ex.test,127.0.0.3", "host-record=mx2.ex.test,127.0.0.2"])
    low = FakeMX(s.home.top, "127.0.0.3", name="mx1.ex.test")
    high = FakeMX(s.home.top, "127.0.0.2", name="mx2.ex.test")
    s.queue(["alice@ex.test"])
    s.start()
    s.wait_empty()
    assert len(low.messages()) == 1, s.logtext()
    assert low.messages()[0]["rcpt_tos"] == ["alice@ex.test"]
    assert high.sessions() == [], high.sessions()
    assert "host=mx1.ex.test ip=127.0.0.3" in s.logtext()


def test_first_mx_refusing_connections_second_receives():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["mx-host=ex.test,mx1.ex.test,10", "mx-host=ex.test,mx2.ex.test,20",
                     "host-record=mx1.ex.test,127.0.0.4", "host-record=mx2.ex.test,127.0.0.2"])
    second = FakeMX(s.home.top, "127.0.0.2", name="mx2.ex.test")
    s.queue(["alice@ex.test"])
    s.start()
    s.wait_empty()
    assert len(second.messages()) == 1
    log = s.logtext()
    assert "ip=127.0.0.4 port=25 action=connect" in log, log
    assert "status=delivered" in log
    # The refusal is remembered for the next messages (remote/tcpto).
    with open(s.home.path("remote", "tcpto")) as f:
        assert f.read().startswith("127.0.0.4 1 "), "tcpto"
    s.queue(["bob@ex.test"])
    s.wait_empty()
    assert len(second.messages()) == 2
    assert "ip=127.0.0.4 action=skip" in s.logtext(), s.logtext()


def test_4xx_is_retried_later_and_then_delivered():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["mx-host=ex.test,mx1.ex.test,10", "host-record=mx1.ex.test,127.0.0.2"])
    mx = FakeMX(s.home.top, "127.0.0.2", name="mx1.ex.test",
                args=["--data-reply", "451 4.3.0 come back later", "--times", "1"])
    s.queue(["alice@ex.test"])
    s.start()
    s.wait_empty()
    assert len(mx.messages()) == 1
    assert len(mx.sessions()) == 2, mx.sessions()
    log = s.logtext()
    assert "status=deferred" in log and "451 4.3.0 come back later" in log, log
    assert log.index("status=deferred") < log.index("status=delivered")


def test_5xx_to_one_recipient_bounces_only_that_one():
    if remotetest.needs_root("port 25"):
        return
    s, d, bounces = world(["mx-host=ex.test,mx1.ex.test,10", "host-record=mx1.ex.test,127.0.0.2"])
    mx = FakeMX(s.home.top, "127.0.0.2", name="mx1.ex.test",
                args=["--rcpt", "bob=550 5.1.1 <bob@ex.test>: no such user here"])
    s.queue(["alice@ex.test", "bob@ex.test"], sender="carol@bounce.test")
    s.start()
    s.wait_empty()
    got = mx.messages()
    assert len(got) == 1 and got[0]["rcpt_tos"] == ["alice@ex.test"], got
    b = bounces.messages()
    assert len(b) == 1, s.logtext()
    assert b[0]["mail_from"] == "<>" or b[0]["mail_from"] == "", b[0]["mail_from"]
    assert b[0]["rcpt_tos"] == ["carol@bounce.test"]
    m, rcpts = parse_dsn(b[0]["data"])
    assert len(rcpts) == 1, rcpts
    r = rcpts[0]
    assert r["Final-Recipient"] == "rfc822; bob@ex.test"
    assert r["Status"] == "5.1.1"
    assert r["Remote-MTA"] == "dns; mx1.ex.test"
    assert r["Diagnostic-Code"] == "smtp; 550 5.1.1 <bob@ex.test>: no such user here", str(r)
    text = [p for p in m.iter_parts() if p.get_content_type() == "text/plain"][0].get_content()
    assert "no such user here" in text


def test_null_mx_bounces_at_once():
    if remotetest.needs_root("port 25"):
        return
    s, d, bounces = world(["mx-host=nomail.test,.,0"])
    s.queue(["alice@nomail.test"])
    s.start()
    s.wait_empty()
    b = bounces.messages()
    assert len(b) == 1
    m, rcpts = parse_dsn(b[0]["data"])
    assert rcpts[0]["Status"] == "5.1.10", str(rcpts[0])
    assert "null MX" in rcpts[0]["Diagnostic-Code"]
    assert s.logtext().count("status=deferred") == 0


def test_nxdomain_bounces_at_once():
    if remotetest.needs_root("port 25"):
        return
    s, d, bounces = world([])
    s.queue(["alice@nowhere.test"])
    s.start()
    s.wait_empty()
    m, rcpts = parse_dsn(bounces.messages()[0]["data"])
    assert rcpts[0]["Status"] == "5.1.2", str(rcpts[0])


def test_no_mx_falls_back_to_the_address_record():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["host-record=plain.test,127.0.0.6"])
    mx = FakeMX(s.home.top, "127.0.0.6", name="plain.test")
    s.queue(["alice@plain.test"])
    s.start()
    s.wait_empty()
    assert len(mx.messages()) == 1
    assert "host=plain.test ip=127.0.0.6" in s.logtext()


def test_dns_timeout_leaves_the_message_queued():
    s = Stamp(controls={"timeoutdns": 1})
    import socket
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    stamptest.add_cleanup(silent.close)
    s.home.control("nameservers", "127.0.0.1:%d" % silent.getsockname()[1])
    s.queue(["alice@ex.test"])
    s.start()
    s.wait_log("status=deferred", timeout=30)
    assert "4.4.3 DNS lookup of the mail exchangers of ex.test failed temporarily" in s.logtext()
    assert s.home.ids("info"), s.home.queue_files()
    assert "status=failed" not in s.logtext()


def test_starttls_with_a_self_signed_exchanger():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["mx-host=ex.test,mx1.ex.test,10", "host-record=mx1.ex.test,127.0.0.2"])
    cert, key = remotetest.self_signed(s.home.top, "mx1.ex.test")
    mx = FakeMX(s.home.top, "127.0.0.2", name="mx1.ex.test", args=["--tls", cert, key])
    s.queue(["alice@ex.test"])
    s.start()
    s.wait_empty()
    got = mx.messages()
    assert len(got) == 1 and got[0]["tls"] is True, got
    log = s.logtext()
    assert "tls=yes verified=no cipher=" in log, log


def test_tlsdestinations_verify_refuses_a_self_signed_exchanger():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["mx-host=ex.test,mx1.ex.test,10", "host-record=mx1.ex.test,127.0.0.2"],
                    controls={"tlsdestinations": "ex.test:verify"})
    cert, key = remotetest.self_signed(s.home.top, "mx1.ex.test")
    mx = FakeMX(s.home.top, "127.0.0.2", name="mx1.ex.test", args=["--tls", cert, key])
    s.queue(["alice@ex.test"])
    s.start()
    s.wait_log("status=deferred")
    assert mx.messages() == []
    assert "4.7.5 host mx1.ex.test [127.0.0.2]: TLS handshake failed" in s.logtext(), s.logtext()


def test_failed_handshake_is_retried_in_plaintext():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["mx-host=ex.test,mx1.ex.test,10", "host-record=mx1.ex.test,127.0.0.2"])
    got = []

    def serve(c, n):
        c.sendall(b"220 raw.test ESMTP\r\n")
        if n == 0:
            remotetest.read_line(c)                      # EHLO
            c.sendall(b"250-raw.test\r\n250 STARTTLS\r\n")
            remotetest.read_line(c)                      # STARTTLS
            c.sendall(b"220 go ahead\r\n")
            c.recv(4096)                                 # the ClientHello
            c.sendall(b"this is not TLS\r\n" * 4)
            return
        remotetest.plain_smtp(c, ("PIPELINING", "STARTTLS"), got)

    raw = RawServer("127.0.0.2", 25, serve)
    s.queue(["alice@ex.test"])
    s.start()
    s.wait_empty()
    assert raw.count == 2 and len(got) == 1, (raw.count, got)
    log = s.logtext()
    assert "tls=failed action=retry-plaintext" in log, log
    assert "tls=no verified=no" in log


def test_4xx_greeting_and_dropped_connection_go_to_the_next_address():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["mx-host=ex.test,mx1.ex.test,10", "mx-host=ex.test,mx2.ex.test,20",
                     "mx-host=ex.test,mx3.ex.test,30",
                     "host-record=mx1.ex.test,127.0.0.2", "host-record=mx2.ex.test,127.0.0.3",
                     "host-record=mx3.ex.test,127.0.0.4"])
    RawServer("127.0.0.2", 25, lambda c, n: c.sendall(b"421 4.3.2 too busy\r\n"))
    RawServer("127.0.0.3", 25, lambda c, n: (c.sendall(b"220 hi\r\n"), remotetest.read_line(c)))
    last = FakeMX(s.home.top, "127.0.0.4", name="mx3.ex.test")
    s.queue(["alice@ex.test"])
    s.start()
    s.wait_empty()
    assert len(last.messages()) == 1
    log = s.logtext()
    assert "421 4.3.2 too busy" in log and "closed the connection before the reply to EHLO" in log, log


def test_a_message_of_1_mb_arrives_byte_for_byte():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["mx-host=ex.test,mx1.ex.test,10", "host-record=mx1.ex.test,127.0.0.2"])
    mx = FakeMX(s.home.top, "127.0.0.2", name="mx1.ex.test")
    body = bytearray()
    i = 0
    while len(body) < 1024 * 1024:
        # Dots at line starts, a lone dot, 8-bit octets, long and empty lines.
        body += b".line %d " % i + bytes(range(128, 256))[: i % 97] + b"x" * (i % 300) + b"\n"
        if i % 50 == 0:
            body += b".\n\n..\n"
        i += 1
    msg = b"Subject: big\n\n" + bytes(body)
    s.queue(["alice@ex.test"], msg=msg)
    s.start()
    s.wait_empty(timeout=60)
    got = mx.messages()
    assert len(got) == 1
    data = remotetest.unstuffed_lf(got[0]["data"])
    assert data.startswith(b"Received: "), data[:200]
    assert data.endswith(msg), "the message differs"
    assert len(data) - len(msg) < 1000
    assert "BODY=8BITMIME" in got[0]["mail_options"], got[0]["mail_options"]


def test_concurrencyperdomain_caps_connections():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["mx-host=ex.test,mx1.ex.test,10", "host-record=mx1.ex.test,127.0.0.2"],
                    controls={"concurrencyperdomain": 2})
    mx = FakeMX(s.home.top, "127.0.0.2", name="mx1.ex.test", args=["--delay", "0.5"])
    for i in range(6):
        s.queue(["u%d@ex.test" % i])
    s.start()
    s.wait_empty(timeout=60)
    assert len(mx.messages()) == 6
    assert mx.max_concurrent() == 2, mx.max_concurrent()


def test_silent_server_times_out_and_the_next_address_takes_it():
    if remotetest.needs_root("port 25"):
        return
    s, d, _ = world(["mx-host=ex.test,mx1.ex.test,10", "mx-host=ex.test,mx2.ex.test,20",
                     "host-record=mx1.ex.test,127.0.0.2", "host-record=mx2.ex.test,127.0.0.3"],
                    controls={"timeoutremote": 2})

    def silent(c, n):
        c.sendall(b"220 slow.test ESMTP\r\n")
        while c.recv(100):      # EHLO arrives and is never answered, until the client gives up
            pass

    RawServer("127.0.0.2", 25, silent)
    second = FakeMX(s.home.top, "127.0.0.3", name="mx2.ex.test")
    s.queue(["alice@ex.test"])
    t = time.monotonic()
    s.start()
    s.wait_empty()
    assert len(second.messages()) == 1
    assert time.monotonic() - t >= 2
    assert "mx1.ex.test [127.0.0.2] timed out waiting for the reply to EHLO" in s.logtext(), \
        s.logtext()
