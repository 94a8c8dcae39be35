# bench/peers/proctree.py: CPU seconds and resident memory of a process and all its descendants, and the
# CPU of the local Cassandra node, read from /proc (Linux only) for the peer benchmarks.
import os
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid):
    """(ppid, utime + stime + cutime + cstime in seconds) of a live pid, or None. The children's
    times count only those already reaped, so a tree's sum counts no process twice."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode("latin-1")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), sum(int(value) for value in fields[11:15]) / TICK


def _rss(pid):
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE
    except OSError:
        return 0


def tree(root):
    """The pids of root and of every descendant alive now."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                children.setdefault(stat[0], []).append(int(entry))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def tree_cpu(root):
    return sum((_stat(pid) or (0, 0.0))[1] for pid in tree(root))


def tree_rss(root):
    return sum(_rss(pid) for pid in tree(root))


def find_pid(*markers):
    """The pid whose command line holds every marker (e.g. the Cassandra daemon's main class), or None."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
                if all(marker.encode() in cmdline for marker in markers):
                    return int(entry)
        except OSError:
            continue
    return None


def cpu(pid):
    """CPU seconds of one process (its own threads and reaped children)."""
    stat = _stat(pid)
    if stat is None:
        raise RuntimeError(f"process {pid} is gone")
    return stat[1]


class Sampler:
    """Samples a tree's CPU and summed RSS every `every` seconds on a thread: the peak RSS, and the last CPU
    reading (so a tree that vanished at the end still has its figure)."""

    def __init__(self, root, every=0.2):
        self.root, self.every = root, every
        self.peak_rss = 0
        self.cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def sample(self):
        pids = tree(self.root)
        self.peak_rss = max(self.peak_rss, sum(_rss(pid) for pid in pids))
        self.cpu = max(self.cpu, sum((_stat(pid) or (0, 0.0))[1] for pid in pids))
        return self.cpu

    def stop(self):
        self._stop.set()
        self._thread.join()


def idle_rate(pid, seconds, window=1.0):
    """CPU seconds per second a process spends when nothing is asked of it: the least of its rates over
    `window`-second slices of `seconds` (a flush or a compaction in one slice does not count as idle)."""
    rates = []
    for _ in range(max(1, round(seconds / window))):
        started, before = time.monotonic(), cpu(pid)
        time.sleep(window)
        rates.append((cpu(pid) - before) / (time.monotonic() - started))
    return min(rates)
