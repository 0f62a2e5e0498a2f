"""Secrets and the key ring are made by whichever process starts first; the others read a
whole file, never a half-written one (a fresh clone's test workers start together)."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

from continuum.env import create_file_once


def _race(path: str, content: str, queue: multiprocessing.Queue) -> None:
    made = create_file_once(Path(path), content)
    queue.put((made, Path(path).read_text()))


def test_one_process_writes_and_every_process_reads_it_whole(tmp_path: Path) -> None:
    target = tmp_path / "secrets" / "keyring.json"
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    contents = [f"key-{n}-" + "x" * 100_000 for n in range(6)]
    workers = [context.Process(target=_race, args=(str(target), c, queue)) for c in contents]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=60) for _worker in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sum(made for made, _read in results) == 1
    winner = target.read_text()
    assert winner in contents
    assert all(read == winner for _made, read in results)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["keyring.json"]  # no temporary left
