"""servicetest: an installation whose service files (etc/services, rendered
by etc/install.sh with its paths) are run as they are written, by root, with
the real tcpserver and xinetd.

The home is a single-user installation owned by the user stampd: the run
scripts start stamp-smtpd as stampd (tcpserver -u/-g, xinetd user = stampd),
and a root installation's set-user-ID stamp-queue would ignore a test's home
(it only uses the home compiled in), so stampd owns the queue here and the
build's stamp-queue writes it as stampd. The scheduler and stamp-local run
as stampd too, delivering to the virtual users' Maildirs.
"""

import os
import pwd
import shutil
import subprocess
import tempfile

import remotetest
import stamptest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PASSWORD = "pw-alice-1"


def needs_root():
    if os.geteuid() != 0:
        print("    skipped: the service files drop to stampd, which needs root")
        return True
    return False


class Installed:
    def __init__(self):
        remotetest.ensure_users()
        self.top = tempfile.mkdtemp(prefix="stamp-svc.")
        stamptest.add_cleanup(shutil.rmtree, self.top, True)
        os.chmod(self.top, 0o755)
        self.sbin = os.path.join(self.top, "sbin")
        self.home = os.path.join(self.top, "home")
        self.share = os.path.join(self.top, "share", "stamp", "services")
        r = stamptest.run(["sh", os.path.join(TOP, "etc", "install.sh"), "--as-invoker",
                           "--bindir", os.path.join(stamptest.BUILD, "bin"), "--destdir", "",
                           "--sbindir", self.sbin, "--mandir",
                           os.path.join(self.top, "share", "man"), "--home", self.home],
                          timeout=180)
        assert r.code == 0, r
        self.pw = pwd.getpwnam("stampd")
        r = stamptest.run(["chown", "-R", "stampd:stampd", self.home])
        assert r.code == 0, r
        for k, v in {"me": "stamp.test", "locals": "stamp.test", "rcpthosts": "stamp.test",
                     "pop3plaintext": "1", "retrymin": "1"}.items():
            self.control(k, v)
        r = stamptest.run(self.as_stampd() + [os.path.join(self.sbin, "stamp-user"), "--home",
                                               self.home, "add", "alice"],
                          input=(PASSWORD + "\n").encode())
        assert r.code == 0, r
        self.send = None

    def as_stampd(self):
        return ["setpriv", "--reuid=%d" % self.pw.pw_uid, "--regid=%d" % self.pw.pw_gid,
                "--clear-groups"]

    def control(self, name, value):
        p = os.path.join(self.home, "control", name)
        with open(p, "w") as f:
            f.write("%s\n" % value)
        os.chown(p, self.pw.pw_uid, self.pw.pw_gid)

    def service(self, rel):
        with open(os.path.join(self.share, rel)) as f:
            return f.read()

    def start_scheduler(self):
        rfd, wfd = os.pipe()
        log = open(os.path.join(self.top, "send.log"), "ab")
        self.send = stamptest.spawn(
            self.as_stampd() + [os.path.join(self.sbin, "stamp-send"), "--home", self.home,
                                "--ready-fd", str(wfd)],
            pass_fds=(wfd,), stdout=log, stderr=log, env=stamptest.no_leak_check())
        log.close()
        os.close(wfd)
        with os.fdopen(rfd, "rb") as r:
            assert r.readline() == b"ready\n", self.logtext("send.log")
        stamptest.add_cleanup(remotetest.stop_process, self.send)

    def logtext(self, name):
        return remotetest.read_text(os.path.join(self.top, name))

    def maildir_new(self, user="alice"):
        d = os.path.join(self.home, "mail", user, "Maildir", "new")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def wait_delivered(self, n, user="alice"):
        stamptest.wait_for(lambda: len(self.maildir_new(user)) >= n, 40,
                           what="%d messages for %s; log: %s" % (n, user,
                                                                  self.logtext("send.log")[-2000:]))
        out = []
        for name in self.maildir_new(user):
            with open(os.path.join(self.home, "mail", user, "Maildir", "new", name), "rb") as f:
                out.append(f.read())
        return out
