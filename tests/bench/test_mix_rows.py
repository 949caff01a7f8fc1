"""bench/mix_rows.py: the training set of a stacked LoRA run, sampled (seeded) by format from
dataset folders, leaving out rows an earlier run trained on."""

import json
from collections import Counter

import pytest

from bench_scripts import load_bench

mix_rows = load_bench("mix_rows")


def dataset(folder, formats: dict[str, int]):
    folder.mkdir()
    rows = [{"id": f"{fmt}:{i}", "format": fmt, "prompt": "ü" * i, "completion": ""}
            for fmt, n in formats.items() for i in range(n)]
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "validation.jsonl").write_text(f'{{"id": "{folder.name}"}}\n')
    return folder


def ids(path):
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def test_takes_so_many_of_each_format_and_skips_what_an_earlier_run_trained_on(tmp_path):
    new = dataset(tmp_path / "data2", {"sweep": 30, "instinct": 20})
    old = dataset(tmp_path / "data", {"zeta": 10})
    first = tmp_path / "mix2"
    assert mix_rows.main([str(first), "--seed", "1", f"{new}:sweep:20", f"{old}:zeta:4"]) == 0
    assert Counter(i.split(":")[0] for i in ids(first / "train.jsonl")) == {"sweep": 20, "zeta": 4}
    assert (first / "validation.jsonl").read_text() == '{"id": "data2"}\n'
    # the same seed, the same rows (and in the same order); rows re-serialized still count as taken
    again = tmp_path / "again"
    assert mix_rows.main([str(again), "--seed", "1", f"{new}:sweep:20", f"{old}:zeta:4"]) == 0
    assert ids(again / "train.jsonl") == ids(first / "train.jsonl")
    taken = tmp_path / "taken.jsonl"
    taken.write_text("".join(json.dumps(json.loads(x), ensure_ascii=False, indent=None, separators=(",", ":")) + "\n"
                             for x in (first / "train.jsonl").read_text().splitlines()))
    second = tmp_path / "mix3"
    assert mix_rows.main([str(second), "--seed", "2", "--skip", f"{new}={taken}",
                          f"{new}:sweep:10", f"{old}:zeta:10"]) == 0
    sweep = {i for i in ids(second / "train.jsonl") if i.startswith("sweep")}
    assert len(sweep) == 10 and not sweep & set(ids(first / "train.jsonl"))
    # the skip is for data2's rows only: all of data's zeta rows may be taken again
    assert sum(i.startswith("zeta") for i in ids(second / "train.jsonl")) == 10
    with pytest.raises(SystemExit):
        mix_rows.main([str(tmp_path / "x"), "--seed", "3", "--skip", f"{new}={taken}", f"{new}:sweep:11"])
