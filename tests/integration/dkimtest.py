"""dkimtest: what test_dkim.py and test_rspamd.py share.

- keygen(home, selector, domain): stamp-dkim-keygen's key and TXT record.
- dns_records(...): dnsmasq lines publishing that TXT record.
- verify(msg, dns): python3-dkim's verdict on a message, with the key looked
  up for real through the test's dnsmasq (a dnsfunc that asks it, since
  dnsmasq listens on a port of its own, not 53).
"""

import json
import os
import re
import subprocess

import stamptest

PY = "/usr/bin/python3"    # Debian's python, where python3-dkim lives

VERIFY = r"""
import json, sys
import dkim, dns.resolver
port = int(sys.argv[1])
res = dns.resolver.Resolver(configure=False)
res.nameservers = ["127.0.0.1"]
res.port = port
res.timeout = res.lifetime = 5
asked = []
def dnsfunc(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    asked.append(name)
    try:
        ans = res.resolve(name.rstrip("."), "TXT")
    except Exception as e:
        return None
    return b"".join(b"".join(r.strings) for r in ans)
msg = sys.stdin.buffer.read()
d = dkim.DKIM(msg)
error = ""
try:
    ok = d.verify(dnsfunc=dnsfunc)
except dkim.DKIMException as e:
    ok, error = False, str(e)
sig = d.signature_fields if hasattr(d, "signature_fields") else {}
print(json.dumps({"ok": bool(ok), "asked": asked, "error": error,
                  "d": (sig.get(b"d") or b"").decode(), "s": (sig.get(b"s") or b"").decode(),
                  "h": (sig.get(b"h") or b"").decode()}))
"""


def have_dkim_module():
    r = subprocess.run([PY, "-c", "import dkim, dns.resolver"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
    return r.returncode == 0


def keygen(home, selector, domain, *extra):
    """Run stamp-dkim-keygen; (private key path, TXT record line)."""
    r = home.run("stamp-dkim-keygen", selector, domain, *extra, timeout=60)
    assert r.code == 0, r
    return home.path("control", "dkim", selector + ".private"), r.text().strip()


def txt_strings(record):
    """The quoted strings of a printed TXT record, joined."""
    return "".join(re.findall(r'"([^"]*)"', record))


def dns_records(record):
    """A dnsmasq txt-record line for the printed record (split in strings of
    at most 255 bytes, as DNS wants)."""
    name = record.split()[0].rstrip(".")
    value = txt_strings(record)
    parts = [value[i:i + 250] for i in range(0, len(value), 250)]
    return "txt-record=%s,%s" % (name, ",".join('"%s"' % p for p in parts))


def verify(msg, dns_port):
    """python3-dkim on msg (LF or CRLF); a dict: ok, error, asked (the names
    looked up), and the signature's d=, s= and h= tags."""
    msg = msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    r = subprocess.run([PY, "-c", VERIFY, str(dns_port)], input=msg, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return json.loads(r.stdout)
