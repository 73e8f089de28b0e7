"""Reading one sample out of /metrics, for the metrics tests."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def parse(text: str, name: str, labels: dict[str, str]) -> float:
    """The value of the sample `name` with exactly these labels in exposition `text`; 0 if absent."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return s.value
    return 0.0


def total(client, name: str) -> float:
    """The sum of every sample `name`, whatever its labels."""
    text = client.get("/metrics").get_data(as_text=True)
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == name)


def sample(client, name: str, labels: dict[str, str], headers: dict[str, str] | None = None) -> float:
    resp = client.get("/metrics", headers=headers or {})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return parse(resp.get_data(as_text=True), name, labels)
