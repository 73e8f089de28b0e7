"""The README's promises: its Python snippet runs as written, and every document it and docs/
point to is inside the repository."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import MASTER

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_the_readme_python_snippet_runs(live_gateway):
    snippet = re.search(r"```python\n(.*?)```", README.read_text(), re.DOTALL).group(1)
    config = yaml.safe_load((ROOT / "config.example.yaml").read_text())
    gw = live_gateway(config, {})
    done = subprocess.run(
        [sys.executable, "-c", snippet.replace("http://127.0.0.1:4000", gw.url)],
        env={"MASTER_KEY": MASTER, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer = config["model_list"][0]["litellm_params"]["mock_response"]
    assert done.stdout.count(answer) == 2, done.stdout  # once whole, once streamed


def test_documents_link_only_inside_the_repository():
    for doc in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text()
        outside = re.findall(r"[`(]\.\./[^`)]*|shared/[A-Z]+\.md", text)  # `../x`, (../x), shared/API.md
        assert not outside, f"{doc.name} points outside the repository: {outside}"
        for target in re.findall(r"`((?:docs|bench|tests|gateway)/[\w./-]+\.(?:md|py))`", text):
            assert (ROOT / target).exists(), f"{doc.name} points to missing {target}"
