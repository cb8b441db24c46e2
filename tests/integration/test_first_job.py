"""The README's first job works as pasted: its two shell blocks, run as a newcomer runs them.

The blocks are the README's (and the same as docs/getting-started.md's). The test runs them in an
empty directory beside this virtualenv, with two changes a newcomer does not need: free ports
instead of 8888, 5555 and 6379 (the machine is shared), and ``make run`` as the command it runs,
``.venv/bin/joblook up`` (``make run`` would install first).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from tests.support.processes import free_port
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"<!-- first job: (\w+) -->\n```sh\n(.*?)```", re.DOTALL)


def first_job(page: Path) -> dict[str, str]:
    """The page's first-job blocks by name ("start", "use"), as the reader sees them."""
    return dict(BLOCK.findall(page.read_text(encoding="utf-8")))


def test_the_readme_and_getting_started_give_the_same_first_job() -> None:
    readme = first_job(REPO / "README.md")
    assert set(readme) == {"start", "use"}
    assert first_job(REPO / "docs" / "getting-started.md") == readme


class Ports:
    def __init__(self) -> None:
        self.web, self.flower, self.redis = free_port(), free_port(), free_port()

    def env(self) -> dict[str, str]:
        """The environment of a newcomer's shell (no joblook settings), on these ports."""
        kept = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JOBLOOK_", "FLOWER_")) and k != "REDIS_URL"
        }
        return kept | {
            "JOBLOOK_PORT": str(self.web),
            "FLOWER_PORT": str(self.flower),
            "JOBLOOK_REDIS_PORT": str(self.redis),
            "JOBLOOK_URL": f"http://127.0.0.1:{self.web}",  # the client's default names 8888
        }

    def localize(self, script: str) -> str:
        return script.replace("127.0.0.1:8888", f"127.0.0.1:{self.web}")


@pytest.fixture
def newcomer(tmp_path: Path) -> Path:
    """An empty directory where ``.venv`` is this test run's virtualenv, as in a checkout."""
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    return tmp_path


@contextlib.contextmanager
def running(script: str, cwd: Path, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """The first block, in a shell of its own; stopped with Ctrl-C (SIGINT) as a user would."""
    with (cwd / "up.log").open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "-ec", script], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        yield proc
    finally:
        descendants = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        finally:
            for child in descendants:  # only if up failed to stop them itself
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()


def test_the_first_job_runs_as_pasted(newcomer: Path) -> None:
    blocks = first_job(REPO / "README.md")
    ports = Ports()
    start = blocks["start"].replace("make run", ".venv/bin/joblook up")
    with running(start, newcomer, ports.env()):
        url = f"http://127.0.0.1:{ports.web}/healthz"

        def healthy() -> bool:
            token_file = newcomer / "var" / "token"
            if not token_file.exists():
                return False
            headers = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
            with contextlib.suppress(requests.RequestException):
                reply = requests.get(url, headers=headers, timeout=2)
                return reply.status_code == 200 and reply.json()["workers"] >= 1
            return False

        wait_for(healthy, 90, "joblook up to answer", interval=0.3)
        used = subprocess.run(
            ["bash", "-ec", ports.localize(blocks["use"])], cwd=newcomer, env=ports.env(),
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert used.returncode == 0, used.stdout + used.stderr
    out = used.stdout
    assert "hello from joblook" in out
    assert "step 1\nstep 2\nstep 3\n" in out
    assert re.search(r'\{"task_id": ?"[0-9a-f-]{36}"\}', out), out
    assert "error" not in out.lower(), out
    token = (newcomer / "var" / "token").read_text().strip()
    assert f"?token={token}" in out
    assert (newcomer / "var" / "token").stat().st_mode & 0o077 == 0
