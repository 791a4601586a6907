#!/usr/bin/env python3
"""Medians over several bench/run.sh result folders: bench/load/median.py bench/results/A bench/results/B bench/results/C

Ratios and added latencies are computed within each run (against the YARP hop and the direct call of the same run)
and the median is taken over runs, so the printed ratio is a ratio measured in one run, not a ratio of medians."""
import csv
import statistics
import sys


def rows(path):
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f, delimiter="\t"))
    except FileNotFoundError:
        return []


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, spec, suffix=""):
    return "-" if value is None else format(value, spec) + suffix


def load_cells(runs):
    order, cells = [], {}
    for run in runs:
        table = rows(f"{run}/results.tsv")
        base = {(r["scenario"], r["connections"], r["target"]): r for r in table}
        for r in table:
            key = (r["scenario"], r["target"], r["connections"])
            if key not in cells:
                order.append(key)
                cells[key] = []
            yarp = base.get((r["scenario"], r["connections"], "yarp"))
            direct = base.get((r["scenario"], r["connections"], "direct"))
            rps = None if r["rps"] == "-" else float(r["rps"])
            cell = {
                "rps": rps,
                "p50": float(r["p50_us"]) / 1000,
                "p99": float(r["p99_us"]) / 1000,
                "vs_yarp": rps / float(yarp["rps"]) * 100 if rps and yarp and yarp["rps"] != "-" else None,
                "over_yarp": (float(r["p50_us"]) - float(yarp["p50_us"])) / 1000 if yarp else None,
                "over_direct": (float(r["p50_us"]) - float(direct["p50_us"])) / 1000 if direct else None,
                "rss": None if r["rss_peak_kb"] in ("-", "") else float(r["rss_peak_kb"]) / 1024,
            }
            cells[key].append(cell)
    return order, cells


def main(runs):
    print(f"medians over {len(runs)} runs: {' '.join(runs)}")
    order, cells = load_cells(runs)
    fmt_row = "{:<22} {:<15} {:>6} {:>10} {:>9} {:>9} {:>10} {:>11} {:>8} {:>7}"
    print(fmt_row.format("scenario", "target", "conns", "req/s", "p50 ms", "p99 ms", "+p50 YARP", "+p50 direct", "vs YARP", "RSS MB"))
    for key in order:
        c = cells[key]
        m = {k: median([x[k] for x in c]) for k in c[0]}
        print(fmt_row.format(key[0], key[1], key[2], fmt(m["rps"], ".0f"), fmt(m["p50"], ".3f"), fmt(m["p99"], ".3f"),
                             fmt(m["over_yarp"], "+.3f"), fmt(m["over_direct"], "+.3f"), fmt(m["vs_yarp"], ".1f", "%"), fmt(m["rss"], ".0f")))

    open_order, open_cells = [], {}
    for run in runs:
        table = rows(f"{run}/open-streams.tsv")
        direct = {r["streams"]: r for r in table if r["target"] == "direct"}
        for r in table:
            key = (r["target"], r["streams"])
            if key not in open_cells:
                open_order.append(key)
                open_cells[key] = []
            n = int(r["streams"])
            before = None if r["rss_before_kb"] == "-" else float(r["rss_before_kb"]) / 1024
            peak = None if r["rss_peak_kb"] == "-" else float(r["rss_peak_kb"]) / 1024
            open_cells[key].append({
                "rps": float(r["rps"]),
                "vs_direct": float(r["rps"]) / float(direct[r["streams"]]["rps"]) * 100 if r["streams"] in direct else None,
                "p99": float(r["p99_us"]) / 1000,
                "errors": int(r["non2xx"]) + int(r["socket_errors"]),
                "peak": peak,
                "per_stream": (peak - before) / n if peak is not None and before is not None else None,
            })
    if open_order:
        print()
        fmt_open = "{:<10} {:>7} {:>10} {:>9} {:>9} {:>7} {:>9} {:>10}"
        print(fmt_open.format("target", "streams", "streams/s", "vs direct", "p99 ms", "errors", "peak MB", "MB/stream"))
        for key in open_order:
            c = open_cells[key]
            m = {k: median([x[k] for x in c]) for k in c[0]}
            print(fmt_open.format(key[0], key[1], fmt(m["rps"], ".0f"), fmt(m["vs_direct"], ".1f", "%"), fmt(m["p99"], ".0f"),
                                  max(x["errors"] for x in c), fmt(m["peak"], ".0f"), fmt(m["per_stream"], ".3f")))

    alloc_order, alloc_cells = [], {}
    for run in runs:
        for r in rows(f"{run}/allocations.tsv"):
            key = (r["scenario"], r["target"], r["phase"])
            if key not in alloc_cells:
                alloc_order.append(key)
                alloc_cells[key] = []
            alloc_cells[key].append((float(r["bytes_per_request"]), None if r["above_yarp_bytes"] in ("", "-") else float(r["above_yarp_bytes"])))
    if alloc_order:
        print()
        fmt_alloc = "{:<10} {:<15} {:<28} {:>8} {:>12}"
        print(fmt_alloc.format("scenario", "target", "phase", "KB/req", "above YARP"))
        for key in alloc_order:
            c = alloc_cells[key]
            above = median([a for _, a in c])
            print(fmt_alloc.format(*key, fmt(median([b for b, _ in c]) / 1024, ".2f"), "-" if above is None else f"{above / 1024:+.2f} KB"))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
