"""miltertalk: the MTA side of the milter protocol (version 6, as Postfix
speaks it), just enough to check a filter without stamp: the readiness
probe of milterpeers, and the tests' own check that the private opendkim and
rspamd do what the recipes say before stamp-smtpd is put in front of them.

    r = Session("127.0.0.1", port).message(msg, "a@x.test", ["b@y.test"])
    r.action           # "accept", "continue", "reject", "tempfail", "discard", "reply"
    r.reply            # the text of a custom reply ("550 5.7.1 ...")
    r.added            # [(name, value)] headers added or inserted
    r.apply(msg)       # msg with the added headers in place
"""

import socket
import struct

VERSION = 6
ALL_ACTIONS = 0x1FF
# Every protocol step may be skipped or left unanswered, as the filter asks;
# header values without their leading space (no SMFIP_HDR_LEADSPC).
ALL_PROTOCOL = 0x0FFFFF
NR = {"C": 0x1000, "H": 0x2000, "M": 0x4000, "R": 0x8000, "T": 0x10000, "L": 0x80,
      "N": 0x40000, "B": 0x80000}
NO = {"C": 0x1, "H": 0x2, "M": 0x4, "R": 0x8, "B": 0x10, "L": 0x20, "N": 0x40, "T": 0x200}
FINAL = {b"a": "accept", b"c": "continue", b"r": "reject", b"t": "tempfail", b"d": "discard",
         b"y": "reply"}
MAX_PACKET = 1 << 20


class MilterError(Exception):
    pass


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd.encode() + data


def cstr(*parts):
    """NUL-terminated strings, one after the other."""
    return b"".join((p.encode() if isinstance(p, str) else p) + b"\0" for p in parts)


class Result:
    def __init__(self):
        self.action, self.reply, self.stage = None, "", None
        self.added = []          # (index or None, name, value)
        self.changed = []        # (index, name, value)
        self.quarantine = None

    def headers(self):
        return [(n, v) for _, n, v in self.added]

    def apply(self, msg):
        """msg (bytes, LF or CRLF) with the added headers: inserted ones at
        their index from the top, added ones after the last header."""
        eol = b"\r\n" if b"\r\n" in msg else b"\n"
        head, sep, body = msg.partition(eol + eol)
        lines = head.split(eol)
        top = []
        for idx, name, value in self.added:
            line = ("%s:%s" % (name, value if value.startswith((" ", "\t")) else " " + value))
            line = line.replace("\r\n", "\n").replace("\n", eol.decode()).encode()
            if idx is None:
                lines.append(line)
            else:
                top.insert(min(idx, len(top)), line)
        return eol.join(top + lines) + sep + body


class Session:
    """One connection to a filter; the conversation of one message."""

    def __init__(self, host, port, timeout=20):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.protocol = 0
        self.buf = b""

    def send(self, cmd, data=b""):
        self.s.sendall(packet(cmd, data))

    def read(self):
        while len(self.buf) < 4 or len(self.buf) < 4 + struct.unpack(">I", self.buf[:4])[0]:
            if len(self.buf) >= 4 and struct.unpack(">I", self.buf[:4])[0] > MAX_PACKET:
                raise MilterError("packet too long")
            chunk = self.s.recv(65536)
            if not chunk:
                raise MilterError("filter closed the connection")
            self.buf += chunk
        n = struct.unpack(">I", self.buf[:4])[0]
        if n == 0:
            raise MilterError("empty packet")
        cmd, data = self.buf[4:5], self.buf[5:4 + n]
        self.buf = self.buf[4 + n:]
        return cmd, data

    def negotiate(self):
        self.send("O", struct.pack(">III", VERSION, ALL_ACTIONS, ALL_PROTOCOL))
        cmd, data = self.read()
        if cmd != b"O" or len(data) < 12:
            raise MilterError("bad negotiation reply %r" % cmd)
        _, self.actions, self.protocol = struct.unpack(">III", data[:12])

    def macros(self, stage, pairs):
        self.send("D", stage.encode() + cstr(*[x for kv in pairs.items() for x in kv]))

    def step(self, cmd, data, res):
        """Send one stage unless the filter skips it; read its answer unless
        it asked for none. True while the message goes on."""
        if self.protocol & NO.get(cmd, 0):
            return True
        self.send(cmd, data)
        if self.protocol & NR.get(cmd, 0):
            return True
        return self.answer(res, cmd)

    def answer(self, res, stage):
        while True:
            cmd, data = self.read()
            if cmd == b"p":                      # progress: wait on
                continue
            if cmd in (b"h", b"i", b"m"):
                idx = None
                if cmd != b"h":
                    idx, data = struct.unpack(">I", data[:4])[0], data[4:]
                name, value = data.rstrip(b"\0").split(b"\0", 1)
                item = (idx, name.decode(), value.decode())
                (res.changed if cmd == b"m" else res.added).append(item)
                continue
            if cmd == b"q":
                res.quarantine = data.rstrip(b"\0").decode()
                continue
            if cmd in (b"b", b"+", b"-", b"e", b"2"):
                continue                         # recorded by nothing here
            if cmd not in FINAL:
                raise MilterError("unknown reply %r" % cmd)
            res.action, res.stage = FINAL[cmd], stage
            if cmd == b"y":
                res.reply = data.rstrip(b"\0").decode()
            return res.action == "continue"

    def message(self, msg, sender, rcpts, helo="client.test", addr="127.0.0.1",
                macros=None):
        """Run one message through the filter; a Result."""
        res = Result()
        m = {"j": "mx.stamp.test", "{daemon_name}": "stamp", "i": "TESTQID"}
        m.update(macros or {})
        try:
            self.negotiate()
            self.macros("C", m)
            ok = self.step("C", cstr("client.test") + b"4" + struct.pack(">H", 40000) + cstr(addr), res)
            ok = ok and self.step("H", cstr(helo), res)
            if ok:
                self.macros("M", m)
            ok = ok and self.step("M", cstr("<%s>" % sender), res)
            for r in rcpts:
                ok = ok and self.step("R", cstr("<%s>" % r), res)
            ok = ok and self.step("T", b"", res)
            msg = msg.replace(b"\r\n", b"\n")
            head, _, body = msg.partition(b"\n\n")
            for line in unfold(head):
                name, _, value = line.partition(b":")
                ok = ok and self.step("L", cstr(name, value.lstrip(b" ")), res)
            ok = ok and self.step("N", b"", res)
            crlf = body.replace(b"\n", b"\r\n")
            for i in range(0, len(crlf), 65535):
                ok = ok and self.step("B", crlf[i:i + 65535], res)
            if ok:
                self.send("E")
                self.answer(res, "E")
            self.send("Q")
        finally:
            self.s.close()
        return res


def unfold(head):
    """Header fields, continuation lines joined with LF."""
    out = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += b"\n" + line
        elif line:
            out.append(line)
    return out


def ready(host, port, timeout=2.0):
    """Does a milter listen on host:port and answer an option negotiation?"""
    try:
        s = Session(host, port, timeout)
    except OSError:
        return False
    try:
        s.negotiate()
        s.send("Q")
        return True
    except (OSError, MilterError):
        return False
    finally:
        s.s.close()
