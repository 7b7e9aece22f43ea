"""postfixtest: a private Postfix instance (Debian's postfix) for the tests.

Its own main.cf and master.cf in a temporary folder, its own queue and data
folders, smtpd on one loopback address, virtual mailboxes in Maildirs there;
no chroot, no system service touched. Started with `postfix -c DIR start`,
awaited by its SMTP greeting, stopped with `postfix -c DIR stop` (and its
master killed if that fails) after the test, whatever happens.
"""

import glob
import os
import pwd
import socket
import subprocess
import time

import remotetest
import stamptest

MASTER_CF = """\
%(addr)s:25 inet n     -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    def __init__(self, top, addr, domain, users):
        self.addr = addr
        self.dir = os.path.join(top, "postfix")
        self.conf = os.path.join(self.dir, "conf")
        self.mail = os.path.join(self.dir, "mail")
        for d in (self.conf, self.mail, os.path.join(self.dir, "queue"),
                  os.path.join(self.dir, "data")):
            os.makedirs(d)
        os.chmod(self.dir, 0o755)
        pf = pwd.getpwnam("postfix")
        os.chown(os.path.join(self.dir, "data"), pf.pw_uid, pf.pw_gid)
        nobody = pwd.getpwnam("nobody")
        os.chown(self.mail, nobody.pw_uid, nobody.pw_gid)
        with open(os.path.join(self.conf, "vmailbox"), "w") as f:
            for u in users:
                f.write("%s@%s %s/Maildir/\n" % (u, domain, u))
        self.log = os.path.join(self.dir, "maillog")
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write("\n".join([
                "compatibility_level = 3.6",
                "queue_directory = %s/queue" % self.dir,
                "data_directory = %s/data" % self.dir,
                "mail_owner = postfix",
                "setgid_group = postdrop",
                # Postfix wants inet_interfaces on a configured interface, which
                # 127.0.0.x is not; the smtpd line of master.cf binds addr itself.
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "myhostname = mx.%s" % domain,
                "mydomain = %s" % domain,
                "mydestination =",
                "mynetworks = 127.0.0.0/8",
                "virtual_mailbox_domains = %s" % domain,
                "virtual_mailbox_base = %s" % self.mail,
                "virtual_mailbox_maps = texthash:%s/vmailbox" % self.conf,
                "virtual_uid_maps = static:%d" % nobody.pw_uid,
                "virtual_gid_maps = static:%d" % nobody.pw_gid,
                "virtual_minimum_uid = 1",
                "smtpd_peername_lookup = no",
                "smtputf8_enable = yes",
                "maillog_file = %s" % self.log,
                "maillog_file_prefixes = %s" % self.dir,
                "alias_maps =",
                "alias_database =",
                "",
            ]))
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(MASTER_CF % {"addr": addr})
        stamptest.add_cleanup(self.stop)
        r = stamptest.run(["postfix", "-c", self.conf, "start"], timeout=60)
        assert r.code == 0, r
        self.wait_ready()

    def greets(self):
        try:
            with socket.create_connection((self.addr, 25), timeout=1) as s:
                return s.recv(100).startswith(b"220 ")
        except OSError:
            return False

    def wait_ready(self):
        stamptest.wait_for(self.greets, 30, step=0.1, what="the Postfix greeting")

    def maildir(self, user):
        return sorted(glob.glob(os.path.join(self.mail, user, "Maildir", "new", "*")))

    def logtext(self):
        return remotetest.read_text(self.log)

    def stop(self):
        stamptest.run(["postfix", "-c", self.conf, "stop"], timeout=60)
        pidfile = os.path.join(self.dir, "queue", "pid", "master.pid")
        try:
            with open(pidfile) as f:
                pid = int(f.read().strip())
            os.kill(pid, 9)
        except (OSError, ValueError):
            pass
