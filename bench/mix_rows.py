"""A training set for a LoRA run stacked on an earlier one: so many rows of each format, sampled
(seeded) from `nxedit train dataset` folders, shuffled, with the first folder's validation rows.

    python bench/mix_rows.py OUT --seed 17 DATA2:instinct:110 DATA2:sweep:90 DATA:zeta:25 DATA:chat:15
    python bench/mix_rows.py OUT --seed 18 --skip DATA2=RUN2MIX/train.jsonl DATA2:sweep:150 ...

Samples are drawn in the order given, from one random generator; ``--skip DATA=JSONL`` leaves
out the rows of DATA that an earlier run trained on (JSONL, compared as JSON values).
bench/fit_small_model.sh uses it.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def key(line: str) -> str:
    return json.dumps(json.loads(line), sort_keys=True)


def rows(path: Path, fmt: str, skip: set[str]) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if json.loads(line)["format"] == fmt and key(line) not in skip]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("takes", nargs="+", metavar="DATA:FORMAT:N")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--skip", action="append", default=[], metavar="DATA=JSONL",
                        help="rows of DATA not to take again (an earlier run's train.jsonl)")
    args = parser.parse_args(argv)
    skip: dict[Path, set[str]] = {}
    for item in args.skip:
        data, _, path = item.partition("=")
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        skip.setdefault(Path(data), set()).update(key(line) for line in lines)
    rnd = random.Random(args.seed)
    pick: list[str] = []
    for take in args.takes:
        data, fmt, n = take.rsplit(":", 2)
        pool = rows(Path(data) / "train.jsonl", fmt, skip.get(Path(data), set()))
        if len(pool) < int(n):
            parser.error(f"{data} has {len(pool)} {fmt} rows to take, not {n}")
        pick += rnd.sample(pool, int(n))
    rnd.shuffle(pick)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "train.jsonl").write_text("\n".join(pick) + "\n", encoding="utf-8")
    first = Path(args.takes[0].rsplit(":", 2)[0])
    (args.out / "validation.jsonl").write_bytes((first / "validation.jsonl").read_bytes())
    print(f"{args.out}: {len(pick)} rows ({', '.join(args.takes)}), validation from {first}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
