#!/usr/bin/env python3
# bench/latency/plot.py: histograms of the latencies of each level (latency-<level>.csv from latency.py), one
# figure, log-scaled milliseconds. Usage: plot.py OUT.png DIR [DIR ...] (each DIR a latency.py --out-dir,
# labelled by its summary.json's bus and consumer).
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main():
    out, dirs = sys.argv[1], sys.argv[2:]
    fig, axes = plt.subplots(len(dirs), 1, figsize=(9, 3.2 * len(dirs)), squeeze=False)
    for ax, d in zip(axes[:, 0], dirs):
        with open(os.path.join(d, "summary.json")) as f:
            summary = json.load(f)
        values = {}
        for level in summary["levels"]:
            with open(os.path.join(d, "latency-%s.csv" % level["label"])) as f:
                values[level["label"]] = [float(row["latency_ms"]) for row in csv.DictReader(f)]
        low = max(0.1, min(min(v) for v in values.values() if v))
        high = max(max(v) for v in values.values() if v)
        bins = np.logspace(np.log10(low), np.log10(high * 1.01), 80)
        for level in summary["levels"]:
            ax.hist(values[level["label"]], bins=bins, histtype="step", linewidth=1.4,
                    label="%s of max (%.0f rec/s): p50 %.1f, p99 %.1f, p99.9 %.1f ms" % (
                        level["label"], level["rate"], level["p50"], level["p99"], level["p999"]))
        ax.set_xscale("log")
        ax.set_xlabel("produce -> readable, ms")
        ax.set_ylabel("records")
        ax.set_title("%s bus, consumer: %s (max sustained %.0f records/s)" % (
            summary["bus"], summary["consumer"] if len(summary["consumer"]) < 40 else summary["consumer"][:37] + "...",
            summary["max_rate"]))
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print("wrote %s" % out)


if __name__ == "__main__":
    main()
