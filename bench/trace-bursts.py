#!/usr/bin/env python3
"""Summarizes the event times that `peer-run --trace-file` writes, burst by burst.

An open-loop publisher of the load driver sends in bursts: it sleeps on a timer, then sends every event whose
scheduled time has passed. This script splits each subscriber's events into those bursts (a new burst starts after a
gap of more than --gap microseconds between two sends) and prints, per trace file:

- how often each publisher starts a burst and how many events each burst holds;
- how long after the first send of a burst its events reach the subscriber, by position in the burst;
- how fast the publisher sent within a burst, and how fast a burst drained. The drain pace is the time between
  consecutive events at the consumer, and on the read loop when the trace has arrival times (`peer-run --stages`).
  Both are medians over the bursts of more than 20 events;
- latency percentiles, and how many bursts hold an event at or above the 99th percentile.

Usage: python3 bench/trace-bursts.py TRACE.csv [TRACE.csv ...] [--gap MICROSECONDS]
"""

import argparse
import csv
import math
import statistics
import sys

COLUMNS = ["subscriber", "publisher", "seq", "scheduled_us", "sent_us", "arrived_us", "consumed_us"]

# Only bursts longer than this give a pace per event worth a median.
MIN_PACED_BURST = 20


def percentile(sorted_values, share):
    """Return the value at `share` (0 to 1) of an ascending list, by the nearest rank."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, int(round(share * len(sorted_values))) - 1))
    return sorted_values[index]


def bursts_of(rows, gap):
    """Split rows into bursts: lists of row indexes, one per burst, in send order."""
    bursts = []
    current = []
    previous_sent = None
    for index, row in enumerate(rows):
        if previous_sent is not None and row["sent"] - previous_sent > gap:
            bursts.append(current)
            current = []
        current.append(index)
        previous_sent = row["sent"]
    if current:
        bursts.append(current)
    return bursts


def read_trace(path):
    """Read a trace into rows grouped by (subscriber, publisher), each group in send order."""
    groups = {}
    with open(path, newline="") as file:
        reader = csv.DictReader(file)
        if reader.fieldnames is None:
            raise ValueError("the file is empty; expected a header line")
        missing = [column for column in COLUMNS if column not in reader.fieldnames]
        if missing:
            raise ValueError(f"missing columns {', '.join(missing)}; expected the header that peer-run --trace-file writes")
        for record in reader:
            row = {
                "sent": float(record["sent_us"]),
                "arrived": float(record["arrived_us"]) if record["arrived_us"] else None,
                "consumed": float(record["consumed_us"]),
            }
            groups.setdefault((record["subscriber"], record["publisher"]), []).append(row)
    for rows in groups.values():
        rows.sort(key=lambda row: row["sent"])
    return groups


def median_or_none(values):
    """Return the median of `values`, or None for an empty list."""
    return statistics.median(values) if values else None


def summarize(path, gap):
    groups = read_trace(path)
    latencies = []
    start_gaps = []
    sizes = []
    send_paces = []
    firsts = []
    first_arrivals = []
    drains = []
    arrival_drains = []
    by_position = {}
    bursts_total = 0
    burst_latencies = []
    for rows in groups.values():
        bursts = bursts_of(rows, gap)
        bursts_total += len(bursts)
        starts = [rows[b[0]]["sent"] for b in bursts]
        start_gaps += [b - a for a, b in zip(starts, starts[1:])]
        for burst in bursts:
            first = rows[burst[0]]
            sizes.append(len(burst))
            firsts.append(first["consumed"] - first["sent"])
            if first["arrived"] is not None:
                first_arrivals.append(first["arrived"] - first["sent"])
            last = rows[burst[-1]]
            if len(burst) > MIN_PACED_BURST:
                send_paces.append((last["sent"] - first["sent"]) / (len(burst) - 1))
                drains.append((last["consumed"] - first["consumed"]) / (len(burst) - 1))
                if first["arrived"] is not None and last["arrived"] is not None:
                    arrival_drains.append((last["arrived"] - first["arrived"]) / (len(burst) - 1))
            burst_latency = []
            for position, index in enumerate(burst):
                latency = rows[index]["consumed"] - rows[index]["sent"]
                latencies.append(latency)
                burst_latency.append(latency)
                decile = min(9, 10 * position // len(burst))
                by_position.setdefault(decile, []).append(latency)
            burst_latencies.append(burst_latency)

    if not latencies:
        print(f"{path}: no events")
        return

    latencies.sort()
    p99 = percentile(latencies, 0.99)
    with_p99 = sum(1 for burst in burst_latencies if max(burst) >= p99)
    print(path)
    interval = median_or_none(start_gaps)
    interval_text = f"one every {interval:.0f} us per publisher (median)" if interval is not None else "only one per publisher"
    print(f"  events {len(latencies)}, bursts {bursts_total}: {interval_text}, "
          f"{statistics.median(sizes):.0f} events each (median, largest {max(sizes)})")
    print(f"  latency p50 {percentile(latencies, 0.5):.0f} us, p99 {p99:.0f} us, p99.9 {percentile(latencies, 0.999):.0f} us; "
          f"{with_p99} of {bursts_total} bursts hold an event at or above p99")
    print(f"  first event of a burst: consumed after {statistics.median(firsts):.0f} us (median)"
          + (f", on the read loop after {statistics.median(first_arrivals):.0f} us" if first_arrivals else ""))
    if drains:
        print(f"  sending a burst: one event per {statistics.median(send_paces):.2f} us (median over bursts)")
        print(f"  draining a burst: one event per {statistics.median(drains):.2f} us at the consumer (median over bursts)"
              + (f", one per {statistics.median(arrival_drains):.2f} us on the read loop" if arrival_drains else ""))
    else:
        print(f"  sending and draining a burst: not measured, because no burst has more than {MIN_PACED_BURST} events")
    print("  median latency by tenth of the burst, first to last: "
          + " ".join(f"{statistics.median(by_position[d]):.0f}" for d in sorted(by_position)) + " us")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="+", help="CSV files from peer-run --trace-file")
    parser.add_argument("--gap", type=float, default=100,
                        help="the pause between two sends, in microseconds, that starts a new burst (default 100)")
    options = parser.parse_args()
    if not math.isfinite(options.gap) or options.gap <= 0:
        parser.error(f"--gap must be a number greater than 0, not {options.gap}")
    failed = False
    for path in options.traces:
        try:
            summarize(path, options.gap)
        except (OSError, ValueError) as error:
            print(f"{path}: cannot read the trace: {error}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
