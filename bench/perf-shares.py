#!/usr/bin/env python3
"""Groups the samples of a `perf record` profile of an EventBridge process by what the code does.

It reads `perf report --no-children --sort sym` (self time per symbol) and adds each symbol's share to the first
group whose pattern matches its name, then prints the groups and the largest symbols that matched none. The
groups are those of the tables in docs/benchmarks.md. .NET symbols need a perf map: run the process with
DOTNET_PerfMapEnabled=1 and DOTNET_EnableWriteXorExecute=0.

Usage: python3 bench/perf-shares.py perf.data [perf.data ...]
"""

import argparse
import os
import re
import subprocess
import sys

GROUPS = [
    ("kernel: thread switches (finish_task_switch)", r"finish_task_switch"),
    ("kernel: sched_yield of idle pool threads", r"sched_yield"),
    ("frame scans (RelayedFrameScanner, string lookups, the UTF-8 check)",
     r"RelayedFrameScanner|FrameStrings|Utf8Utility|IndexOfAnyAsciiSearcher|AsciiByteSearchValues"),
    ("JSON payloads: the publisher's serializer, the consumer's read",
     r"Utf8Json|JsonSerializer|ReadPayload|JsonWriterHelper"),
    ("the server's frame handling and relay, pooled frames, duplicate window",
     r"HandleFrame|RelayToOthers|RelayFromClient|PooledFrame|ReplayBuffer|EventIdWindow"),
    ("the client's frame handling, consumer queue, outbox and bus",
     r"OnFrame|QueueForConsumers|ConsumerQueue|ClientOutbox|OutboxFrameWriter|PumpAsync|EventBus|ConsumerBinding|EventMessage"),
    ("socket reads and writes, in .NET and the kernel",
     r"FrameConnection|Pipe|Socket|tcp_|sock_|skb|ip_|__sys_|epoll|loopback|net_rx|__dev_queue"),
    ("memory copies and clears", r"Memmove|memset|memcpy|rep_movs"),
    ("locks", r"Lock::|Monitor"),
    ("the clock", r"clock_gettime|Stopwatch"),
]

LINE = re.compile(r"\s*([\d.]+)%\s+\[[^\]]+\]\s+(.*)")


class ReportError(Exception):
    """perf report failed, or the profile contains no samples."""


def shares(path):
    """Return the group totals and the unmatched (share, symbol) pairs of one perf.data file."""
    if not os.path.isfile(path):
        raise ReportError("file not found")
    try:
        result = subprocess.run(
            ["perf", "report", "-i", path, "--no-children", "--sort", "sym", "-q", "-g", "none"],
            capture_output=True, text=True,
        )
    except OSError as error:
        raise ReportError(f"cannot run perf: {error}") from error
    if result.returncode != 0:
        lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
        message = lines[-1] if lines else "perf printed no message"
        raise ReportError(f"perf report failed (exit {result.returncode}): {message}")
    report = result.stdout
    totals = {name: 0.0 for name, _ in GROUPS}
    unmatched = []
    for line in report.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        share, symbol = float(match.group(1)), match.group(2)
        for name, pattern in GROUPS:
            if re.search(pattern, symbol):
                totals[name] += share
                break
        else:
            unmatched.append((share, symbol))
    if not unmatched and not any(totals.values()):
        raise ReportError("no samples in the profile")
    return totals, unmatched


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="+", help="perf.data files from perf record -g")
    options = parser.parse_args()
    failed = False
    for path in options.profiles:
        try:
            totals, unmatched = shares(path)
        except ReportError as error:
            print(f"{path}: {error}", file=sys.stderr)
            failed = True
            continue
        print(path)
        for name, _ in GROUPS:
            print(f"  {totals[name]:5.1f} %  {name}")
        print(f"  {sum(share for share, _ in unmatched):5.1f} %  the rest; its largest symbols:")
        for share, symbol in sorted(unmatched, reverse=True)[:8]:
            print(f"           {share:5.2f} %  {symbol[:110]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
