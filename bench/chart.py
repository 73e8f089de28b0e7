"""The benchmark's PNG: p50 latency and CPU per request by concurrency, for each target and mode."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: write files only
import matplotlib.pyplot as plt

STYLE = {
    "direct": ("#7f7f7f", ":"),
    "gateway": ("#1f77b4", "-"),
    "gw-team": ("#17becf", "-."),
    "litellm": ("#d62728", "--"),
}
MARKER = {"json": "o", "sse": "s"}


def draw(rows: list[dict], path: Path, title: str) -> None:
    """`rows`: dicts with target, mode, concurrency, p50_ms, cpu_ms (per request)."""
    fig, (lat, cpu) = plt.subplots(1, 2, figsize=(12, 4.8))
    series: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        series.setdefault((row["target"], row["mode"]), []).append(row)
    for (target, mode), points in sorted(series.items()):
        points.sort(key=lambda r: r["concurrency"])
        xs = [r["concurrency"] for r in points]
        color, line = STYLE.get(target, ("black", "-"))
        label = f"{target} {mode.upper()}"
        kw = {"color": color, "linestyle": line, "marker": MARKER.get(mode, "x"), "label": label}
        lat.plot(xs, [r["p50_ms"] for r in points], **kw)
        if target != "direct":
            cpu.plot(xs, [r["cpu_ms"] for r in points], **kw)
    cpu.axhline(1.0, color="#2ca02c", linewidth=0.8, label="target JSON 1 ms")
    cpu.axhline(2.0, color="#2ca02c", linewidth=0.8, linestyle="--", label="target SSE 2 ms")
    for ax, ylabel in ((lat, "p50 latency (ms)"), (cpu, "CPU per request (ms, whole process tree)")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sorted({r["concurrency"] for r in rows}))
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_xlabel("concurrent connections")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
