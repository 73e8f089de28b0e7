"""CPU time and memory of a process tree (a gunicorn arbiter and its workers), read from /proc by psutil."""

from __future__ import annotations

from dataclasses import dataclass

import psutil


def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of every process in the trees rooted at `pids`, living processes only."""
    total = 0.0
    for pid in pids:
        for proc in tree(pid):
            try:
                t = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += t.user + t.system
    return total


@dataclass(frozen=True)
class Memory:
    rss_mib: float  # sum over the tree (shared pages counted in each process)
    uss_mib: float  # memory unique to each process, summed: what the tree really costs
    largest_mib: float  # the largest single process's RSS
    processes: int


def memory(pids: list[int]) -> Memory:
    rss = uss = largest = 0.0
    count = 0
    for pid in pids:
        for proc in tree(pid):
            try:
                info = proc.memory_full_info()
            except psutil.NoSuchProcess:
                continue
            rss += info.rss
            uss += info.uss
            largest = max(largest, info.rss)
            count += 1
    mib = 1024 * 1024
    return Memory(rss / mib, uss / mib, largest / mib, count)
