"""A small fake milter (Sendmail milter protocol version 6) on a loopback
port, in Python's standard library, for test_milter.py. Each connection
is one SMTP session; what the filter does is given as a dict of actions:

    FakeMilter(eom=[("h", b"X-Milter-Test", b"yes")], rcpt_reject=b"bad@")

It records every packet it got (command letter, data) in .seen."""

import socket
import struct
import threading

import stamptest


def pkt(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def z(*parts):
    return b"".join(p + b"\0" for p in parts)


class FakeMilter:
    def __init__(self, eom=(), rcpt_reject=None, mail_tempfail=False, hang_at=None,
                 proto=0, actions=0x1ff, reply_eom=b"c", garbage_at=None):
        self.eom = list(eom)
        self.rcpt_reject = rcpt_reject
        self.mail_tempfail = mail_tempfail
        self.hang_at = hang_at          # a command letter: never answer it
        self.garbage_at = garbage_at    # a command letter: answer it with junk
        self.proto = proto
        self.actions = actions
        self.reply_eom = reply_eom
        self.seen = []
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        stamptest.add_cleanup(self.close)
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.stop.set()
        self.sock.close()

    def commands(self):
        return [c for c, _ in self.seen]

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read(self, conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _serve(self, conn):
        conn.settimeout(30)
        with conn:
            while True:
                head = self._read(conn, 4)
                if head is None:
                    return
                body = self._read(conn, struct.unpack(">I", head)[0])
                if body is None:
                    return
                cmd, data = body[:1], body[1:]
                self.seen.append((cmd, data))
                if cmd == self.hang_at:
                    self.stop.wait(30)
                    return
                if cmd == self.garbage_at:
                    conn.sendall(b"\xff\xff\xff\xffgarbage")
                    return
                out = self._answer(cmd, data)
                if out is None:
                    continue
                conn.sendall(out)
                if cmd == b"Q":
                    return

    def _answer(self, cmd, data):
        if cmd == b"O":
            return pkt(b"O", struct.pack(">III", 6, self.actions, self.proto))
        if cmd in (b"D", b"A", b"Q"):
            return None
        if cmd == b"M" and self.mail_tempfail:
            return pkt(b"t")
        if cmd == b"R" and self.rcpt_reject and self.rcpt_reject in data:
            return pkt(b"y", b"550 5.7.1 Recipient refused by the fake milter\0")
        if cmd == b"E":
            out = b""
            for m in self.eom:
                code, args = m[0].encode(), m[1:]
                if code == b"b":
                    out += pkt(b"b", args[0])
                elif code in (b"i", b"m"):
                    out += pkt(code, struct.pack(">I", args[0]) + z(*args[1:]))
                else:
                    out += pkt(code, z(*args))
            return out + pkt(self.reply_eom)
        return pkt(b"c")

    def macros(self):
        """Every macro the filter was sent: {name: value}."""
        out = {}
        for cmd, data in self.seen:
            if cmd == b"D":
                parts = data[1:].split(b"\0")[:-1]
                for i in range(0, len(parts) - 1, 2):
                    out[parts[i].decode()] = parts[i + 1].decode()
        return out
