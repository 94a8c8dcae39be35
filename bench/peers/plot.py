# bench/peers/plot.py: the runs of bench/peers/bench.py (its CSV) as one PNG: per partition count,
# each system's median (bar) and every run (dots) of throughput, time to all rows, CPU per row, peak RSS and the
# Cassandra node's CPU per row.   python bench/peers/plot.py RUNS.csv OUT.png
import csv
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PANELS = [("rows_per_s", "rows/s (higher is better)"), ("all_rows_s", "launch → all rows, s"),
          ("cpu_us_per_row", "CPU µs per row (process tree)"), ("peak_rss_mb", "peak RSS, MB"),
          ("cassandra_us_per_row", "Cassandra node CPU µs per row")]
COLOURS = {"spark": "#e25a1c", "flink": "#8c4fb0", "kascade": "#2a6fb0"}
TITLES = {"spark": "Spark Structured Streaming", "flink": "Flink"}


def main(path, out):
    with open(path, encoding="utf-8") as handle:
        runs = list(csv.DictReader(handle))
    partitions = sorted({int(r["partitions"]) for r in runs})
    systems = [s for s in COLOURS if any(r["system"] == s for r in runs)]
    figure, axes = plt.subplots(1, len(PANELS), figsize=(4 * len(PANELS), 3.8))
    width = 0.8 / len(systems)
    for axis, (field, title) in zip(axes, PANELS):
        for index, system in enumerate(systems):
            for slot, count in enumerate(partitions):
                values = [float(r[field]) for r in runs if r["system"] == system and int(r["partitions"]) == count]
                if not values:
                    continue
                x = slot + (index - (len(systems) - 1) / 2) * width
                axis.bar(x, statistics.median(values), width * 0.9, color=COLOURS[system],
                         label=system if slot == 0 else None)
                axis.plot([x] * len(values), values, "k.", markersize=4)
        axis.set_xticks(range(len(partitions)), [f"{p} partition{'s' if p > 1 else ''}" for p in partitions])
        axis.set_title(title, fontsize=10)
        axis.grid(axis="y", alpha=0.3)
    axes[0].legend()
    rows = runs[0]["rows"] if runs else "?"
    peer = " and ".join(TITLES[s] for s in systems if s in TITLES)
    figure.suptitle(f"Kafka → Cassandra, the tutorial's job: {peer} beside kascade "
                    f"({rows} rows per run; bars: medians, dots: runs)", fontsize=11)
    figure.tight_layout()
    figure.savefig(out, dpi=110)


if __name__ == "__main__":
    main(*sys.argv[1:3])
