"""make install's sendmail and mailq links to stamp-inject (etc/install.sh),
into a temporary DESTDIR: made in sbin always, and where other programs look
for sendmail only with INSTALL_SENDMAIL=1, never over another MTA's file."""

import os

import stamptest
from test_install import TOP, install, tmpdest


def test_sendmail_links_never_replace_another_mta():
    d = tmpdest()
    # Another MTA's sendmail where the system looks for one.
    os.makedirs(os.path.join(d, "usr/lib"))
    foreign = os.path.join(d, "usr/lib/sendmail")
    with open(foreign, "w") as f:
        f.write("#!/bin/sh\necho other MTA\n")
    r = install(d, "--as-invoker")
    assert r.code == 0, r
    sbin = os.path.join(d, "usr/sbin")
    for name in ("sendmail", "mailq"):
        assert os.readlink(os.path.join(sbin, name)) == "stamp-inject", name
    assert not os.path.lexists(os.path.join(d, "usr/bin/mailq"))   # only when asked
    r = install(d, "--as-invoker", "--sendmail-links")
    assert r.code == 0, r
    assert os.readlink(os.path.join(d, "usr/bin/mailq")) == "/usr/sbin/stamp-inject"
    assert os.readlink(os.path.join(d, "usr/sbin/sendmail")) == "/usr/sbin/stamp-inject"
    assert not os.path.islink(foreign)
    with open(foreign) as f:
        assert "other MTA" in f.read()
    assert "NOT replacing %s" % foreign in r.text(), r
    # Once more: the links are ours, so they are simply made again.
    r = install(d, "--as-invoker", "--sendmail-links")
    assert r.code == 0 and "linked %s/usr/bin/mailq" % d in r.text(), r
    # The installed link works as mailq (the sibling stamp-qread is found).
    r = stamptest.run([os.path.join(sbin, "mailq")], home=os.path.join(d, "var/stamp"))
    assert r.code == 0 and r.stdout == b"", r
    r = stamptest.run(["sh", os.path.join(TOP, "etc", "install.sh"), "--uninstall",
                       "--destdir", d, "--sbindir", "/usr/sbin", "--mandir", "/usr/share/man"])
    assert r.code == 0, r
    for l in ("usr/sbin/sendmail", "usr/sbin/mailq", "usr/bin/mailq"):
        assert not os.path.lexists(os.path.join(d, l)), l
    assert os.path.isfile(foreign)


def test_make_install_sendmail_flag_reaches_install_sh():
    for flag, want in (("INSTALL_SENDMAIL=1", True), ("INSTALL_SENDMAIL=0", False)):
        r = stamptest.run(["make", "-n", "-C", TOP, "O=" + stamptest.BUILD, "install", flag])
        assert r.code == 0, r
        line = [l for l in r.text().replace("\\\n", " ").splitlines() if "install.sh" in l]
        assert line and (("--sendmail-links" in line[0]) == want), (flag, line)
