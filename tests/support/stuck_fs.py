"""A file system that never answers: mounts FUSE at MOUNTPOINT, answers the kernel's
INIT and nothing else, so that any lookup under it blocks, as on a hung NFS server or a
stuck FUSE daemon; then runs COMMAND in the same mount namespace (tests/files.rs runs
this under `unshare --mount`, so the mount dies with it) and prints its first output
line and how long it took. Usage: stuck_fs.py MOUNTPOINT COMMAND [ARG...]"""
import ctypes
import os
import struct
import subprocess
import sys
import threading
import time

FUSE_INIT = 26

mountpoint, command = sys.argv[1], sys.argv[2:]
fd = os.open("/dev/fuse", os.O_RDWR)
libc = ctypes.CDLL(None, use_errno=True)
options = f"fd={fd},rootmode=40000,user_id=0,group_id=0,allow_other".encode()
if libc.mount(b"stuck", mountpoint.encode(), b"fuse", 0, options) != 0:
    sys.exit(f"mount: {os.strerror(ctypes.get_errno())}")

# struct fuse_in_header: len, opcode, unique, nodeid, uid, gid, pid, padding.
request = os.read(fd, 1 << 20)
length, opcode, unique = struct.unpack_from("<IIQ", request)
assert opcode == FUSE_INIT, opcode
major, minor = struct.unpack_from("<II", request, 40)
# struct fuse_init_out (64 bytes): major, minor, max_readahead, flags, max_background,
# congestion_threshold, max_write, time_gran, max_pages, map_alignment, flags2, unused.
body = struct.pack("<IIIIHHIIHHI7I", 7, min(minor, 31), 0, 0, 16, 12, 4096, 1, 0, 0, 0,
                   *[0] * 7)
os.write(fd, struct.pack("<IiQ", 16 + len(body), 0, unique) + body)


def swallow():
    """Reads every later request and answers none."""
    while True:
        try:
            os.read(fd, 1 << 20)
        except OSError:
            return


threading.Thread(target=swallow, daemon=True).start()
# The command's first line, and how long it took to come. Not its exit: a thread of it
# stuck in a request this file system read and never answers cannot be killed, so the
# process cannot end until the file system goes away, which it does when this exits.
started = time.monotonic()
child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
line = child.stdout.readline().decode()
sys.stdout.write(f"{line.rstrip()}\nafter {int((time.monotonic() - started) * 1000)} ms\n")
sys.stdout.flush()
os._exit(0)
