"""make install's layout: owners and modes (as root), or the invoker's tree.

Runs etc/install.sh, which `make install` calls, on the build under test,
into a temporary DESTDIR, exactly as
`make install DESTDIR=D PREFIX=/usr STAMP_HOME=/var/stamp` would.
"""

import grp
import os
import pwd
import shutil
import stat
import tempfile

import stamptest

# Held by run.py's machine-wide lock (a second run may share the machine).
FIXED = "as root, installs that add the system accounts"

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def install(dest, *extra):
    return stamptest.run(["sh", os.path.join(TOP, "etc", "install.sh"),
                          "--bindir", os.path.join(stamptest.BUILD, "bin"),
                          "--destdir", dest, "--sbindir", "/usr/sbin",
                          "--mandir", "/usr/share/man", "--home", "/var/stamp"] + list(extra),
                         timeout=120)


def tmpdest():
    d = tempfile.mkdtemp(prefix="stamp-install.")
    stamptest.add_cleanup(shutil.rmtree, d, True)
    return d


def owner(path):
    st = os.lstat(path)
    return (pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name,
            stat.S_IMODE(st.st_mode))


def test_install_as_root_owners_and_modes():
    if os.geteuid() != 0:
        print("    skipped: needs root")
        return
    d = tmpdest()
    r = install(d)
    assert r.code == 0, r
    sbin = os.path.join(d, "usr/sbin")
    home = os.path.join(d, "var/stamp")
    for u in ("stampd", "stampq", "stamps", "stampr", "stampv"):
        pwd.getpwnam(u)
    assert owner(os.path.join(sbin, "stamp-queue")) == ("stampq", "root", 0o4711)
    for p in os.listdir(sbin):
        if p != "stamp-queue" and not os.path.islink(os.path.join(sbin, p)):
            assert owner(os.path.join(sbin, p))[2] == 0o755, p
    assert owner(os.path.join(home, "queue")) == ("stampq", "stamps", 0o750)
    assert owner(os.path.join(home, "queue/lock"))[:2] == ("stampq", "stamps")
    assert stat.S_ISFIFO(os.lstat(os.path.join(home, "queue/lock/trigger")).st_mode)
    assert owner(os.path.join(home, "queue/lock/trigger")) == ("stampq", "stamps", 0o660)
    for st in ("mess", "intd", "todo", "info", "done"):
        assert owner(os.path.join(home, "queue", st)) == ("stampq", "stamps", 0o2770), st
        buckets = os.listdir(os.path.join(home, "queue", st))
        assert len(buckets) == 256, (st, len(buckets))
        assert owner(os.path.join(home, "queue", st, "ff")) == ("stampq", "stamps", 0o2770)
    assert owner(os.path.join(home, "mail")) == ("stampv", "stampv", 0o700)
    assert owner(os.path.join(home, "control"))[2] == 0o755
    assert os.path.isfile(os.path.join(home, "control/me"))
    man8 = os.path.join(d, "usr/share/man/man8")
    assert os.path.isfile(os.path.join(man8, "stamp-send.8")), os.listdir(man8)

    # Again: an upgrade keeps the administrator's control files.
    with open(os.path.join(home, "control/me"), "w") as f:
        f.write("mail.example.org\n")
    r = install(d)
    assert r.code == 0, r
    with open(os.path.join(home, "control/me")) as f:
        assert f.read() == "mail.example.org\n"


def test_install_as_invoker_keeps_everything_ours():
    d = tmpdest()
    r = install(d, "--as-invoker")
    assert r.code == 0, r
    sbin = os.path.join(d, "usr/sbin")
    st = os.stat(os.path.join(sbin, "stamp-queue"))
    assert st.st_uid == os.getuid()
    assert not st.st_mode & stat.S_ISUID
    q = os.path.join(d, "var/stamp/queue")
    assert os.stat(q).st_uid == os.getuid()
    assert stat.S_IMODE(os.stat(os.path.join(q, "todo")).st_mode) == 0o2770


def test_uninstall_keeps_home():
    d = tmpdest()
    assert install(d, "--as-invoker").code == 0
    r = stamptest.run(["sh", os.path.join(TOP, "etc", "install.sh"), "--uninstall",
                       "--destdir", d, "--sbindir", "/usr/sbin", "--mandir", "/usr/share/man",
                       "--home", "/var/stamp"])
    assert r.code == 0, r
    assert not [p for p in os.listdir(os.path.join(d, "usr/sbin")) if p.startswith("stamp-")]
    assert os.path.isdir(os.path.join(d, "var/stamp/queue/todo"))


def test_service_files_have_this_install_paths():
    d = tmpdest()
    assert install(d, "--as-invoker").code == 0
    share = os.path.join(d, "usr/share/stamp/services")
    src = os.path.join(TOP, "etc", "services")
    want = sorted(os.path.relpath(os.path.join(p, f), src)
                  for p, _, fs in os.walk(src) for f in fs)
    got = sorted(os.path.relpath(os.path.join(p, f), share)
                 for p, _, fs in os.walk(share) for f in fs)
    assert got == want and "systemd/stamp-smtpd.service" in got, got
    for rel in got:
        text = open(os.path.join(share, rel)).read()
        assert "@" not in text.replace("$@", ""), rel      # every placeholder filled
        if "stamp-" in text and "ExecStart" in text:
            assert "ExecStart=/usr/sbin/stamp-" in text and "--home /var/stamp" in text, rel
        if rel.endswith("/run"):
            assert os.access(os.path.join(share, rel), os.X_OK), rel
            r = stamptest.run(["sh", "-n", os.path.join(share, rel)])
            assert r.code == 0, (rel, r)
    inetd = open(os.path.join(share, "inetd.conf")).read()
    assert "/usr/sbin/stamp-smtpd stamp-smtpd --home /var/stamp" in inetd
    # Uninstall takes them away with the programs.
    r = stamptest.run(["sh", os.path.join(TOP, "etc", "install.sh"), "--uninstall",
                       "--destdir", d, "--sbindir", "/usr/sbin", "--mandir", "/usr/share/man",
                       "--home", "/var/stamp"])
    assert r.code == 0, r
    assert not os.path.exists(os.path.join(d, "usr/share/stamp"))
