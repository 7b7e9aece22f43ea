"""The DNSBL check (smtpd/dnsbl.c) against a real dnsmasq serving block
lists on a free loopback port, named in control/nameservers, through the
test-only program dnsbl_ask."""

import socket
import time

import stamptest
import policytest
from policytest import control, home

V6 = "2001:db8::1"
V6_REV = ".".join(reversed("20010db8000000000000000000000001"))


def dnsbl_ask(h, ip):
    r = stamptest.run([policytest.helper("dnsbl_ask"), ip], home=h)
    line = r.text().strip()
    assert line.startswith("result="), r
    result, _, reply = line[len("result="):].partition(" reply=")
    assert {"1": 1, "0": 0, "-1": 3}[result] == r.code, r
    return int(result), reply, r


def test_listed_clients_get_554_with_the_txt_text():
    port = policytest.start_dnsmasq("zone.test", {
        "2.0.0.127": ("127.0.0.2", "Listed by zone.test; see http://zone.test/?127.0.0.2"),
        "4.0.0.127": ("127.0.0.4", None),
        V6_REV: ("127.0.0.3", "IPv6 listed"),
        "5.0.0.127": ("127.255.255.254", "query refused"),
        "6.0.0.127": ("192.0.2.66", "not a block-list answer"),
    })
    h = home()
    control(h, "dnsbl", "zone.test")
    control(h, "nameservers", "127.0.0.1:%d" % port)
    cases = [
        ("127.0.0.2", 1, "554 5.7.1 Listed by zone.test; see http://zone.test/?127.0.0.2"),
        ("::ffff:127.0.0.2", 1, "554 5.7.1 Listed by zone.test; see http://zone.test/?127.0.0.2"),
        ("127.0.0.4", 1, "554 5.7.1 Client address 127.0.0.4 is listed in zone.test"),
        (V6, 1, "554 5.7.1 IPv6 listed"),
        ("127.0.0.3", 0, ""),
        ("2001:db8::2", 0, ""),
        ("127.0.0.5", -1, ""),      # the list's "refused" code is trouble, not a listing
        ("127.0.0.6", 0, ""),       # an answer outside 127/8 lists nobody
        ("not-an-address", -1, ""),
    ]
    for ip, want, reply in cases:
        got, text, r = dnsbl_ask(h, ip)
        assert (got, text) == (want, reply), (ip, r)


def test_zones_in_order_and_trouble_goes_on():
    port = policytest.start_dnsmasq("a.test", {"2.0.0.127": ("127.0.0.2", "in a.test")})
    port_b = policytest.start_dnsmasq("b.test", {"2.0.0.127": ("127.0.0.2", "in b.test")})
    h = home()
    # a.test's server knows nothing of b.test and refuses it: trouble, then a.test lists
    control(h, "nameservers", "127.0.0.1:%d" % port)
    control(h, "dnsbl", "b.test\na.test")
    got, text, r = dnsbl_ask(h, "127.0.0.2")
    assert (got, text) == (1, "554 5.7.1 in a.test"), r
    got, text, r = dnsbl_ask(h, "127.0.0.9")
    assert got == -1, r          # b.test could not be asked: trouble, not "clean"
    control(h, "nameservers", "127.0.0.1:%d" % port_b)
    got, text, r = dnsbl_ask(h, "127.0.0.2")
    assert (got, text) == (1, "554 5.7.1 in b.test"), r
    control(h, "dnsbl", "")
    got, text, r = dnsbl_ask(h, "127.0.0.2")
    assert (got, text) == (0, ""), r


def test_silent_nameserver_is_bounded_trouble():
    # A UDP socket that never answers.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stamptest.add_cleanup(s.close)
    s.bind(("127.0.0.1", 0))
    h = home()
    control(h, "dnsbl", "zone.test")
    control(h, "nameservers", "127.0.0.1:%d" % s.getsockname()[1])
    control(h, "timeoutdns", "1")
    t0 = time.monotonic()
    got, text, r = dnsbl_ask(h, "127.0.0.2")
    took = time.monotonic() - t0
    assert got == -1 and text == "", r
    assert 1 <= took < 6, took       # two tries of timeoutdns, then it goes on


# ---- through the real stamp-smtpd --------------------------------------------

def test_smtpd_listed_client_gets_554_at_mail_and_rcpt():
    port = policytest.start_dnsmasq("zone.test", {
        "2.0.0.127": ("127.0.0.2", "Listed by zone.test; see http://zone.test/?127.0.0.2")})
    s = policytest.Smtpd({"dnsbl": "zone.test", "nameservers": "127.0.0.1:%d" % port,
                          "timeoutdns": "2"})
    c = s.client(source="127.0.0.2")
    c.ehlo("client.example.net")
    code, text = c.mail("bob@example.net")
    assert code == 554, (code, text)
    assert text == b"5.7.1 Listed by zone.test; see http://zone.test/?127.0.0.2", text
    code, text = c.rcpt("alice@example.org")
    assert code in (503, 554), (code, text)
    c.quit()
    # 127.0.0.1 is not listed: mail goes through.
    c = s.client(source="127.0.0.1")
    c.ehlo("client.example.net")
    assert c.mail("bob@example.net")[0] == 250
    assert c.rcpt("alice@example.org")[0] == 250
    code, text = c.data(b"Subject: hi\r\n\r\nclean\r\n")
    assert code == 250, (code, text)
    c.quit()
    assert len(s.messages()) == 1


def test_smtpd_ipv6_client_under_inetd_is_checked_by_nibbles():
    port = policytest.start_dnsmasq("zone.test", {V6_REV: ("127.0.0.2", "v6 client listed")})
    h = stamptest.Home()
    for name, value in {"me": "mx.example.org", "locals": "example.org", "dnsbl": "zone.test",
                        "nameservers": "127.0.0.1:%d" % port, "timeoutdns": "2"}.items():
        h.control(name, value)
    # One session on stdin/stdout, as inetd or tcpserver run it.
    env = {"TCPREMOTEIP": V6, "TCPLOCALIP": "2001:db8::25", "PROTO": "TCP6"}
    r = h.run("stamp-smtpd", input=b"EHLO client.example.net\r\nMAIL FROM:<bob@example.net>\r\n"
              b"QUIT\r\n", env=env)
    replies = r.stdout.decode().split("\r\n")
    assert "554 5.7.1 v6 client listed" in replies, r
    env["TCPREMOTEIP"] = "2001:db8::2"
    r = h.run("stamp-smtpd", input=b"EHLO client.example.net\r\nMAIL FROM:<bob@example.net>\r\n"
              b"QUIT\r\n", env=env)
    assert any(x.startswith("250 2.1.0") for x in r.stdout.decode().split("\r\n")), r
