"""The installed `joblook` client commands, run as a user would, against the real stack."""

from __future__ import annotations

import json
import os
import subprocess

from tests.support.processes import JOBLOOK, free_port
from tests.support.stack import Stack


def joblook(stack_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOBLOOK_URL": stack_url}
    return subprocess.run(
        [*JOBLOOK, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_submit_follow_prints_live_and_exits_with_the_tasks_exit_code(stack: Stack) -> None:
    done = joblook(stack.base_url, "submit", "--follow", "--", "echo out; echo err >&2; exit 7")
    assert done.returncode == 7
    assert done.stdout == "out\n"
    assert done.stderr.endswith("err\n")


def test_several_words_are_passed_to_the_shell_exactly(stack: Stack) -> None:
    done = joblook(stack.base_url, "submit", "-f", "--", "printf", "%s|", "a b", "$HOME")
    assert (done.returncode, done.stdout) == (0, "a b|$HOME|")


def test_submit_prints_the_task_id_and_logs_status_and_ls_find_it(stack: Stack) -> None:
    submitted = joblook(stack.base_url, "submit", "--", "echo listed")
    assert submitted.returncode == 0
    task_id = submitted.stdout.strip()
    logs = joblook(stack.base_url, "logs", task_id, "--follow")
    assert (logs.returncode, logs.stdout) == (0, "listed\n")
    status = json.loads(joblook(stack.base_url, "status", task_id).stdout)
    assert (status["task_id"], status["state"], status["exit_code"]) == (task_id, "SUCCESS", 0)
    assert task_id in joblook(stack.base_url, "ls", "--limit", "50").stdout


def test_errors_are_clear_and_exit_1(stack: Stack) -> None:
    unknown = joblook(stack.base_url, "status", "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b")
    assert unknown.returncode == 1
    assert "HTTP 404: unknown task" in unknown.stderr
    nowhere = joblook(f"http://127.0.0.1:{free_port()}", "ls")
    assert nowhere.returncode == 1
    assert "cannot reach joblook" in nowhere.stderr


def test_help_lists_every_command_and_bad_usage_exits_2() -> None:
    shown = subprocess.run([*JOBLOOK, "--help"], capture_output=True, text=True, check=False)
    for command in ("submit", "logs", "ls", "status", "cancel", "up", "web", "worker"):
        assert f"  {command}" in shown.stdout
    bad = subprocess.run([*JOBLOOK, "submit"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    assert "CMD" in bad.stderr


def test_schedule_add_ls_pause_resume_rm(stack: Stack) -> None:
    added = joblook(stack.base_url, "schedule", "add", "--every", "3600", "--name", "hourly-cli",
                    "--", "echo", "from cli")  # fmt: skip
    assert added.returncode == 0, added.stderr
    schedule_id = added.stdout.strip()
    listed = joblook(stack.base_url, "schedule", "ls")
    line = next(row for row in listed.stdout.splitlines() if row.startswith(schedule_id))
    assert "active" in line and "hourly-cli (every hour)" in line and "in 60 min" in line
    paused = json.loads(joblook(stack.base_url, "schedule", "pause", schedule_id).stdout)
    assert (paused["paused"], paused["next_runs"], paused["cmd"]) == (True, [], "echo 'from cli'")
    resumed = json.loads(joblook(stack.base_url, "schedule", "resume", schedule_id).stdout)
    assert resumed["paused"] is False
    assert joblook(stack.base_url, "schedule", "rm", schedule_id).returncode == 0
    gone = joblook(stack.base_url, "schedule", "rm", schedule_id)
    assert gone.returncode == 1 and "HTTP 404: unknown schedule" in gone.stderr


def test_schedule_add_takes_the_launch_flags_submit_takes(stack: Stack) -> None:
    flags = ["--queue", "side", "--gpus", "1", "--notify", "json://hooks.example.com/key"]
    added = joblook(stack.base_url, "schedule", "add", "--every", "3600", *flags, "--", "true")
    assert added.returncode == 0, added.stderr
    schedule_id = added.stdout.strip()
    made = stack.http.get(stack.url(f"/schedules/{schedule_id}"), timeout=10).json()
    assert (made["queue"], made["gpus"], made["notify"]) == ("side", 1, ["json://***"])
    joblook(stack.base_url, "schedule", "rm", schedule_id)
    refused = joblook(stack.base_url, "schedule", "add", "--every", "3600", "--secret",
                      "NOT_SET", "--", "true")  # fmt: skip
    assert refused.returncode == 1 and "unknown secret: NOT_SET" in refused.stderr


def test_schedule_add_refuses_a_bad_cron_with_the_apis_message(stack: Stack) -> None:
    refused = joblook(stack.base_url, "schedule", "add", "--cron", "0 3 * *", "--", "true")
    assert refused.returncode == 1
    assert "cron must be five fields" in refused.stderr


def test_grep_finds_lines_in_a_log_and_tasks_in_the_history(stack: Stack) -> None:
    submitted = joblook(
        stack.base_url,
        "submit",
        "-f",
        "--",
        # "warning two" is printed, not in the command (ls --grep without --output must miss it)
        "printf 'alpha\\n\\033[1mWARN\\033[0m disk\\n'; echo warn$(echo ing) two; echo beta",
    )
    assert submitted.returncode == 0, submitted.stderr
    task_id = submitted.stderr.split()[-1]
    found = joblook(stack.base_url, "logs", task_id, "--grep", "warn")
    assert (found.returncode, found.stdout) == (0, "2:\x1b[1mWARN\x1b[0m disk\n3:warning two\n")
    regex = joblook(stack.base_url, "logs", task_id, "--grep", "^(alpha|beta)$", "--regex")
    assert regex.stdout == "1:alpha\n4:beta\n"
    assert joblook(stack.base_url, "logs", task_id, "-g", "WARN", "--case").stdout.startswith("2:")
    bad = joblook(stack.base_url, "logs", task_id, "--grep", "(", "--regex")
    assert bad.returncode == 1 and "RE2" in bad.stderr
    listed = joblook(stack.base_url, "ls", "--grep", "warning two", "--output", "--limit", "5")
    assert task_id in listed.stdout
    assert task_id not in joblook(stack.base_url, "ls", "--grep", "warning two").stdout
