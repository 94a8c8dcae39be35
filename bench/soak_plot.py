#!/usr/bin/env python3
# bench/soak_plot.py: RSS and open fds of each kascade process over a soak run (bench/soak.sh's samples.csv) -> PNG.
"""Usage: soak_plot.py SAMPLES_CSV OUTPUT_PNG [SECONDS]"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")  # no display
import matplotlib.pyplot as plt  # noqa: E402


def main():
    samples, output = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else None
    rows = list(csv.DictReader(open(samples)))
    figure, (rss_axes, fd_axes) = plt.subplots(2, 1, sharex=True, figsize=(10, 6))
    for role in ("serve", "process"):
        mine = [r for r in rows if r["role"] == role]
        minutes = [float(r["t_s"]) / 60 for r in mine]
        rss_axes.plot(minutes, [int(r["rss_kb"]) / 1024 for r in mine], ".-", markersize=3, label=f"kascade {role}")
        fd_axes.plot(minutes, [int(r["fds"]) for r in mine], ".-", markersize=3, label=f"kascade {role}")
        # A restart after kill -9 shows as a new pid: mark it.
        for before, after in zip(mine, mine[1:]):
            if before["pid"] != after["pid"]:
                for axes in (rss_axes, fd_axes):
                    axes.axvline(float(after["t_s"]) / 60, color="grey", alpha=0.25, linewidth=0.8)
    if seconds:
        for axes in (rss_axes, fd_axes):
            for third in (seconds / 3, 2 * seconds / 3):
                axes.axvline(third / 60, color="black", linestyle=":", linewidth=0.8)
    rss_axes.set_ylabel("RSS (MB)")
    fd_axes.set_ylabel("open file descriptors")
    fd_axes.set_xlabel("minutes (grey: a restart after kill -9; dotted: thirds compared)")
    rss_axes.set_ylim(bottom=0)
    fd_axes.set_ylim(bottom=0)
    rss_axes.legend(loc="lower right")
    rss_axes.set_title("kascade soak: serve + process under push load, killed with SIGKILL now and then")
    figure.tight_layout()
    figure.savefig(output, dpi=100)


if __name__ == "__main__":
    main()
