"""DKIM: stamp-dkim-keygen's keys, the README's opendkim recipe, and
stamp-smtpd's submission listener with opendkim in control/submissionmilters.

The signature of what was delivered is checked by python3-dkim (Debian),
which looks the public key up for real in the test's dnsmasq, where the
record stamp-dkim-keygen printed is published.
"""

import os
import re
import stat

import dkimtest
import milterpeers
import miltertalk
import remotetest
import stamptest

DOMAIN = "stamp.test"
SEL = "s2026"
MSG = (b"From: Alice <alice@stamp.test>\nTo: bob@remote.test\nSubject: signed\n"
       b"Date: Wed, 02 Dec 2026 08:00:00 +0000\nMessage-ID: <dkim-1@stamp.test>\n\n"
       b"Hello Bob,\n\nthis line and the next are signed.\n.a line that starts with a dot\n")


def keyed_home():
    """A home with a key for SEL (owned by the test's user: opendkim runs as
    it and wants its key to be its own) and the DNS that publishes it."""
    h = stamptest.Home()
    args = ["--user", "root"] if os.geteuid() == 0 else []
    key, record = dkimtest.keygen(h, SEL, DOMAIN, *args)
    dns = remotetest.Dns([dkimtest.dns_records(record)], h.top)
    return h, key, record, dns


def test_keygen_writes_a_private_key_and_prints_its_record():
    h = stamptest.Home()
    args = ["--user", "root"] if os.geteuid() == 0 else []
    key, record = dkimtest.keygen(h, SEL, DOMAIN, *args)
    st = os.stat(key)
    assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
    assert st.st_uid == os.geteuid()
    with open(key) as f:
        assert f.read().startswith("-----BEGIN PRIVATE KEY-----\n")
    m = re.match(r'^s2026\._domainkey\.stamp\.test\. IN TXT ("[^"]{1,255}")( "[^"]{1,255}")*$', record)
    assert m, record
    value = dkimtest.txt_strings(record)
    assert value.startswith("v=DKIM1; k=rsa; p=MII"), value
    # 2048 bits: a SubjectPublicKeyInfo of 294 octets, 392 in base64.
    assert len(value.split("p=", 1)[1]) == 392, value
    with open(h.path("control", "dkim", SEL + ".txt")) as f:
        assert f.read() == record + "\n"
    # The same record again from the key; never a second key by accident.
    r = h.run("stamp-dkim-keygen", "--show", SEL, DOMAIN)
    assert r.code == 0 and r.text().strip() == record, r
    r = h.run("stamp-dkim-keygen", SEL, DOMAIN, *args)
    assert r.code == 1 and b"key exists" in r.stderr, r
    with open(key) as f:
        assert f.read().startswith("-----BEGIN PRIVATE KEY-----\n")
    r = h.run("stamp-dkim-keygen", "--force", SEL, DOMAIN, *args)
    assert r.code == 0 and r.text().strip() != record, r
    # stamp-check knows the folder (no "misspelt setting" warning).
    r = h.run("stamp-check", "--home", h.dir)
    assert b"control/dkim" not in r.stdout + r.stderr, r


def test_keygen_refuses_names_that_are_not_dns_labels():
    h = stamptest.Home()
    for sel, dom in (("../x", DOMAIN), ("a/b", DOMAIN), ("", DOMAIN), ("-a", DOMAIN),
                     (SEL, "exa mple.org"), (SEL, "a..b"), (SEL, "x" * 64 + ".org")):
        r = h.run("stamp-dkim-keygen", sel, dom)
        assert r.code == 2, (sel, dom, r)
    r = h.run("stamp-dkim-keygen", "--bits", "512", SEL, DOMAIN)
    assert r.code == 2 and b"--bits" in r.stderr, r
    assert not os.path.exists(h.path("control", "dkim", SEL + ".private"))


def test_keygen_owner_is_opendkim_as_root():
    if remotetest.needs_root("chown to the opendkim user"):
        return
    try:
        pw = __import__("pwd").getpwnam("opendkim")
    except KeyError:
        print("    skipped: no opendkim user (the opendkim package makes it)")
        return
    h = stamptest.Home()
    key, _ = dkimtest.keygen(h, SEL, DOMAIN)
    assert os.stat(key).st_uid == pw.pw_uid


def skip_filters():
    return milterpeers.missing(milterpeers.OPENDKIM) or not need_python_dkim()


def need_python_dkim():
    if dkimtest.have_dkim_module():
        return True
    print("    skipped: no python3-dkim (sh etc/deps.sh installs it)")
    return False


def test_opendkim_recipe_signs_and_the_published_key_verifies():
    """The recipe alone, spoken to by the tests' own milter client: the
    harness and the DNS record are right, whatever stamp-smtpd does."""
    if skip_filters():
        return
    h, key, record, dns = keyed_home()
    dk = milterpeers.OpenDKIM(h.top, DOMAIN, SEL, key).start()
    r = miltertalk.Session("127.0.0.1", dk.port).message(MSG, "alice@stamp.test",
                                                          ["bob@remote.test"])
    assert r.action in ("accept", "continue"), (r.action, r.reply, dk.log())
    names = [n for n, _ in r.headers()]
    assert names == ["DKIM-Signature"], (r.added, dk.log())
    signed = r.apply(MSG)
    v = dkimtest.verify(signed, dns.port)
    assert v["ok"], (v, signed)
    assert v["d"] == DOMAIN and v["s"] == SEL, v
    assert "%s._domainkey.%s" % (SEL, DOMAIN) in v["asked"][0], v
    # A changed body no longer verifies: the check can fail.
    v = dkimtest.verify(signed.replace(b"Hello Bob", b"Hello Eve"), dns.port)
    assert not v["ok"], v
    # Mail from another domain is not signed.
    r = miltertalk.Session("127.0.0.1", dk.port).message(
        MSG.replace(b"alice@stamp.test", b"mallory@other.test"), "mallory@other.test",
        ["bob@remote.test"])
    assert not [n for n, _ in r.headers() if n == "DKIM-Signature"], r.added


SUBMITTED = (b"From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: signed by opendkim\r\n"
             b"Date: Wed, 02 Dec 2026 08:00:00 +0000\r\nMessage-ID: <dkim-2@example.org>\r\n\r\n"
             b"Hello Bob,\r\n.a line that starts with a dot\r\n\r\nthe end\r\n")


def test_submission_milter_opendkim_signs_what_stamp_delivers():
    """stamp-smtpd --submission with opendkim in control/submissionmilters:
    an authenticated client's mail is signed before it is queued, and the
    delivered file verifies against the key published in DNS. opendkim's
    InternalHosts is a documentation address, so only the AUTH macros
    stamp sends make it sign."""
    if skip_filters():
        return
    import smtplib
    from smtpdtest import Smtpd
    s = Smtpd(submission=True)
    h = s.home
    args = ["--user", "root"] if os.geteuid() == 0 else []
    key, record = dkimtest.keygen(h, SEL, "example.org", *args)
    dns = remotetest.Dns([dkimtest.dns_records(record)], h.top)
    dk = milterpeers.OpenDKIM(h.top, "example.org", SEL, key, internal="192.0.2.1").start()
    h.control("submissionmilters", dk.milter())
    c = smtplib.SMTP("127.0.0.1", s.port, timeout=20)
    stamptest.add_cleanup(c.close)
    c.ehlo("client.example")
    c.login("alice", "secret")
    c.sendmail("alice@example.org", ["bob@example.org"], SUBMITTED)
    c.quit()
    (data,) = s.deliver(1, user="bob")
    head = data.split(b"\n\n", 1)[0]
    assert head.count(b"\nDKIM-Signature:") == 1, (head, dk.log(), s.logtext()[-2000:])
    v = dkimtest.verify(data, dns.port)
    assert v["ok"], (v, data)
    assert v["d"] == "example.org" and v["s"] == SEL, v
    assert "from" in v["h"].lower().split(":"), v
