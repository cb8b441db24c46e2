"""The LINES index in Redis: caught up from the log, windows anywhere, healing, expiry."""

from __future__ import annotations

from joblook import keys, record
from joblook.record import OutputRecord, State, StatusRecord
from joblook.store.lines.index import BATCH_RECORDS, K
from joblook.store.logstore import LogStore

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


def out(seq: int, text: str, stream: str = record.STDOUT) -> OutputRecord:
    return OutputRecord(TASK, seq, record.timestamp(), stream, text)


def numbered(first: int, last: int) -> str:
    return "".join(f"line {n}\n" for n in range(first, last + 1))


def test_every_window_reads_exactly_the_lines_asked_for(store: LogStore) -> None:
    total = 3 * K + 7
    store.append([out(1, numbered(1, 100)), out(2, numbered(101, total))])
    snapshot = store.lines.catch_up(TASK)
    assert snapshot.count == total
    for start, count in [(1, 1), (1, K), (K, 2), (K + 1, K), (total - 3, 10), (2, total)]:
        got = store.lines.lines(TASK, start, count, snapshot)
        expected = list(range(start, min(total, start + count - 1) + 1))
        assert [line.n for line in got] == expected
        assert [line.text for line in got] == [f"line {n}" for n in expected]
    assert store.lines.lines(TASK, total + 1, 5, snapshot) == []


def test_lines_keep_their_stream_and_tabs_in_their_text(store: LogStore) -> None:
    store.append([out(1, "a\tb\n"), out(2, "oops\n", record.STDERR)])
    got = store.lines.lines(TASK, 1, 10, store.lines.catch_up(TASK))
    assert [(line.text, line.stream) for line in got] == [("a\tb", "stdout"), ("oops", "stderr")]


def test_a_long_log_is_indexed_in_bounded_steps_with_the_same_result(store: LogStore) -> None:
    records = [out(seq, f"{seq}\n") for seq in range(1, 2 * BATCH_RECORDS + 10)]
    store.append(records)
    snapshot = store.lines.catch_up(TASK)
    assert snapshot.cursor == len(records)
    assert [line.text for line in store.lines.lines(TASK, 1, 5000, snapshot)] == [
        str(r.seq) for r in records
    ]


def test_a_lost_index_is_rebuilt_from_the_log_on_the_next_read(store: LogStore) -> None:
    store.append([out(1, "a\nb\n")])
    store.lines.catch_up(TASK)
    store.redis.delete(keys.lines_meta(TASK), keys.lines_text(TASK), keys.lines_plain(TASK))
    store.redis.delete(keys.lines_marks(TASK), keys.lines_sections(TASK))
    snapshot = store.lines.catch_up(TASK)
    assert [line.text for line in store.lines.lines(TASK, 1, 10, snapshot)] == ["a", "b"]


def test_a_step_that_lost_the_race_writes_nothing(store: LogStore) -> None:
    store.append([out(1, "a\n")])
    stale = store.lines.catch_up(TASK)  # cursor 1
    store.append([out(2, "b\n")])
    store.lines.catch_up(TASK)  # another process indexed seq 2
    store.lines._step(TASK, stale)  # this one read cursor 1 before: refused
    snapshot = store.lines.catch_up(TASK)
    assert [line.text for line in store.lines.lines(TASK, 1, 10, snapshot)] == ["a", "b"]


def test_the_index_expires_with_a_finished_log(redis_url: str) -> None:
    store = LogStore.from_url(redis_url, log_ttl=3600)
    store.redis.flushdb()
    end = StatusRecord(TASK, 2, record.timestamp(), record.STATUS, "", State.SUCCESS.value, 0)
    store.append([out(1, "a\n"), end])
    store.lines.catch_up(TASK)
    assert 0 < store.redis.ttl(keys.lines_text(TASK)) <= 3600
    assert 0 < store.redis.ttl(keys.lines_meta(TASK)) <= 3600


def test_the_index_of_a_lost_task_expires_with_its_log(redis_url: str) -> None:
    store = LogStore.from_url(redis_url, log_ttl=600)
    store.redis.flushdb()
    store.create_task(TASK, "train")
    store.append([record.status(TASK, 1, State.STARTED, None, "started on n"), out(2, "a\n")])
    store.lines.catch_up(TASK)
    assert store.mark_lost(TASK, "worker lost")
    for key in store.lines.keys_of(TASK):
        if store.redis.exists(key):
            assert 0 < store.redis.ttl(key) <= 600, key
    assert 0 < store.redis.ttl(keys.lines_text(TASK)) <= 600


def test_windows_are_exact_over_blocks_of_wide_characters_and_escapes(store: LogStore) -> None:
    def line(n: int) -> str:
        return f"\x1b[1mété {n}\x1b[0m" if n % 3 else f"€ {n}"

    total = 3 * K + 7
    text = "".join(f"{line(n)}\n" for n in range(1, total + 1))
    store.append([out(1, "first\n" + text[:999]), out(2, text[999:])])
    snapshot = store.lines.catch_up(TASK)
    assert snapshot.count == total + 1
    for start in range(1, total + 2, 13):
        got = store.lines.lines(TASK, start, 3, snapshot)
        assert [g.text for g in got] == [
            "first" if n == 1 else line(n - 1) for n in range(start, min(start + 2, total + 1) + 1)
        ]
    assert (
        store.lines.plain(TASK, K + 1, K + 1, snapshot)
        == f"{line(K)}\n".replace("\x1b[1m", "").replace("\x1b[0m", "").encode()
    )


def test_the_index_knows_whether_its_plain_text_is_all_ascii(store: LogStore) -> None:
    store.append([out(1, "plain\nascii\n")])
    assert store.lines.catch_up(TASK).ascii
    store.append([out(2, "now ünïcode\n")])
    assert not store.lines.catch_up(TASK).ascii
    store.append([out(3, "ascii again\n")])
    assert not store.lines.catch_up(TASK).ascii  # for the whole string, which has some
