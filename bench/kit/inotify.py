"""A minimal inotify watch (ctypes, Linux): wait for a file to appear in a folder."""

import ctypes
import ctypes.util
import os
import select
import struct

IN_CREATE = 0x100
IN_MOVED_TO = 0x80
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_HDR = struct.Struct("iIII")


class Watch:
    """Watch folder d for names created or moved in (a Maildir's new/)."""

    def __init__(self, d):
        self.fd = _libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        if _libc.inotify_add_watch(self.fd, os.fsencode(d), IN_CREATE | IN_MOVED_TO) < 0:
            e = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(e, "inotify_add_watch %s" % d)

    def wait(self, timeout):
        """The names that arrived, after waiting up to timeout seconds for one ([] on timeout)."""
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return []
        buf = os.read(self.fd, 65536)
        names, off = [], 0
        while off < len(buf):
            _, _, _, ln = _HDR.unpack_from(buf, off)
            off += _HDR.size
            names.append(buf[off:off + ln].rstrip(b"\0").decode(errors="replace"))
            off += ln
        return names

    def close(self):
        os.close(self.fd)
