"""The policy client (smtpd/policy.c) against real services: postgrey from
Debian, and fake services over TCP, UNIX sockets and exec: programs, through
the test-only program policy_ask."""

import os
import sys
import time

import stamptest
import policytest
from policytest import ask, control, home, FakeService, action


def test_postgrey_greylists_then_accepts():
    delay = 2
    port = policytest.start_postgrey(delay)
    h = home()
    control(h, "policy", "rcpt inet:127.0.0.1:%d" % port)
    triplet = ["client_address=192.0.2.10", "sender=alice@example.org",
               "recipient=bob@example.net"]
    (first,), _ = ask(h, *triplet)
    t0 = time.monotonic()
    assert first[0] == "DEFER" and first[1].startswith("450 4."), first
    assert "Greylisted" in first[1], first
    # An early retry is still greylisted.
    (again,), _ = ask(h, *triplet)
    assert again[0] == "DEFER", again
    # Another triplet is greylisted on its own.
    (other,), _ = ask(h, "client_address=192.0.2.10", "sender=carol@example.org",
                      "recipient=bob@example.net")
    assert other[0] == "DEFER", other
    # The delay is postgrey's: waiting it out is the behaviour under test.
    time.sleep(max(0.0, t0 + delay + 1 - time.monotonic()))
    (later, same_tx), r = ask(h, *triplet, times=2)
    assert later[0] == "OK" and later[1] == "", later
    assert any(p.startswith("X-Greylist: delayed ") for p in later[2]), (later, r)
    # Its header comes once per transaction (the same instance), then DUNNO.
    assert same_tx == ("OK", "", []), same_tx
    # postgrey is a RCPT service here: the end of the message does not ask it.
    (eom,), r = ask(h, "protocol_state=END-OF-MESSAGE", "client_address=198.51.100.7")
    assert eom == ("OK", "", []), eom
    assert "policy=" not in r.stderr.decode(), r


def test_attributes_reach_the_service():
    svc = FakeService(action("DUNNO"))
    h = home()
    control(h, "policy", svc.spec)
    (v,), r = ask(h, "protocol_state=RCPT", "protocol_name=ESMTP",
                  "client_address=192.0.2.1", "client_name=mx.example.org",
                  "helo_name=mx.example.org", "sender=a@example.org",
                  "recipient=b@example.net", "sasl_username=joe", "queue_id=",
                  "encryption_protocol=TLSv1.3", "size=4096", "recipient_count=2")
    assert v == ("OK", "", []), (v, r)
    (a,) = svc.requests
    want = {"request": "smtpd_access_policy", "protocol_state": "RCPT",
            "protocol_name": "ESMTP", "client_address": "192.0.2.1",
            "client_name": "mx.example.org", "reverse_client_name": "mx.example.org",
            "helo_name": "mx.example.org", "sender": "a@example.org",
            "recipient": "b@example.net", "sasl_username": "joe", "sasl_method": "PLAIN",
            "encryption_protocol": "TLSv1.3", "size": "4096", "recipient_count": "2"}
    for k, val in want.items():
        assert a.get(k) == val, (k, a)
    assert a["instance"], a
    assert svc.raw[0].startswith(b"request=smtpd_access_policy\n"), svc.raw


def test_control_bytes_never_forge_attributes():
    svc = FakeService(action("DUNNO"))
    h = home()
    control(h, "policy", svc.spec)
    (v,), r = ask(h, "sender=x\nrecipient=forged@evil.example\n\naction=OK",
                  "helo_name=a\rb\tc")
    assert v[0] == "OK", (v, r)
    (raw,) = svc.raw
    lines = raw.split(b"\n")
    assert lines[-2:] == [b"", b""], raw          # exactly one empty line, at the end
    assert b"" not in lines[:-2], raw
    assert raw.count(b"\nrecipient=") == 1, raw
    assert b"sender=x?recipient=forged@evil.example??action=OK\n" in raw, raw
    assert b"helo_name=a?b?c\n" in raw, raw


ANSWERS = [
    # (answer bytes, verdict, reply prefix)
    (b"action=OK\n\n", "OK", ""),
    (b"action=DUNNO\n\n", "OK", ""),
    (b"action=REJECT\n\n", "REJECT", "554 5.7.1 Access denied"),
    (b"action=REJECT not you\n\n", "REJECT", "554 5.7.1 not you"),
    (b"action=DEFER busy\n\n", "DEFER", "450 4.7.1 busy"),
    (b"action=DEFER_IF_PERMIT Greylisted\n\n", "DEFER", "450 4.7.1 Greylisted"),
    (b"action=550 5.7.26 SPF fail\n\n", "REJECT", "550 5.7.26 SPF fail"),
    (b"action=550 SPF fail\n\n", "REJECT", "550 5.7.1 SPF fail"),
    (b"action=451 later\n\n", "DEFER", "451 4.7.1 later"),
    (b"action=PREPEND Received-SPF: pass\n\n", "OK", ""),
    (b"action=DISCARD\n\n", "OK", ""),
    (b"action=SOMETHING_NEW\n\n", "OK", ""),
    (b"foo=bar\naction=REJECT x\r\n\r\n", "REJECT", "554 5.7.1 x"),
    (b"action=REJECT \x1b[31mred\xff\n\n", "REJECT", "554 5.7.1 ?[31mred?"),
    # malformed answers are failures, never an open door
    (b"action=OK\n", "DEFER", "451 4.3.0"),
    (b"", "DEFER", "451 4.3.0"),
    (b"\n", "DEFER", "451 4.3.0"),
    (b"OK\n\n", "DEFER", "451 4.3.0"),
    (b"action=OK\naction=OK\n\n", "DEFER", "451 4.3.0"),
    (b"action=250 fine\n\n", "DEFER", "451 4.3.0"),
    (b"action=" + b"x" * 5000 + b"\n\n", "DEFER", "451 4.3.0"),
    (b"a=b\n" * 40 + b"action=OK\n\n", "DEFER", "451 4.3.0"),
]


def test_answers_table():
    current = {}
    svc = FakeService(lambda attrs: current["answer"])
    h = home()
    control(h, "policy", svc.spec)
    control(h, "timeoutpolicy", "1")     # answers without their empty line wait it out
    for answer, verdict, prefix in ANSWERS:
        current["answer"] = answer
        (v,), r = ask(h)
        assert v[0] == verdict and v[1].startswith(prefix), (answer, v, r)
        if verdict == "OK":
            assert v[1] == "", (answer, v)


def test_prepend_is_collected():
    svc = FakeService(action("PREPEND Received-SPF: pass (example.org: 192.0.2.1 is allowed)"))
    h = home()
    control(h, "policy", svc.spec)
    (v,), r = ask(h)
    assert v == ("OK", "", ["Received-SPF: pass (example.org: 192.0.2.1 is allowed)"]), (v, r)


def test_failing_services_defer_within_the_timeout():
    silent = FakeService(lambda attrs: None)
    h = home()
    control(h, "timeoutpolicy", "1")
    dead = stamptest.free_port()
    for spec in [silent.spec, "inet:127.0.0.1:%d" % dead, "unix:%s/nosuch.sock" % h,
                 "exec:%s/nosuch-program" % h, "inet:no.such.name:25", "carrier-pigeon:x"]:
        control(h, "policy", spec)
        t0 = time.monotonic()
        (v,), r = ask(h)
        took = time.monotonic() - t0
        assert v[0] == "DEFER" and v[1].startswith("451 4.3.0 "), (spec, v, r)
        assert took < 5, (spec, took)
        assert "level=warn" in r.stderr.decode(), (spec, r)


def test_services_asked_in_order():
    first = FakeService(action("DUNNO"))
    second = FakeService(action("REJECT second says no"))
    third = FakeService(action("DUNNO"))
    h = home()
    control(h, "policy", "\n".join([first.spec, second.spec, third.spec]))
    (v,), r = ask(h)
    assert v == ("REJECT", "554 5.7.1 second says no", []), (v, r)
    assert len(first.requests) == 1 and len(second.requests) == 1, r
    assert third.requests == [], "a refusal ends the round"
    # OK from the first does not skip the others
    ok = FakeService(action("OK"))
    control(h, "policy", "\n".join([ok.spec, second.spec]))
    (v,), r = ask(h)
    assert v[0] == "REJECT", (v, r)
    # stages: an end-of-message-only service is not asked at RCPT
    control(h, "policy", "end-of-message " + second.spec)
    (v,), r = ask(h, "protocol_state=RCPT")
    assert v[0] == "OK", (v, r)
    (v,), r = ask(h, "protocol_state=END-OF-MESSAGE")
    assert v[0] == "REJECT", (v, r)


def test_unix_socket_service():
    h = home()
    svc = FakeService(action("REJECT via unix"), unix_path=os.path.join(h, "policy.sock"))
    control(h, "policy", svc.spec)
    (v,), r = ask(h, "sender=u@example.org")
    assert v == ("REJECT", "554 5.7.1 via unix", []), (v, r)
    assert svc.requests[0]["sender"] == "u@example.org"


EXEC_SERVICE = r'''#!%s
import sys
# A Postfix-style service that serves requests until end of input, as
# postfix-policyd-spf-python does under spawn(8).
attrs = {}
for line in sys.stdin:
    line = line.rstrip("\n")
    if line:
        k, _, v = line.partition("=")
        attrs[k] = v
        continue
    with open(sys.argv[1], "a") as log:
        log.write("%%s %%s\n" %% (attrs.get("sender"), attrs.get("instance")))
    if attrs.get("sender", "").startswith("bad"):
        sys.stdout.write("action=550 5.7.23 SPF says no\n\n")
    else:
        sys.stdout.write("action=DUNNO\n\n")
    sys.stdout.flush()
    attrs = {}
'''


def test_exec_service():
    h = home()
    prog = os.path.join(h, "service.py")
    with open(prog, "w") as f:
        f.write(EXEC_SERVICE % sys.executable)
    os.chmod(prog, 0o755)
    log = os.path.join(h, "service.log")
    control(h, "policy", "exec:%s %s" % (prog, log))
    (v,), r = ask(h, "sender=good@example.org")
    assert v == ("OK", "", []), (v, r)
    (v,), r = ask(h, "sender=bad@example.org")
    assert v == ("REJECT", "550 5.7.23 SPF says no", []), (v, r)
    with open(log) as f:
        seen = f.read().split("\n")
    assert seen[0].startswith("good@example.org ") and seen[1].startswith("bad@example.org "), seen


# ---- through the real stamp-smtpd --------------------------------------------

MSG = b"From: bob@example.net\r\nTo: alice@example.org\r\nSubject: grey\r\n\r\nhello\r\n"


def test_smtpd_postgrey_greylists_then_accepts():
    delay = 2
    port = policytest.start_postgrey(delay)
    s = policytest.Smtpd({"policy": "rcpt inet:127.0.0.1:%d" % port})
    c = s.client()
    c.ehlo("client.example.net")
    assert c.mail("bob@example.net")[0] == 250
    code, text = c.rcpt("alice@example.org")
    t0 = time.monotonic()
    assert code == 450 and text.startswith(b"4.2.0 Greylisted"), (code, text)
    c.quit()
    assert s.messages() == []
    # The delay is postgrey's: waiting it out is the behaviour under test.
    time.sleep(max(0.0, t0 + delay + 1 - time.monotonic()))
    c = s.client()
    c.ehlo("client.example.net")
    assert c.mail("bob@example.net")[0] == 250
    assert c.rcpt("alice@example.org")[0] == 250
    code, text = c.data(MSG)
    assert code == 250, (code, text)
    c.quit()
    (msg,) = s.messages()
    assert b"\nX-Greylist: delayed " in msg or msg.startswith(b"X-Greylist: delayed "), msg
    assert msg.endswith(b"\nhello\n"), msg


def test_smtpd_policy_rejects_defers_and_fails_closed():
    current = {}
    svc = FakeService(lambda attrs: current[attrs["protocol_state"]])
    s = policytest.Smtpd({"policy": svc.spec, "timeoutpolicy": "1"})
    for rcpt_answer, code, text in [
            (b"action=REJECT 5.7.1 no mail for you\n\n", 554, b"5.7.1 no mail for you"),
            (b"action=450 4.7.1 come back later\n\n", 450, b"4.7.1 come back later"),
            (b"action=bogus answer\n", 451, b"4.3.0 "),          # no empty line: failure
            (b"action=550 unknown here\n\n", 550, b"5.7.1 unknown here")]:
        current["RCPT"] = rcpt_answer
        c = s.client()
        c.ehlo("client.example.net")
        assert c.mail("bob@example.net")[0] == 250
        got = c.rcpt("alice@example.org")
        assert got[0] == code and got[1].startswith(text), (rcpt_answer, got)
        c.quit()
    # At the end of the message.
    current["RCPT"] = b"action=DUNNO\n\n"
    current["END-OF-MESSAGE"] = b"action=REJECT spam\n\n"
    c = s.client()
    c.ehlo("client.example.net")
    c.mail("bob@example.net")
    assert c.rcpt("alice@example.org")[0] == 250
    code, text = c.data(MSG)
    assert (code, text) == (554, b"5.7.1 spam"), (code, text)
    c.quit()
    assert s.messages() == []
    eom = [r for r in svc.requests if r["protocol_state"] == "END-OF-MESSAGE"]
    assert eom and eom[-1]["recipient"] == "alice@example.org", eom
    assert eom[-1]["size"] != "0" and eom[-1]["client_address"] == "127.0.0.1", eom
    assert eom[-1]["helo_name"] == "client.example.net", eom
    # A service that is gone is 451 at RCPT, never a way in.
    svc.stop()
    c = s.client()
    c.ehlo("client.example.net")
    c.mail("bob@example.net")
    code, text = c.rcpt("alice@example.org")
    assert code == 451 and text.startswith(b"4.3.0"), (code, text)
    c.quit()
