"""stamp-user and stamp-checkpw as programs: the users file's owner and
mode, edits under concurrency, every exit code, who the session becomes
(as root: stampv for virtual users), and SMTP AUTH's use as stampd."""

import grp
import os
import pwd
import subprocess

import stamptest
from test_send import ensure_users, is_root


def home():
    if is_root():
        ensure_users()
        h = stamptest.Home(setup=False)
        r = stamptest.run([stamptest.bin_path("stamp-setup"), "--home", h.dir, "--owners"])
        assert r.code == 0, r
        os.chmod(h.top, 0o755)
        return h
    return stamptest.Home()


def checkpw(h, user, pw, ts="", prog=("sh", "-c", "id -un; echo $HOME; echo $MAILDIR; echo $USER"),
            prefix=()):
    r, w = os.pipe()
    os.write(w, b"%s\0%s\0%s\0" % (user.encode(), pw.encode(), ts.encode()))
    os.close(w)
    p = stamptest.spawn(list(prefix) + [stamptest.bin_path("stamp-checkpw")] + list(prog),
                        home=h.dir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, pass_fds=(3,),
                        # close_fds runs after preexec_fn: fd 3 must be kept whatever it
                        # was here (when r is not 3, another file holds fd 3 in this process).
                        preexec_fn=(lambda: os.dup2(r, 3)) if r != 3 else None)
    out, err = p.communicate(timeout=30)
    os.close(r)
    return p.returncode, out.decode(), err.decode()


def test_user_add_passwd_del_list_and_file_mode():
    h = home()
    assert h.run("stamp-user", "add", "alice", input=b"one\n").code == 0
    assert h.run("stamp-user", "add", "bob", input=b"two\n").code == 0
    r = h.run("stamp-user", "add", "alice", input=b"x\n")
    assert r.code == 1, r
    assert h.run("stamp-user", "add", "Bad/Name", input=b"x\n").code == 2
    assert h.run("stamp-user", "add", "carol", input=b"\n").code == 2
    assert h.run("stamp-user", "list").stdout == b"alice\nbob\n"
    st = os.stat(h.path("users"))
    if is_root():
        assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (0, grp.getgrnam("stampd").gr_gid, 0o640)
        md = os.stat(h.path("mail", "alice", "Maildir", "new"))
        assert md.st_uid == pwd.getpwnam("stampv").pw_uid
    else:
        assert st.st_mode & 0o777 == 0o600
    assert checkpw(h, "alice", "one")[0] == 0
    assert h.run("stamp-user", "passwd", "alice", input=b"uno\n").code == 0
    assert checkpw(h, "alice", "one")[0] == 1
    assert checkpw(h, "alice", "uno")[0] == 0
    assert h.run("stamp-user", "passwd", "nobody", input=b"x\n").code == 1
    assert h.run("stamp-user", "del", "alice").code == 0
    assert not os.path.exists(h.path("mail", "alice"))
    assert h.run("stamp-user", "list").stdout == b"bob\n"
    assert checkpw(h, "alice", "uno")[0] == 1
    assert not [n for n in os.listdir(h.dir) if ".tmp." in n]


def test_concurrent_adds_lose_nothing():
    h = home()
    procs = []
    for i in range(20):
        p = stamptest.spawn([stamptest.bin_path("stamp-user"), "add", "u%d" % i], home=h.dir,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdin.write(b"pw%d\n" % i)
        p.stdin.close()
        procs.append(p)
    for p in procs:
        assert p.wait(60) == 0
    names = h.run("stamp-user", "list").stdout.split()
    assert sorted(names) == sorted(b"u%d" % i for i in range(20)), names


def test_checkpw_exit_codes_and_identity():
    h = home()
    assert h.run("stamp-user", "add", "alice", input=b"secret pw\n").code == 0
    code, out, err = checkpw(h, "ALICE", "secret pw")
    assert code == 0, err
    who, hdir, maildir, user = out.split("\n")[:4]
    assert who == ("stampv" if is_root() else pwd.getpwuid(os.getuid()).pw_name), out
    assert hdir == h.path("mail", "alice")
    assert maildir == h.path("mail", "alice", "Maildir") + "/"
    assert user == "alice"
    assert checkpw(h, "alice", "wrong")[0] == 1
    assert checkpw(h, "nobody", "secret pw")[0] == 1
    # misuse: no program; fd 3 not in the format
    r = stamptest.run([stamptest.bin_path("stamp-checkpw")], home=h.dir)
    assert r.code == 2, r
    r = stamptest.run([stamptest.bin_path("stamp-checkpw"), "true"], home=h.dir)
    assert r.code == 2, r     # fd 3 is not open
    # temporary: the program cannot be run
    assert checkpw(h, "alice", "secret pw", prog=("/nonexistent/prog",))[0] == 111


def test_apop_digest():
    import hashlib
    h = home()
    assert h.run("stamp-user", "add", "mrose", input=b"pw\n").code == 0
    assert h.run("stamp-user", "apop", "mrose", input=b"tanstaaf\n").code == 0
    ts = "<1896.697170952@dbc.mtview.ca.us>"
    digest = hashlib.md5((ts + "tanstaaf").encode()).hexdigest()
    assert digest == "c4c9334bac560ecc979e58001b3e22fb"
    assert checkpw(h, "mrose", digest, ts, prog=("true",))[0] == 0
    assert checkpw(h, "mrose", digest, "<other@x>", prog=("true",))[0] == 1
    assert checkpw(h, "mrose", "pw", ts, prog=("true",))[0] == 0


def test_smtp_auth_as_stampd_reads_the_users_file():
    if not is_root():
        return
    h = home()
    assert h.run("stamp-user", "add", "alice", input=b"pw\n").code == 0
    d = pwd.getpwnam("stampd")
    prefix = ("setpriv", "--reuid=%d" % d.pw_uid, "--regid=%d" % d.pw_gid, "--init-groups", "--")
    code, out, err = checkpw(h, "alice", "pw", prog=("id", "-un"), prefix=prefix)
    assert code == 0, err
    assert out.strip() == "stampd"     # not root: verifies, runs as it is
    assert checkpw(h, "alice", "nope", prog=("true",), prefix=prefix)[0] == 1
    # Someone else cannot read the file: temporary trouble, never a wrong password.
    n = pwd.getpwnam("nobody")
    prefix = ("setpriv", "--reuid=%d" % n.pw_uid, "--regid=%d" % n.pw_gid, "--clear-groups", "--")
    assert checkpw(h, "alice", "pw", prog=("true",), prefix=prefix)[0] == 111


def test_system_accounts_only_with_systemusers():
    if not is_root():
        return
    h = home()
    name = "stamppoptest"
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True)
    subprocess.run(["chpasswd"], input=b"%s:sys pw 1\n" % name.encode(), check=True)
    assert checkpw(h, name, "sys pw 1", prog=("true",))[0] == 1
    h.control("systemusers", "1")
    code, out, err = checkpw(h, name, "sys pw 1", prog=("sh", "-c", "id -un; echo $MAILDIR"))
    assert code == 0, err
    u = pwd.getpwnam(name)
    assert out.split("\n")[:2] == [name, u.pw_dir + "/Maildir/"], out
    assert checkpw(h, name, "wrong", prog=("true",))[0] == 1
    assert checkpw(h, "root", "anything", prog=("true",))[0] == 1
