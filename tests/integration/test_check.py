"""stamp-check on a real installation (etc/install.sh into a temporary DESTDIR,
as root with the stamp users when the tests run as root), with a private
dnsmasq answering for `me`: a good installation has no problems; broken modes,
a bad control file and a missing certificate are each reported with the
command that fixes them; stamp-run --check runs the same checks.
"""

import os
import shutil
import tempfile

import remotetest
import stamptest

# Held by run.py's machine-wide lock (a second run may share the machine).
FIXED = "as root, installs that add the system accounts"

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Install:
    """make install DESTDIR=D PREFIX=/usr STAMP_HOME=/var/stamp, me = stamp.test in DNS."""

    def __init__(self, dns):
        self.dest = tempfile.mkdtemp(prefix="stamp-check.")
        stamptest.add_cleanup(shutil.rmtree, self.dest, True)
        os.chmod(self.dest, 0o755)
        extra = [] if os.geteuid() == 0 else ["--as-invoker"]
        r = stamptest.run(["sh", os.path.join(TOP, "etc", "install.sh"),
                           "--bindir", os.path.join(stamptest.BUILD, "bin"),
                           "--destdir", self.dest, "--sbindir", "/usr/sbin",
                           "--mandir", "/usr/share/man", "--home", "/var/stamp"] + extra,
                          timeout=180)
        assert r.code == 0, r
        self.home = os.path.join(self.dest, "var/stamp")
        self.sbin = os.path.join(self.dest, "usr/sbin")
        self.control("me", "stamp.test")
        self.control("nameservers", dns.server())

    def control(self, name, value):
        with open(os.path.join(self.home, "control", name), "w") as f:
            f.write("%s\n" % value)

    def check(self, prog="stamp-check", *args):
        # The installed program: it checks the sbin folder it was started from.
        r = stamptest.run([os.path.join(self.sbin, prog), "--home", self.home] + list(args),
                          timeout=60)
        assert r.code in (0, 1), r
        lines = r.stdout.decode().splitlines()
        assert lines and lines[-1].startswith("stamp-check: ") and \
            lines[-1].endswith(" problems"), r
        return r, lines


def dns():
    top = tempfile.mkdtemp(prefix="stamp-check-dns.")
    stamptest.add_cleanup(shutil.rmtree, top, True)
    return remotetest.Dns(["host-record=stamp.test,127.0.0.1"], top)


def finding(lines, what, fix):
    """The index of the problem line containing what whose fix line contains fix."""
    for i, line in enumerate(lines[:-1]):
        if line.startswith("problem: ") and what in line and fix in lines[i + 1] and \
                lines[i + 1].startswith("    fix: "):
            return i
    raise AssertionError("no problem %r with fix %r in:\n%s" % (what, fix, "\n".join(lines)))


def test_good_installation_has_no_problems():
    d = dns()
    inst = Install(d)
    r, lines = inst.check()
    assert r.code == 0 and lines[-1] == "stamp-check: 0 problems", r
    assert "stamp.test" in d.logtext()            # the DNS check did ask
    # stamp-run --check is the same program, with the same --home.
    r2, lines2 = inst.check("stamp-run", "--check")
    assert r2.code == 0 and lines2 == lines, (r2, lines)


def test_broken_modes_control_and_cert_each_reported_with_fix():
    inst = Install(dns())
    todo = os.path.join(inst.home, "queue", "todo")
    os.chmod(todo, 0o755)
    inst.control("databytes", "lots")
    inst.control("tlscert", "/nonexistent/cert.pem")
    inst.control("tlskey", "/nonexistent/key.pem")
    r, lines = inst.check()
    assert r.code == 1, r
    finding(lines, todo + " has mode 755, not 2770", "chmod 2770 " + todo)
    finding(lines, "control/databytes cannot be used", "edit " + inst.home + "/control/databytes")
    assert "not a decimal number" in r.stdout.decode(), r
    finding(lines, "control/tlscert names /nonexistent/cert.pem, which cannot be read",
            "put the PEM certificate chain at /nonexistent/cert.pem")
    assert lines[-1] == "stamp-check: 3 problems", r
    # Each fix, run, leaves nothing to report.
    os.chmod(todo, 0o2770)
    os.unlink(os.path.join(inst.home, "control", "databytes"))
    top = tempfile.mkdtemp(prefix="stamp-check-tls.")
    stamptest.add_cleanup(shutil.rmtree, top, True)
    cert, key = remotetest.self_signed(top, "stamp.test")
    os.chmod(key, 0o640)
    inst.control("tlscert", cert)
    inst.control("tlskey", key)
    r, lines = inst.check()
    assert r.code == 0 and lines[-1] == "stamp-check: 0 problems", r


def test_mismatched_key_and_dead_dns():
    d = dns()
    inst = Install(d)
    top = tempfile.mkdtemp(prefix="stamp-check-tls.")
    stamptest.add_cleanup(shutil.rmtree, top, True)
    os.mkdir(os.path.join(top, "a"))
    os.mkdir(os.path.join(top, "b"))
    cert, _ = remotetest.self_signed(os.path.join(top, "a"), "stamp.test")
    _, other_key = remotetest.self_signed(os.path.join(top, "b"), "stamp.test")
    inst.control("tlscert", cert)
    inst.control("tlskey", other_key)
    d.stop()                                      # nobody answers DNS now
    r, lines = inst.check()
    assert r.code == 1, r
    finding(lines, "are no usable pair", "openssl x509 -noout -pubkey -in " + cert)
    finding(lines, "DNS does not answer", "control/nameservers")
    assert lines[-1] == "stamp-check: 2 problems", r


def test_root_install_setuid_programs():
    if os.geteuid() != 0:
        print("    skipped: needs root")
        return
    inst = Install(dns())
    queue = os.path.join(inst.sbin, "stamp-queue")
    send = os.path.join(inst.sbin, "stamp-send")
    os.chmod(queue, 0o755)
    os.chmod(send, 0o4755)
    r, lines = inst.check()
    finding(lines, queue + " is not set-user-ID stampq", "chmod 4711 " + queue)
    finding(lines, send + " is set-user-ID", "chmod u-s,g-s " + send)
    assert lines[-1] == "stamp-check: 2 problems", r
