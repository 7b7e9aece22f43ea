"""peers: private instances of the field's servers, for tests and bench/.

Each starts a real server from Debian's packages in a folder of its own, on
a loopback port, and registers its own stop with stamptest.add_cleanup when
called from a test (bench/ calls stop() itself). Nothing touches the system
instance's configuration or queue.

    pf = peers.Postfix(top, port, domain="bench.example")   # Maildir delivery
    pf.start(); ...; pf.maildir_files(); pf.stop()

Postfix needs root (its master runs as root and drops to `postfix`).
"""

import glob
import os
import shutil
import socket
import subprocess
import time

import stamptest


def wait_port(host, port, timeout=30.0):
    """Wait until host:port accepts a TCP connection."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError("nothing listens on %s:%d after %.0fs" % (host, port, timeout))
            time.sleep(0.05)


class Postfix:
    """A private Postfix: its own config, queue and data folders, an smtpd on
    host:port, virtual delivery of every recipient at `domain` into one
    Maildir under top/mail (default fsync behaviour: Postfix's own)."""

    def __init__(self, top, port, domain="postfix.example", host="127.0.0.1", extra=None):
        if port < 1024:
            stamptest.hold_fixed()      # host:25 is one per machine, not per run
        self.top = os.path.abspath(top)
        self.port, self.domain, self.host = port, domain, host
        self.conf = os.path.join(self.top, "conf")
        self.queue = os.path.join(self.top, "queue")
        self.data = os.path.join(self.top, "data")
        self.mail = os.path.join(self.top, "mail")
        self.extra = extra or {}
        self.started = False

    def _write_config(self):
        for d in (self.conf, self.queue, self.data, self.mail):
            os.makedirs(d, exist_ok=True)
        pw = __import__("pwd").getpwnam("postfix")
        for d in (self.data, self.mail):
            os.chown(d, pw.pw_uid, pw.pw_gid)
        main = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue,
            "data_directory": self.data,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "inet_interfaces": self.host,
            "inet_protocols": "ipv4",
            "myhostname": "mx." + self.domain,
            "mydestination": "",
            "mynetworks": "127.0.0.0/8",
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            "virtual_mailbox_domains": self.domain,
            "virtual_mailbox_base": self.mail,
            "virtual_mailbox_maps": "static:box/",
            "virtual_uid_maps": "static:%d" % pw.pw_uid,
            "virtual_gid_maps": "static:%d" % pw.pw_gid,
            "virtual_mailbox_limit": "0",
            "message_size_limit": "52428800",
            "maillog_file": os.path.join(self.top, "postfix.log"),
            "maillog_file_prefixes": self.top,
            "smtpd_banner": "$myhostname ESMTP",
            "biff": "no",
            "smtputf8_enable": "yes",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
        }
        main.update(self.extra)
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            for k, v in main.items():
                f.write("%s = %s\n" % (k, v))
        # The system master.cf, with its smtpd moved to our port and the
        # postlog service that maillog_file needs.
        with open("/etc/postfix/master.cf") as f:
            lines = f.read().splitlines()
        out = []
        for line in lines:
            if line.startswith("smtp ") and " inet " in line:
                line = line.replace("smtp ", "%s:%d " % (self.host, self.port), 1)
            out.append(line)
        if not any(l.startswith("postlog") for l in out):
            out.append("postlog   unix-dgram n  -       n       -       1       postlogd")
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write("\n".join(out) + "\n")
        for name in ("dynamicmaps.cf", "postfix-files"):
            src = os.path.join("/etc/postfix", name)
            if os.path.exists(src):
                shutil.copy(src, self.conf)
        if os.path.isdir("/etc/postfix/postfix-files.d"):
            shutil.copytree("/etc/postfix/postfix-files.d", os.path.join(self.conf, "postfix-files.d"),
                            dirs_exist_ok=True)
        if os.path.isdir("/etc/postfix/dynamicmaps.cf.d"):
            shutil.copytree("/etc/postfix/dynamicmaps.cf.d", os.path.join(self.conf, "dynamicmaps.cf.d"),
                            dirs_exist_ok=True)

    def postfix(self, *args, check=True):
        return subprocess.run(["postfix", "-c", self.conf] + list(args), check=check,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)

    def start(self):
        self._write_config()
        self.postfix("start")
        self.started = True
        wait_port(self.host, self.port)
        return self

    def stop(self):
        if self.started:
            self.postfix("stop", check=False)
            # postfix stop returns before the master is gone; wait for its pid file to go.
            pid = os.path.join(self.queue, "pid", "master.pid")
            deadline = time.monotonic() + 20
            while os.path.exists(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.started = False

    def maildir_files(self):
        return sorted(glob.glob(os.path.join(self.mail, "box", "new", "*")) +
                      glob.glob(os.path.join(self.mail, "box", "cur", "*")))

    def log(self):
        try:
            with open(os.path.join(self.top, "postfix.log"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


class DovecotPop3:
    """A private Dovecot POP3 server: its own base_dir and config, on
    host:port, users from a passwd-file (plaintext passwords, for tests, or
    a password that starts with "{SCHEME}" as it is, e.g. "{CRYPT}$y$..."), each user's mail in maildir:MAILROOT/USER/Maildir,
    owned by the uid/gid given."""

    def __init__(self, top, port, users, uid, gid, host="127.0.0.1"):
        self.top = os.path.abspath(top)
        self.port, self.host = port, host
        self.users = users                  # {name: password}
        self.uid, self.gid = uid, gid
        self.conf = os.path.join(self.top, "dovecot.conf")
        self.base = os.path.join(self.top, "run")
        self.mailroot = os.path.join(self.top, "mail")
        self.proc = None

    def maildir(self, user):
        return os.path.join(self.mailroot, user, "Maildir")

    def _write_config(self):
        os.makedirs(self.base, exist_ok=True)
        os.makedirs(self.mailroot, exist_ok=True)
        pwfile = os.path.join(self.top, "passwd")
        with open(pwfile, "w") as f:
            for name, pw in self.users.items():
                # "{SCHEME}..." is written as it is (bench/ gives both servers one crypt hash).
                if not pw.startswith("{"):
                    pw = "{PLAIN}" + pw
                f.write("%s:%s:%d:%d::%s/%s\n" % (name, pw, self.uid, self.gid,
                                                  self.mailroot, name))
        for name in self.users:
            for sub in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(self.maildir(name), sub), exist_ok=True)
        for root, dirs, files in os.walk(self.mailroot):
            for n in dirs + files:
                os.chown(os.path.join(root, n), self.uid, self.gid)
            os.chown(root, self.uid, self.gid)
        conf = """
base_dir = %(base)s
instance_name = stamp-peer-%(port)d
protocols = pop3
listen = %(host)s
log_path = %(top)s/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:~/Maildir
pop3_uidl_format = %%f
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = %(pw)s
}
userdb {
  driver = passwd-file
  args = %(pw)s
}
service pop3-login {
  inet_listener pop3 {
    address = %(host)s
    port = %(port)d
  }
  inet_listener pop3s {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  inet_listener imap {
    port = 0
  }
}
""" % {"base": self.base, "port": self.port, "host": self.host, "top": self.top, "pw": pwfile}
        with open(self.conf, "w") as f:
            f.write(conf)

    def start(self):
        self._write_config()
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.host, self.port)
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def log(self):
        try:
            with open(os.path.join(self.top, "dovecot.log"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


class DovecotLmtp(DovecotPop3):
    """A private Dovecot LMTP service (Debian dovecot-lmtpd) on host:port:
    the same private instance as DovecotPop3 (base_dir, log, passwd-file),
    with a static user list (full addresses, as LMTP hands them over) and
    each user's mail in maildir:MAILROOT/ADDRESS/Maildir, owned by uid/gid."""

    def __init__(self, top, port, addresses, uid, gid, host="127.0.0.1"):
        super().__init__(top, port, {a: "unused" for a in addresses}, uid, gid, host)

    def maildir_files(self, user):
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir(user), sub)
            out += [os.path.join(d, n) for n in sorted(os.listdir(d))] if os.path.isdir(d) else []
        return out

    def _write_config(self):
        super()._write_config()
        with open(self.conf) as f:
            conf = f.read()
        # The POP3 instance's configuration, turned into an LMTP one.
        conf = conf.replace("protocols = pop3", "protocols = lmtp")
        conf = conf.replace("service pop3-login {\n  inet_listener pop3 {\n    address = %s\n"
                            "    port = %d\n  }" % (self.host, self.port),
                            "service pop3-login {\n  inet_listener pop3 {\n    port = 0\n  }")
        conf += """
service lmtp {
  inet_listener lmtp {
    address = %(host)s
    port = %(port)d
  }
  unix_listener lmtp {
    mode = 0600
  }
}
lmtp_rcpt_check_quota = no
""" % {"host": self.host, "port": self.port}
        with open(self.conf, "w") as f:
            f.write(conf)


class DovecotImap(DovecotPop3):
    """A private Dovecot IMAP server (Debian dovecot-imapd) on host:port in
    front of a stamp home: logins and user lookups through the real
    `stamp-checkpw --dovecot` as README.md sets it up (the login's fields
    prefetched, checkpassword for lookups alone), each user's mail where
    stamp-checkpw says (userdb_mail), no passwd-file of its own. Needs root: Dovecot's auth
    process runs as the dovecot user (in group stampd, to read the users
    file) and its mail processes as the mailbox owner."""

    def __init__(self, top, port, stamp_home, checkpw, host="127.0.0.1"):
        super().__init__(top, port, {}, 0, 0, host)
        self.stamp_home, self.checkpw = stamp_home, checkpw

    def _write_config(self):
        os.makedirs(self.base, exist_ok=True)
        cmd = "%s --dovecot --home %s" % (self.checkpw, self.stamp_home)
        conf = """
base_dir = %(base)s
instance_name = stamp-imap-%(port)d
protocols = imap
listen = %(host)s
log_path = %(top)s/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
passdb {
  driver = checkpassword
  args = %(cmd)s
}
userdb {
  driver = prefetch
}
userdb {
  driver = checkpassword
  args = %(cmd)s
}
service auth {
  extra_groups = stampd
  # no address-space limit: a sanitizer build of stamp-checkpw maps its shadow memory
  vsz_limit = 0
}
service imap-login {
  inet_listener imap {
    address = %(host)s
    port = %(port)d
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
service anvil {
  chroot =
}
""" % {"base": self.base, "port": self.port, "host": self.host, "top": self.top, "cmd": cmd}
        with open(self.conf, "w") as f:
            f.write(conf)

    def doveadm(self, *args):
        return subprocess.run(["doveadm", "-c", self.conf] + list(args), capture_output=True,
                              timeout=30)
