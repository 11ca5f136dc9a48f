#!/usr/bin/env python3
"""Measures the footprint of two servers the same way: binary size, time from process start to the first accepted
TCP connection, resident memory when idle, and resident memory with 1,000 idle clients connected.

Each run starts the server on a free loopback port, connects 1,000 clients that complete the server's handshake
(EventBridge: a hello frame answered by welcome; NATS: CONNECT and PING answered by PONG), reads VmRSS from
/proc/PID/status, then stops the server with SIGTERM. Runs alternate between the servers and the table reports the
median with min and max. Only the standard library is used, so the same client drives both servers.

Usage: footprint.py --eventbridge PATH --nats PATH [--runs 5] [--clients 1000]
"""

import argparse
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time

SETTLE_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 30.0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS line for process {pid}")


def cpu_busy_fraction(interval=0.5):
    def read():
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
        idle = fields[3] + fields[4]
        return idle, sum(fields)

    idle_before, total_before = read()
    time.sleep(interval)
    idle_after, total_after = read()
    total = total_after - total_before
    return 0.0 if total == 0 else 1.0 - (idle_after - idle_before) / total


def wait_for_quiet_machine(limit=0.25, max_wait=60.0):
    """Waits until the whole machine is mostly idle, so that other work on it does not skew the start-up time."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy_fraction()
    while busy > limit and time.monotonic() < deadline:
        busy = cpu_busy_fraction()
    return busy


def read_line(sock, buffer):
    while b"\n" not in buffer:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("the server closed the connection during the handshake")
        buffer += chunk
    line, _, rest = buffer.partition(b"\n")
    return line, rest


def handshake_eventbridge(sock, index):
    sock.sendall(b'{"type":"hello","name":"idle-%d"}\n' % index)
    buffer = b""
    while True:
        line, buffer = read_line(sock, buffer)
        if b'"welcome"' in line:
            return


def handshake_nats(sock, index):
    buffer = b""
    line, buffer = read_line(sock, buffer)
    if not line.startswith(b"INFO"):
        raise ConnectionError(f"expected INFO from nats-server, got {line[:40]!r}")
    sock.sendall(b'CONNECT {"verbose":false,"name":"idle-%d"}\r\nPING\r\n' % index)
    while True:
        line, buffer = read_line(sock, buffer)
        if line.strip() == b"PONG":
            return


SERVERS = {
    "eventbridge": (lambda binary, port: [binary, "serve", "--host", "127.0.0.1", "--port", str(port),
                                          "--log-level", "Warning"], handshake_eventbridge),
    "nats-server": (lambda binary, port: [binary, "-a", "127.0.0.1", "-p", str(port)], handshake_nats),
}


def measure(name, binary, clients):
    command, handshake = SERVERS[name]
    port = free_port()
    busy = wait_for_quiet_machine()
    started = time.perf_counter()
    process = subprocess.Popen(command(binary, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sockets = []
    try:
        deadline = started + CONNECT_TIMEOUT_SECONDS
        while True:
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                probe.connect(("127.0.0.1", port))
                accepting = time.perf_counter() - started
                break
            except ConnectionRefusedError:
                probe.close()
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with status {process.returncode} before listening")
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"{name} did not accept a connection within {CONNECT_TIMEOUT_SECONDS} s")
                time.sleep(0.0005)
        probe.close()

        time.sleep(SETTLE_SECONDS)
        idle = rss_kib(process.pid)

        for index in range(clients):
            sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT_SECONDS)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            handshake(sock, index)
            sockets.append(sock)
        time.sleep(SETTLE_SECONDS)
        loaded = rss_kib(process.pid)
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with status {process.returncode} while clients were connected")
    finally:
        for sock in sockets:
            sock.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return {"start_ms": accepting * 1000.0, "idle_kib": idle, "loaded_kib": loaded, "busy": busy}


def summary(values, unit_format):
    return "{} ({} – {})".format(unit_format(statistics.median(values)), unit_format(min(values)),
                                 unit_format(max(values)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eventbridge", required=True, help="path of the native eventbridge binary")
    parser.add_argument("--nats", required=True, help="path of the nats-server binary")
    parser.add_argument("--runs", type=int, default=5, help="runs per server (default 5)")
    parser.add_argument("--clients", type=int, default=1000, help="idle clients to connect (default 1000)")
    arguments = parser.parse_args()

    # Every client is a socket in this process, and each server needs one descriptor per client as well.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = arguments.clients + 256
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))

    binaries = {"eventbridge": arguments.eventbridge, "nats-server": arguments.nats}
    results = {name: [] for name in binaries}
    for run in range(arguments.runs):
        for name, binary in binaries.items():
            result = measure(name, binary, arguments.clients)
            results[name].append(result)
            print(f"run {run + 1} {name}: start {result['start_ms']:.1f} ms, idle {result['idle_kib']} KiB, "
                  f"{arguments.clients} clients {result['loaded_kib']} KiB (machine busy before: "
                  f"{result['busy']:.0%})", file=sys.stderr)

    mib = lambda kib: f"{kib / 1024:.1f} MiB"
    ms = lambda value: f"{value:.1f} ms"
    print(f"| figure | eventbridge | nats-server | eventbridge / nats-server |")
    print(f"| --- | --- | --- | --- |")
    sizes = {name: os.path.getsize(path) for name, path in binaries.items()}
    print(f"| binary size | {sizes['eventbridge'] / 1048576:.1f} MiB | {sizes['nats-server'] / 1048576:.1f} MiB | "
          f"{sizes['eventbridge'] / sizes['nats-server']:.2f} |")
    rows = [("start to first accepted connection", "start_ms", ms),
            ("RSS idle", "idle_kib", mib),
            (f"RSS with {arguments.clients} idle clients", "loaded_kib", mib)]
    for label, key, unit in rows:
        ours = [result[key] for result in results["eventbridge"]]
        theirs = [result[key] for result in results["nats-server"]]
        ratio = statistics.median(ours) / statistics.median(theirs)
        print(f"| {label} | {summary(ours, unit)} | {summary(theirs, unit)} | {ratio:.2f} |")
    per_client = lambda name: statistics.median(
        [(result["loaded_kib"] - result["idle_kib"]) / arguments.clients for result in results[name]])
    print(f"| RSS per idle client | {per_client('eventbridge'):.1f} KiB | {per_client('nats-server'):.1f} KiB | "
          f"{per_client('eventbridge') / per_client('nats-server'):.2f} |")


if __name__ == "__main__":
    main()
