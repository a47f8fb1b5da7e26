#!/usr/bin/env python3
"""Regenerates link/hot.ld: the order in which the linker lays out the code a probe runs.

Why (figures of when this was written; docs/performance.md has today's): a probe ran
~170 KiB of the binary's ~600 KiB of code, but that code was scattered,
and Linux maps a binary's pages into a process in blocks around each page fault (64 KiB
"fault-around" windows, or whole large folios). So a probe paged in nearly all of .text:
~550 KiB of its ~800 KiB peak RSS. Laid out together, the code it runs fits in three or
four such blocks (README, "Performance").

How: builds the release binary with a link map, single-steps real probes on the
real CPU (tests/support/launch.c `trace`), maps every address that ran to the linker input
section holding it, and writes those sections in the order they first ran: the healthy
`-q` probe first (the case the benchmark measures), then a default, an unhealthy and an
unreachable probe, then (from the `tls` build) an HTTPS probe. Names are written with their hashes wildcarded, so a new compiler or a
small code change leaves the order mostly right rather than silently empty.

Run from the repository root after changing what a probe runs: `python3 scripts/hot_text.py`.
Needs cc, openssl and a Linux x86_64 machine; takes a few minutes; tests/memory.rs fails if the layout stops paying off.
"""

import bisect
import http.server
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "hot-text")
TARGET = "x86_64-unknown-linux-musl"
SCRIPT = os.path.join(ROOT, "link", "hot.ld")


def build(features):
    """The release binary, built as shipped with `features`, and its GNU ld link map."""
    name = "-".join(["healthprobe", *features])
    link_map = os.path.join(WORK, f"{name}.map")
    env = dict(os.environ, CARGO_TARGET_DIR=WORK)
    # The flag goes to the binary's link alone (`cargo rustc`): in RUSTFLAGS it would enter
    # every crate's metadata hash, so every mangled name — and with v0 mangling the length
    # of its hashes and the order of `dyn` bounds — would differ from the shipped build's.
    command = ["cargo", "rustc", "--release", "--bin", "healthprobe", "--target", TARGET,
               "--features", ",".join(features), "--", "-C", f"link-arg=-Wl,-Map={link_map}"]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    binary = os.path.join(WORK, name)  # each build overwrites release/healthprobe
    shutil.copy(os.path.join(WORK, TARGET, "release", "healthprobe"), binary)
    return binary, link_map


def launcher():
    path = os.path.join(WORK, "launch")
    subprocess.run(["cc", "-O2", "-o", path, os.path.join(ROOT, "tests/support/launch.c")], check=True)
    return path


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status = 200 if self.path == "/health" else 503
        body = b'{"status":"ok"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(tls=None):
    """A loopback server of /health (200) and anything else (503); HTTPS with `tls`, an
    (certificate, key) pair."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    scheme = "http"
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"{scheme}://127.0.0.1:{server.server_address[1]}"


def certificates():
    """A CA and a certificate it signed for 127.0.0.1, made with openssl: (ca, cert, key)."""

    def path(name):
        return os.path.join(WORK, name)

    with open(path("san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for command in [
        ["req", "-x509", *curve, "-keyout", path("ca.key"), "-out", path("ca.pem"), "-subj", "/CN=hot-text CA", "-days", "1"],
        ["req", *curve, "-keyout", path("leaf.key"), "-out", path("leaf.csr"), "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
         "-CAcreateserial", "-out", path("leaf.pem"), "-days", "1", "-extfile", path("san.ext")],
    ]:
        subprocess.run(["openssl", *command], check=True, capture_output=True)
    return path("ca.pem"), path("leaf.pem"), path("leaf.key")


def refused_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/health"


def sections(link_map):
    """(start, end, input-section name, file) of every code section the link map places."""
    found = []
    lines = open(link_map).read().splitlines()
    entry = re.compile(r"^ (\.text\S*)\s*(?:0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*))?$")
    place = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    for i, line in enumerate(lines):
        m = entry.match(line)
        if not m:
            continue
        name, start, size, file = m.groups()
        if start is None:
            n = place.match(lines[i + 1]) if i + 1 < len(lines) else None
            if not n:
                continue
            start, size, file = n.groups()
        start, size = int(start, 16), int(size, 16)
        if size:
            found.append((start, start + size, name, file))
    return sorted(found)


def pattern(name, file):
    """A linker-script input-section description that survives rebuilds."""
    if name == ".text":
        # Assembly (musl's memcpy, the C runtime's _start …) has no per-function section:
        # name the object instead, as archive:member or as a file.
        member = re.search(r"\(([^()]+)\)$", file)
        where = f"*libc.a:{member.group(1)}" if member else f"*{os.path.basename(file)}"
        return f"{where}(.text)"
    # Hashes become one `?` per character: a `*` could span mangled path segments and pull
    # in unrelated (cold) functions.
    name = re.sub(r"17h[0-9a-f]{16}E", "17h" + "?" * 16 + "E", name)  # legacy mangling
    name = re.sub(r"Cs([0-9A-Za-z]+)_", lambda m: "Cs" + "?" * len(m[1]) + "_", name)  # v0
    name = re.sub(r"\.[0-9]+$", ".*", name)  # LLVM's suffix for a renamed local
    return f"*({any_instantiating_crate(name)})"


def any_instantiating_crate(name):
    """A v0 name of a generic's copy ends with the crate that instantiated it, and which of
    the crates using a generic provides the copy that runs changes with the crate hashes:
    `cargo test` and `cargo bench` build the dependencies with other hashes than `cargo
    build`, and ran `[u8; 4]::index` from ureq_proto instead of http. Any crate's copy
    goes: that suffix becomes `*` (all it can match is another copy of the same generic)."""
    m = re.search(r"Cs\?+_(\d+)([A-Za-z_][A-Za-z0-9_]*)(\.\*)?$", name)
    if m and len(m[2]) == int(m[1]) and m.start() > name.find("Cs"):
        return name[: m.start()] + "*"
    return name


def code_run(launcher, binary, args):
    """Addresses of the binary's code that ran, single-stepped on the real CPU."""
    out = subprocess.run([launcher, "trace", binary, *args], capture_output=True, text=True, check=True)
    return [int(line, 16) for line in out.stdout.split()]


def layout(addresses, inputs):
    """The input sections holding `addresses`, as (pattern, size), in first-use order."""
    starts = [s[0] for s in inputs]
    order, seen = [], set()
    for address in addresses:
        i = bisect.bisect_right(starts, address) - 1
        if i < 0 or address >= inputs[i][1]:
            continue
        rule = pattern(inputs[i][2], inputs[i][3])
        if rule not in seen:
            seen.add(rule)
            order.append((rule, inputs[i][1] - inputs[i][0]))
    return order


def main():
    os.makedirs(WORK, exist_ok=True)
    trace = launcher()
    plain = serve()
    ca, cert, key = certificates()
    https = serve((cert, key))
    # Single-stepped, a probe runs thousands of times slower (a TLS handshake takes a
    # minute, a plain probe's start-up seconds): the deadline must end none of them, or
    # the code that sends and reads is never traced and ends up outside the layout.
    slow = ["--timeout", "600s"]
    runs = {
        (): [[*slow, "-q", f"{plain}/health"], [*slow, f"{plain}/health"],
             [*slow, f"{plain}/down"], [*slow, refused_url()]],
        ("tls",): [["-q", *slow, "--cacert", ca, f"{https}/health"]],
    }
    # The plain build's order first: it is the one the RSS figure is about. The TLS
    # build shares most of that code, and its own follows.
    code, seen = [], set()
    for features, probes in runs.items():
        binary, link_map = build(features)
        addresses = [a for args in probes for a in code_run(trace, binary, args)]
        for rule in layout(addresses, sections(link_map)):
            if rule[0] not in seen:
                seen.add(rule[0])
                code.append(rule)
    size = sum(s for _, s in code)
    with open(SCRIPT, "w") as f:
        f.write(
            "/* The code a probe runs, laid out together in the order it first runs, so that the\n"
            " * 64 KiB windows Linux pages a binary in by cover it in a few faults and little\n"
            f" * memory. Generated by scripts/hot_text.py ({len(code)} sections, {size} bytes): do\n"
            " * not edit. INSERT keeps the linker's default layout for everything else. */\n"
            "SECTIONS {\n  .text.probe : {\n"
        )
        for rule, _ in code:
            f.write(f"    {rule}\n")
        f.write("  }\n}\nINSERT BEFORE .text;\n")
    print(f"wrote {SCRIPT}: {len(code)} sections, {size} bytes", file=sys.stderr)

if __name__ == "__main__":
    main()
