"""milterpeers: private instances of the field's mail filters, for tests.

Each starts a real filter from Debian's packages, in the foreground, as the
test's user, with a configuration of its own in a folder under the test's
top, on a free loopback port, and registers its own stop with
stamptest.add_cleanup. It is ready when it answers a milter option
negotiation (miltertalk.ready), never after a sleep.

    dk = OpenDKIM(top, "example.org", "sel1", keyfile).start()
    rs = Rspamd(top, dns_server="127.0.0.1:5353").start()
    dk.milter()          # "inet:127.0.0.1:PORT", a control/milters line

Nothing touches the system instances' configuration, sockets or databases.
`available(name)` says whether the Debian program is installed; a test that
cannot run without it skips (see missing()).
"""

import os
import signal
import subprocess
import time

import miltertalk
import stamptest

OPENDKIM = "/usr/sbin/opendkim"
RSPAMD = "/usr/bin/rspamd"
HERE = os.path.dirname(os.path.abspath(__file__))


def available(prog):
    return os.access(prog, os.X_OK)


def missing(*progs):
    """True (and says so) when one of progs is not installed: the caller skips.
    etc/deps.sh installs them; a machine without them cannot run the test."""
    gone = [p for p in progs if not available(p)]
    if gone:
        print("    skipped: not installed: %s (sh etc/deps.sh installs them)" % " ".join(gone))
    return bool(gone)


def wait_milter(proc, port, what, logtext, timeout=60.0):
    """Wait until the filter on 127.0.0.1:port answers an option negotiation."""
    deadline = time.monotonic() + timeout
    while not miltertalk.ready("127.0.0.1", port):
        if proc.poll() is not None:
            raise AssertionError("%s exited (%s):\n%s" % (what, proc.returncode, logtext()[-3000:]))
        if time.monotonic() > deadline:
            raise AssertionError("%s does not answer on port %d after %.0fs:\n%s" % (
                what, port, timeout, logtext()[-3000:]))
        time.sleep(0.1)


class _Peer:
    """What both filters share: a folder, a port, a process, a log file."""

    name = "filter"
    stop_signal = signal.SIGTERM

    def __init__(self, top, sub):
        self.dir = os.path.join(os.path.abspath(top), sub)
        os.makedirs(self.dir, exist_ok=True)
        self.port = stamptest.free_port()
        self.logfile = os.path.join(self.dir, "log")
        self.proc = None

    def write(self, name, text, mode=0o644):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def _spawn(self, args, timeout):
        log = open(self.logfile, "ab")
        self.proc = stamptest.spawn(args, stdout=log, stderr=log)
        log.close()
        stamptest.add_cleanup(self.stop)
        wait_milter(self.proc, self.port, self.name, self.log, timeout)
        return self

    def milter(self):
        """This filter as a control/milters line."""
        return "inet:127.0.0.1:%d" % self.port

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


# The opendkim recipe of README.md ("Deploying on the internet"), with the
# test's folder and port in it.
OPENDKIM_CONF = """\
# Sign mail from %(domain)s (mode s) that comes from InternalHosts or from
# an authenticated client; stamp lists this filter in control/submissionmilters.
Mode                    s
Socket                  inet:%(port)d@127.0.0.1
Canonicalization        relaxed/relaxed
SignatureAlgorithm      rsa-sha256
OversignHeaders         From
KeyTable                file:%(dir)s/key.table
SigningTable            refile:%(dir)s/signing.table
InternalHosts           %(internal)s
Syslog                  no
UMask                   007
"""


class OpenDKIM(_Peer):
    """opendkim signing mail From: *@domain with the key in keyfile (a PEM
    RSA private key, mode 0600, as stamp-dkim-keygen writes it) under
    selector. internal: opendkim's InternalHosts (clients whose mail is
    signed without AUTH; a documentation address makes AUTH the only way)."""

    name = "opendkim"
    # libmilter notices SIGTERM only at its next 5 s poll; nothing of this
    # instance is kept, so it is killed at once.
    stop_signal = signal.SIGKILL

    def __init__(self, top, domain, selector, keyfile, internal="127.0.0.1"):
        super().__init__(top, "opendkim")
        self.domain, self.selector, self.keyfile = domain, selector, keyfile
        self.internal = internal

    def start(self, timeout=30):
        key = "%s._domainkey.%s" % (self.selector, self.domain)
        self.write("key.table", "%s %s:%s:%s\n" % (key, self.domain, self.selector, self.keyfile))
        self.write("signing.table", "*@%s %s\n" % (self.domain, key))
        conf = self.write("opendkim.conf", OPENDKIM_CONF % {
            "domain": self.domain, "port": self.port, "dir": self.dir,
            "internal": self.internal} +
            # The test's home is under /tmp, which anyone may write to, and
            # opendkim refuses a key below such a folder. Tests only: the
            # recipe keeps the check (STAMP_HOME/control/dkim is root's).
            "RequireSafeKeys         no\n")
        # -f: foreground; -x: this file only; -l: log to syslog is off, so
        # what it says goes to stderr (our log file).
        return self._spawn([OPENDKIM, "-f", "-x", conf], timeout)


# rspamd: the Debian configuration ($CONFDIR/common.conf: every module and
# its rules), with a top level of our own: one rspamd_proxy worker in milter
# mode that scans by itself (self_scan; no normal worker, no controller), the
# test's DNS server, and local.d overrides for what needs redis or the
# internet.
RSPAMD_CONF = """\
.include "$CONFDIR/common.conf"

options {
    pidfile = "$RUNDIR/rspamd.pid";
    .include "$CONFDIR/options.inc"
    .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/options.inc"
}

logging {
    type = "console";
    level = "warning";
}

worker "rspamd_proxy" {
    bind_socket = "127.0.0.1:%(port)d";
    milter = yes;
    timeout = 30s;
    count = 1;
    upstream "local" {
        default = yes;
        self_scan = yes;
    }
    reject_message = "Spam message rejected";
}
"""

RSPAMD_LOCAL = {
    # The test's DNS server only (maps.rspamd.com and the DNS blocklists are
    # unreachable there, and fail at once); hyperscan's compiled patterns
    # kept between runs (compiling them takes 20 s of CPU).
    "options.inc": """\
dns {
    nameserver = ["%(dns)s"];
    timeout = 1s;
    retransmits = 1;
}
hs_cache_dir = "%(cache)s";
local_addrs = [];
""",
    # The headers stamp's tests look for, on every message (by default
    # rspamd skips mail from local addresses, as the tests' is).
    "milter_headers.conf": """\
use = ["x-spamd-result", "x-spam-status", "authentication-results"];
skip_local = false;
skip_authenticated = false;
""",
    # Bayes needs redis: no statistics at all.
    "classifier-bayes.conf": "backend = \"none\";\n",
}

# Modules that need redis or a remote service: off.
RSPAMD_OFF = ["fuzzy_check", "rbl", "asn", "neural", "ratelimit", "greylist", "replies",
              "reputation", "history_redis", "url_redirector", "dcc", "emails", "mx_check",
              "phishing", "metadata_exporter", "clickhouse", "elastic", "dynamic_conf",
              "spamtrap", "p0f", "antivirus", "external_services"]


def rspamd_cache():
    """hyperscan's cache, kept beside the build under test (never in the repo)."""
    d = os.path.join(stamptest.BUILD, "tests", "rspamd-hs-cache")
    os.makedirs(d, exist_ok=True)
    return d


class Rspamd(_Peer):
    """rspamd's milter proxy, scanning with Debian's rules; DNS from
    dns_server ("127.0.0.1:PORT", the test's dnsmasq)."""

    name = "rspamd"

    def __init__(self, top, dns_server):
        super().__init__(top, "rspamd")
        self.dns = dns_server

    def start(self, timeout=90):
        for sub in ("local.d", "run", "db"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        values = {"dns": self.dns, "cache": rspamd_cache()}
        for name, text in RSPAMD_LOCAL.items():
            self.write(os.path.join("local.d", name), text % values)
        for m in RSPAMD_OFF:
            self.write(os.path.join("local.d", m + ".conf"), "enabled = false;\n")
        conf = self.write("rspamd.conf", RSPAMD_CONF % {"port": self.port})
        args = [RSPAMD, "-f", "-c", conf, "--var=LOCAL_CONFDIR=" + self.dir,
                "--var=RUNDIR=" + os.path.join(self.dir, "run"),
                "--var=DBDIR=" + os.path.join(self.dir, "db"), "--var=LOGDIR=" + self.dir]
        if os.geteuid() == 0:
            # rspamd refuses root workers unless told; tests run as root in CI.
            args += ["-i", "-u", "root", "-g", "root"]
        return self._spawn(args, timeout)
