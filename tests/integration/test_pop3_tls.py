"""STLS (RFC 2595) with a self-signed certificate: the session's first
process keeps the TLS session and relays it; curl --ssl-reqd and poplib
log in off loopback only after STLS; plaintext sent with STLS is dropped."""

import os
import poplib
import socket
import ssl
import subprocess

import stamptest
from pop3env import Pop3, wire

MSG = b"From: a@example.org\nTo: alice@example.org\nSubject: tls\n\nover TLS\n.dot\n"


def tls_home(p):
    d = p.home.path("control")
    r = stamptest.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                       "-subj", "/CN=localhost", "-keyout", os.path.join(d, "key.pem"),
                       "-out", os.path.join(d, "cert.pem")], timeout=60)
    assert r.code == 0, r
    p.home.control("tlscert", "cert.pem")
    p.home.control("tlskey", "key.pem")


def context():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def test_curl_stls_off_loopback_byte_for_byte():
    p = Pop3()
    stored = p.deliver([MSG, MSG + b"second\n"])
    tls_home(p)
    port = p.serve(addr="127.0.0.2")
    url = "pop3://127.0.0.2:%d/" % port
    base = ["curl", "-s", "-S", "--ssl-reqd", "-k", "--max-time", "20", "--user", "alice:pw-alice"]
    for i, s in enumerate(stored):
        r = stamptest.run(base + [url + str(i + 1)])
        assert r.code == 0, r
        assert r.stdout == wire(s), (r.stdout, wire(s))
    r = stamptest.run(base + ["-X", "DELE", "-I", url + "1"])
    assert r.code == 0, r
    assert len(os.listdir(os.path.join(p.maildir(), "cur"))) == 1
    assert "event=starttls" in p.logtext()


def test_poplib_stls_then_user_pass():
    p = Pop3()
    p.deliver([MSG])
    tls_home(p)
    port = p.serve(addr="127.0.0.2")
    c = poplib.POP3("127.0.0.2", port, timeout=20)
    caps = c.capa()
    assert "STLS" in caps and "USER" not in caps, caps
    try:
        c.user("alice")
        raise AssertionError("USER accepted before TLS off loopback")
    except poplib.error_proto as e:
        assert b"[AUTH]" in e.args[0]
    c.stls(context())
    caps = c.capa()
    assert "STLS" not in caps and "USER" in caps, caps
    c.user("alice")
    c.pass_("pw-alice")
    resp, lines, _ = c.retr(1)
    assert lines[-2:] == [b"over TLS", b".dot"], lines
    assert c.stat()[0] == 1
    c.quit()


def test_plaintext_after_stls_is_discarded():
    p = Pop3()
    p.deliver([MSG])
    tls_home(p)
    port = p.serve(addr="127.0.0.2")
    s = socket.create_connection(("127.0.0.2", port), timeout=20)
    f = s.makefile("rb")
    assert f.readline().startswith(b"+OK")
    # An attacker's injected command rides along with STLS.
    s.sendall(b"STLS\r\nUSER alice\r\n")
    assert f.readline() == b"+OK Begin TLS negotiation\r\n"
    t = context().wrap_socket(s, server_hostname="localhost")
    t.sendall(b"NOOP\r\n")
    tf = t.makefile("rb")
    line = tf.readline()
    # NOOP in AUTHORIZATION is refused; had "USER alice" survived, PASS would now work without USER.
    assert line.startswith(b"-ERR"), line
    t.sendall(b"PASS pw-alice\r\n")
    assert tf.readline() == b"-ERR USER first\r\n"
    t.sendall(b"QUIT\r\n")
    assert tf.readline().startswith(b"+OK")
    t.close()


def test_relay_pipelining_across_login_and_a_flood_of_commands():
    """With TLS configured every session goes through the relay: pipelined
    commands past PASS reach the transaction part, and a client that sends
    far more commands than the socket buffers hold while a 2 MB RETR is on
    its way (and reads all the while) gets every answer: the relay never
    blocks on one direction while the other is full."""
    import threading
    big = b"From: a@example.org\nSubject: big\n\n" + (b"z" * 99 + b"\n") * 20000
    p = Pop3(controls={"timeoutpop3": 30})
    stored = p.deliver([big])
    tls_home(p)
    port = p.serve()
    noops = 100000
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    data = b"USER alice\r\nPASS pw-alice\r\nSTAT\r\nRETR 1\r\n" + b"NOOP\r\n" * noops + b"QUIT\r\n"
    t = threading.Thread(target=s.sendall, args=(data,))
    t.start()
    f = s.makefile("rb")
    assert f.readline().startswith(b"+OK")        # greeting
    assert f.readline().startswith(b"+OK")        # USER
    assert f.readline().startswith(b"+OK 1 messages")
    assert f.readline().startswith(b"+OK 1 ")     # STAT
    assert f.readline().startswith(b"+OK")        # RETR
    got = []
    while True:
        l = f.readline()
        assert l, "connection closed during RETR"
        if l == b".\r\n":
            break
        got.append(l)
    assert b"".join(got) == wire(stored[0])
    for i in range(noops):
        assert f.readline() == b"+OK\r\n", i
    assert f.readline().startswith(b"+OK bye")
    t.join(10)
    s.close()
