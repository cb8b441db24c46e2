"""Progress and metrics recognised in output chunks, as the worker's chunker cuts them."""

from __future__ import annotations

import io

import pytest
from tqdm import tqdm

from joblook import record
from joblook.progress import Finding, findings, recognise
from joblook.record import OutputRecord
from joblook.worker.chunker import Chunker


def chunks_of(text: str) -> list[str]:
    chunker = Chunker()
    return chunker.feed(text.encode()) + chunker.finish()


def real_tqdm_output(**options: object) -> str:
    """What tqdm itself writes to a pipe for 3 steps of a bar."""
    out = io.StringIO()
    bar = tqdm(file=out, mininterval=0, miniters=1, **options)  # type: ignore[call-overload]
    for _ in range(3):
        bar.update(1)
    bar.close()
    return out.getvalue()


def test_each_frame_of_a_real_tqdm_bar_gives_its_fraction() -> None:
    frames = chunks_of(real_tqdm_output(total=8, desc="train"))
    found = [recognise(chunk) for chunk in frames if chunk.strip()]
    assert [f.progress for f in found if f] == [0, 1 / 8, 2 / 8, 3 / 8, 3 / 8]


def test_tqdm_s_own_estimate_of_the_time_left_is_the_eta() -> None:
    chunk = "train:  42%|████▏     | 42/100 [00:10<01:14,  4.20it/s]\r"
    assert recognise(chunk) == Finding(progress=0.42, eta_seconds=74.0)
    hours = " 10%|#         | 10/100 [1:00:00<1:02:03, 0.01it/s]\r"
    assert recognise(hours) == Finding(progress=0.1, eta_seconds=3723.0)


def test_an_unknown_time_left_is_no_eta() -> None:
    assert recognise("  0%|          | 0/100 [00:00<?, ?it/s]\r") == Finding(progress=0.0)


def test_counts_in_the_same_unit_are_finer_than_the_rounded_percentage() -> None:
    found = recognise(" 12%|#2        | 1.23M/10.0M [00:00<00:01, 24.6MB/s]\r")
    assert found is not None
    assert found.progress == pytest.approx(0.123)
    mixed_units = recognise(" 99%|#########9| 999k/1.00M [00:09<00:00, 100kB/s]\r")
    assert mixed_units == Finding(progress=0.99, eta_seconds=0.0)


def test_a_bar_without_counts_uses_its_percentage() -> None:
    assert recognise("Downloading: 57%|█████▋    |\r") == Finding(progress=0.57)


def test_a_tqdm_bar_that_overshoots_its_total_stays_at_one() -> None:
    assert recognise("105%|██████████| 105/100 [00:10<00:00]\n") == Finding(1.0, 0.0)


def test_a_bar_coloured_with_escape_codes_is_still_recognised() -> None:
    chunk = "\x1b[32m 50%|\x1b[0m█████     | 5/10 [00:05<00:05]\r"
    assert recognise(chunk) == Finding(progress=0.5, eta_seconds=5.0)


def test_the_n_over_total_form_with_a_keras_bar_and_eta() -> None:
    chunk = " 42/100 [===========>..................] - ETA: 14s - loss: 0.3100\r"
    assert recognise(chunk) == Finding(progress=0.42, eta_seconds=14.0)
    minutes = "50/200 [======>.......] - ETA: 1:02 - loss: 0.3\r"
    assert recognise(minutes) == Finding(progress=0.25, eta_seconds=62.0)
    hours = "1/4 [==>...] - ETA: 1:02:03\r"
    assert recognise(hours) == Finding(progress=0.25, eta_seconds=3723.0)


def test_the_n_over_total_form_with_tqdm_times_or_a_line_drawn_bar() -> None:
    assert recognise("42/100 [00:10<00:14]\r") == Finding(progress=0.42, eta_seconds=14.0)
    assert recognise("3/4 ━━━━━━━━━━━━━━━╸──── 2s 10ms/step\r") == Finding(progress=0.75)


def test_a_bare_percentage_starting_a_redrawn_chunk() -> None:
    assert recognise(" 42%\r") == Finding(progress=0.42)
    assert recognise("7.5 % copied") == Finding(progress=0.075)  # paused mid-line: no terminator
    assert [recognise(c) for c in chunks_of("\r10%\r20%\r30%\n")][:3] == [
        None,
        Finding(progress=0.1),
        Finding(progress=0.2),
    ]


@pytest.mark.parametrize(
    "chunk",
    [
        "42% of the tests passed\n",  # a whole line, not a redrawn frame
        "coverage: 42%\r",  # the percentage does not start the frame
        "250%\r",  # not a fraction of a whole
        "copied /data/1/2 to /backup/3/4\n",
        "see [docs] 1/2\n",
        "epoch 3/10\n",
        '{"progress": 1.5}\n',  # outside 0 to 1
        '{"progress": true}\n',
        '{"progress": "half"}\n',
        'log: {"progress": 0.5}\n',  # not exactly a JSON object
        "{not json}\n",
        '{"metrics": {"loss": "low"}}\n',
        '{"metrics": [0.3]}\n',
        "[1, 2]\n",
        "",
    ],
)
def test_ordinary_output_is_not_progress(chunk: str) -> None:
    assert recognise(chunk) is None


def test_a_json_progress_line() -> None:
    assert recognise('{"progress": 0.42}\n') == Finding(progress=0.42)
    assert recognise('  {"progress": 1, "note": "done"}  \r\n') == Finding(progress=1.0)


def test_a_json_metrics_line_with_and_without_a_step() -> None:
    line = '{"metrics": {"loss": 0.31, "acc": 0.9, "note": "x", "ok": true}, "step": 120}\n'
    assert recognise(line) == Finding(metrics=(("loss", 0.31), ("acc", 0.9)), step=120)
    assert recognise('{"metrics": {"loss": 2}}\n') == Finding(metrics=(("loss", 2),))
    assert recognise('{"metrics": {"loss": 2}, "step": "x"}\n') == Finding(metrics=(("loss", 2),))


def test_one_json_line_may_carry_progress_and_metrics() -> None:
    line = '{"progress": 0.5, "metrics": {"loss": 0.2}, "step": 5}\n'
    assert recognise(line) == Finding(progress=0.5, metrics=(("loss", 0.2),), step=5)


def test_metric_names_must_be_short_and_non_empty() -> None:
    line = '{"metrics": {"": 1, "%s": 2, "ok": 3}}\n' % ("n" * 101)
    assert recognise(line) == Finding(metrics=(("ok", 3),))


def test_a_batch_s_findings_come_by_task_in_seq_order_with_redrawn_frames_thinned() -> None:
    a, b = "1d128c57-0066-4e0f-b16f-109d8b8fbb0e", "2d128c57-0066-4e0f-b16f-109d8b8fbb0e"
    stamp = record.timestamp()

    def out(task_id: str, seq: int, log: str) -> OutputRecord:
        return OutputRecord(task_id, seq, stamp, record.STDOUT, log)

    frames = [out(a, seq, f"{seq * 10}%\r") for seq in range(1, 6)]  # 10%..50%: one bar
    batch = [out(b, 2, '{"metrics": {"loss": 0.5}}\n'), *reversed(frames), out(b, 1, "plain\n")]
    batch.append(record.status(a, 6, record.State.SUCCESS, 0))
    found = findings(batch)
    assert [(f.seq, f.finding.progress) for f in found[a]] == [(1, 0.1), (5, 0.5)]  # first, last
    assert [(f.seq, f.finding.metrics) for f in found[b]] == [(2, (("loss", 0.5),))]
