#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""snapshot.py [KERNEL [N]] - what "boot once, restore many" would save.

Not a krepro feature yet: a measurement of the lever, for BENCHMARKS.md.
It takes the QEMU command line krepro prints for tar_protocol on KERNEL
(`run --show-command`, so the machine is krepro's), adds a QMP socket and
a third serial port for input, and replaces the case with a probe script
in an overlay cpio: the probe says READY, waits for a "go" line on the
third port, then reports its uptime, boot_id and 8 random bytes.

Then, N times each, interleaved: a cold boot until the probe runs, and a
restore of one snapshot taken at READY (QMP stop, migrate to a file) until
the probe runs.  Prints the medians, the snapshot's size, and whether the
restored guests drew different random bytes (they share a boot_id).
"""
import contextlib, json, os, shlex, socket, statistics, subprocess, sys, tempfile, time

PROBE = r"""#!/bin/busybox sh
[ "$1" = -l ] && exit 0
exec 3< /dev/ttyS2
echo "READY" > /dev/ttyS1
while read -r line <&3; do case "$line" in *go*) break ;; esac; done
echo "GOT boot_id=$(cat /proc/sys/kernel/random/boot_id) rnd=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' ')" > /dev/ttyS1
"""


def krepro_command(top, kernel):
    out = subprocess.run([top + "/build/krepro", "run", "--show-command", "-k", kernel,
                          "-c", "tar_protocol", "--accel", "tcg"],
                         capture_output=True, text=True, check=True).stdout
    line = [l for l in out.splitlines() if "qemu-system" in l][0]
    return shlex.split(line)


def overlay(work, initrd):
    root = os.path.join(work, "ov")
    os.makedirs(root + "/krepro/bin")
    with open(root + "/krepro/conf", "w") as f:
        f.write("CASE='snapshot_probe'\nBINARY='probe.sh'\nARGS=''\nMODULES=''\n")
    with open(root + "/krepro/bin/probe.sh", "w") as f:
        f.write(PROBE)
    os.chmod(root + "/krepro/bin/probe.sh", 0o755)
    names = subprocess.run("find .", shell=True, cwd=root, capture_output=True,
                           check=True).stdout
    extra = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=names,
                           capture_output=True, check=True).stdout
    path = os.path.join(work, "probe.cpio")
    with open(path, "wb") as f, open(initrd, "rb") as base:
        f.write(base.read())
        f.write(extra)
    return path


def machine(argv, work, initrd):
    """krepro's command with the probe image, our files, QMP and an input port."""
    a = list(argv)
    a[a.index("-initrd") + 1] = initrd
    serials = [i for i, w in enumerate(a) if w == "-serial"]
    a[serials[0] + 1] = "file:" + work + "/console.log"
    a[serials[1] + 1] = "file:" + work + "/chan.log"
    return a + ["-chardev", "socket,id=in,path=%s/in.sock,server=on,wait=off" % work,
                "-serial", "chardev:in", "-qmp", "unix:%s/qmp.sock,server=on,wait=off" % work]


def connect(path, deadline):
    while time.time() < deadline:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            return s
        except OSError:
            time.sleep(0.005)
    raise SystemExit("no socket " + path)


class Qmp:
    def __init__(self, path, deadline):
        self.f = connect(path, deadline).makefile("rw")
        self.f.readline()
        self("qmp_capabilities")

    def __call__(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "return" in r or "error" in r:
                return r


def chan_has(work, word):
    try:
        with open(work + "/chan.log") as f:
            return word in f.read()
    except FileNotFoundError:
        return False


def wait_word(work, word, deadline, go=None, ready=False):
    """
    Until the channel shows word; go: a socket to keep saying "go" on once
    the probe is READY (ready: it was, before the snapshot).  Input that
    reaches the UART before the guest opened it fills its FIFO, and QEMU
    then reads no more of the socket.
    """
    while not chan_has(work, word):
        if time.time() > deadline:
            raise SystemExit("timed out waiting for " + word)
        if go and (ready or chan_has(work, "READY")):
            go.sendall(b"\ngo\n")
        time.sleep(0.005)


def fresh(work):
    for name in ("chan.log", "console.log", "in.sock", "qmp.sock"):
        try:
            os.unlink(os.path.join(work, name))
        except FileNotFoundError:
            pass


@contextlib.contextmanager
def vm(argv):
    """A QEMU that is killed if the measurement stops half-way."""
    q = subprocess.Popen(argv)
    try:
        yield q
        q.wait(timeout=60)
    finally:
        if q.poll() is None:
            q.kill()
            q.wait()


def run_until_probe(argv, work, restore=None):
    """Seconds from QEMU's start until the probe ran, and the GOT line."""
    fresh(work)
    t0 = time.time()
    deadline = t0 + 60
    with vm(argv + (["-incoming", "exec:cat " + restore] if restore else [])):
        if restore:
            qmp = Qmp(work + "/qmp.sock", deadline)
            while qmp("query-status")["return"]["status"] == "inmigrate":
                time.sleep(0.005)
            qmp("cont")	# the snapshot was taken stopped
        wait_word(work, "GOT", deadline, go=connect(work + "/in.sock", deadline),
                  ready=bool(restore))
        took = time.time() - t0
    with open(work + "/chan.log") as f:
        return took, [l for l in f.read().splitlines() if l.startswith("GOT")][0]


def snapshot(argv, work, path):
    fresh(work)
    t0 = time.time()
    with vm(argv):
        wait_word(work, "READY", t0 + 60)
        ready = time.time() - t0
        qmp = Qmp(work + "/qmp.sock", t0 + 60)
        qmp("stop")
        qmp("migrate", uri="exec:cat > " + path)
        while qmp("query-migrate")["return"].get("status") not in ("completed", "failed"):
            time.sleep(0.01)
        saved = time.time() - t0
        qmp("quit")
    return ready, saved


def main():
    if len(sys.argv) > 3:
        sys.exit("usage: snapshot.py [KERNEL [N]]")
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    kernel = sys.argv[1] if len(sys.argv) > 1 else "debian:6.1.0-57-cloud-amd64"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory(prefix="krepro-snapshot.") as work:
        argv = krepro_command(top, kernel)
        base = machine(argv, work, overlay(work, argv[argv.index("-initrd") + 1]))
        snap = work + "/snapshot"
        ready, saved = snapshot(base, work, snap)
        cold, restored, lines = [], [], []
        for _ in range(n):
            cold.append(run_until_probe(base, work)[0])
            took, line = run_until_probe(base, work, restore=snap)
            restored.append(took)
            lines.append(line)
        rnd = {l.split("rnd=")[1] for l in lines}
        boot_ids = {l.split()[1] for l in lines}
        print("%s: snapshot at READY after %.2f s, saved by %.2f s, %d MB"
              % (kernel, ready, saved, os.path.getsize(snap) >> 20))
        print("until the case runs: cold boot median %.2f s (%.2f-%.2f), restore median "
              "%.2f s (%.2f-%.2f), n=%d each, interleaved; ratio %.2f"
              % (statistics.median(cold), min(cold), max(cold), statistics.median(restored),
                 min(restored), max(restored), n,
                 statistics.median(restored) / statistics.median(cold)))
        print("restored guests: %d distinct random draws of %d, %d boot_id(s)"
              % (len(rnd), n, len(boot_ids)))


if __name__ == "__main__":
    main()
