"""nxedit train dataset: examples from the history store, git history and synthesized code;
private files excluded, near-duplicates dropped, the split disjoint by file and by time."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from nxedit.model.text.edits import LineEdit
from nxedit.model.predict.prompts import get_format
from nxedit.model.history.store import HistoryStore
from nxedit.model.predict.suggestion import Outcome, Suggestion
from nxedit.model.text.plain import apply_line_edits, split_lines
from nxedit.training import history_data
from nxedit.training.cli import main as train
from nxedit.training.dedup import NearDuplicates, fingerprint_text
from nxedit.training.examples import context_of, read_jsonl, region_rewrite
from nxedit.training.split import split_by_time_and_file
from recorded_history import commit, new_repo, record


def module(name: str, var: str) -> str:
    """A file of small functions, each using ``var`` once, far enough apart to be separate hunks."""
    return "".join(
        f"def {name}_{i}({var}):\n    total = {var} + {i}\n    return total\n\n\n\n" for i in range(5)
    )


def rows(out: Path) -> dict[str, list[dict]]:
    return {s: list(read_jsonl(out / f"{s}.jsonl")) for s in ("train", "validation")}


@pytest.fixture
def repo(tmp_path):
    repo = new_repo(tmp_path / "shop")
    names = ["orders", "stock", "prices", "users", "mail", "secrets"]
    commit(repo, {f"{n}.py": module(n, "x") for n in names}, "start", when=1_700_000_000)
    for i, n in enumerate(names):  # one commit per file: x -> amount in every function
        commit(repo, {f"{n}.py": module(n, "amount")}, f"rename in {n}", when=1_700_000_000 + 1000 * (i + 1))
    return repo


def test_git_examples_are_cut_like_the_benchmark_and_split_by_file_and_time(repo, tmp_path, capsys):
    out = tmp_path / "data"
    assert (
        train(
            [
                "dataset",
                "--git",
                str(repo),
                "--out",
                str(out),
                "--val-fraction",
                "0.25",
                "--cases-per-commit",
                "3",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    got = rows(out)
    everything = got["train"] + got["validation"]
    assert everything and got["validation"]
    assert not any(r["path"] == "secrets.py" for r in everything)  # a secret file never becomes an example
    assert {r["file"] for r in got["train"]}.isdisjoint({r["file"] for r in got["validation"]})
    assert min(r["time"] for r in got["validation"]) >= max(r["time"] for r in got["train"])  # newest commits
    fmt = get_format("zeta")
    for r in everything:
        assert r["source"] == "git" and r["format"] == "zeta" and r["meta"]["category"] == "rename"
        after = apply_line_edits(r["request"]["current"], [r["expected"][r["target"]]])
        assert "amount" in after and after != r["request"]["current"]
        ctx = context_of(r["request"], fmt)
        assert r["completion"] == fmt.render_target(
            ctx, region_rewrite(ctx, after)
        )  # the editor's own renderer
        assert r["prompt"] == fmt.render(ctx)
        for h in r["request"]["history"]:  # the history replays: each hunk's new lines are in the buffer
            assert "amount" in h["new_text"] and "x" in h["old_text"]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["split"]["train"] == len(got["train"]) and stats["split"]["validation"] == len(
        got["validation"]
    )
    assert stats["by_source"]["git"]["python"] == len(everything)
    assert "split       train" in printed and "tokens      prompt" in printed
    assert printed.strip().splitlines()[-1].startswith(f"dataset: {len(everything)} examples")


def test_several_formats_render_each_example_in_one_of_them(repo, tmp_path):
    out = tmp_path / "data"
    assert train(["dataset", "--git", str(repo), "--out", str(out), "--format", "zeta,sweep"]) == 0
    everything = [r for rs in rows(out).values() for r in rs]
    assert {r["format"] for r in everything} == {"zeta", "sweep"}
    for r in everything:  # each in its own format, as the editor renders it
        fmt = get_format(r["format"])
        ctx = context_of(r["request"], fmt)
        after = apply_line_edits(r["request"]["current"], [r["expected"][r["target"]]])
        assert r["prompt"] == fmt.render(ctx) and r["completion"] == fmt.render_target(ctx, region_rewrite(ctx, after))
    assert json.loads((out / "stats.json").read_text())["format"] == "zeta,sweep"
    assert train(["dataset", "--git", str(repo), "--out", str(out), "--format", "zeta,nope"]) == 1


def test_a_second_run_reuses_the_collected_source(repo, tmp_path, monkeypatch):
    out = tmp_path / "data"
    assert train(["dataset", "--git", str(repo), "--out", str(out)]) == 0
    first = (out / "train.jsonl").read_text()
    from nxedit.training import git_history

    monkeypatch.setattr(git_history, "commit_hunks", lambda *a: pytest.fail("the git walk ran again"))
    assert train(["dataset", "--git", str(repo), "--out", str(out)]) == 0
    assert (out / "train.jsonl").read_text() == first


GEOMETRY = "def area(w, h):\n    return w * h\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)  # a project root
    return root


def test_history_examples_rebuild_the_buffer_before_each_edit(project, tmp_path, nxedit_home):
    (nxedit_home / "config").mkdir(exist_ok=True)
    (nxedit_home / "config" / "config.toml").write_text('[history]\nprivate_globs = ["notes.py"]\n')
    store = HistoryStore(privacy=history_data.PrivacyRules())  # recorded before notes.py became private
    steps = [
        ("def area(w, h):\n", "def area(width, h):\n"),
        ("    return w * h\n", "    return width * h\n"),
        ("def perimeter(w, h):\n", "def perimeter(width, h):\n"),
    ]
    final, t = record(store, project / "geometry.py", GEOMETRY, steps, 1000.0)
    record(store, project / "notes.py", GEOMETRY, steps[:2], t)
    record(store, project / ".env", "A=1\nB=2\n", [("A=1\n", "A=2\n"), ("B=2\n", "B=3\n")], t + 10)
    assert store.close()
    out = tmp_path / "data"
    assert train(["dataset", "--history", "--out", str(out)]) == 0
    got = rows(out)["train"] + rows(out)["validation"]
    assert {r["path"] for r in got} == {"geometry.py"}  # .env never recorded; notes.py private now
    by_new = {r["expected"][0]["new_text"]: r for r in got}
    second = by_new["    return width * h\n"]  # the first edit has no earlier edit: no cursor, no example
    assert second["request"]["current"] == GEOMETRY.replace("def area(w, h)", "def area(width, h)")
    assert second["request"]["history"] == [
        {"start_line": 0, "old_text": steps[0][0], "new_text": steps[0][1]}
    ]
    assert second["request"]["cursor"] == {"line": 0, "column": len("def area(width, h):")}
    assert second["expected"] == [{"start_line": 1, "end_line": 2, "new_text": "    return width * h\n"}]
    assert "    return width * h" in second["completion"] and "return w * h" in second["prompt"]
    third = by_new["def perimeter(width, h):\n"]
    assert len(third["request"]["history"]) == 2
    assert apply_line_edits(third["request"]["current"], third["expected"]) == final

    from nxedit.model.history.cli import main as history  # the export file gives the same examples

    assert history(["export", "--jsonl", "-o", str(tmp_path / "export.jsonl")]) == 0
    assert (
        train(["dataset", "--history-export", str(tmp_path / "export.jsonl"), "--out", str(tmp_path / "d2")])
        == 0
    )
    assert rows(tmp_path / "d2") == rows(out)


def event(start, old, new, t):
    return {
        "type": "event",
        "start_line": start,
        "old_text": old,
        "new_text": new,
        "t_start": t,
        "t_end": t + 0.5,
    }


def test_rebuild_undoes_saved_edits_and_redoes_unsaved_ones():
    texts = ["a\nb\nc\nd\n", "A\nb\nc\nd\n", "A\nb\nC\nd\n", "A\nb\nC\nD\n"]
    events = [event(0, "a\n", "A\n", 10), event(2, "c\n", "C\n", 20), event(3, "d\n", "D\n", 30)]
    assert history_data.rebuild(events, texts[3], saved_at=40) == texts
    assert history_data.rebuild(events, texts[3]) == texts
    assert history_data.rebuild(events, texts[2], saved_at=25) == texts  # the last edit was never saved
    assert history_data.rebuild(events, texts[0], saved_at=5) == texts  # nothing was saved
    changed = "A\nb\nX\nY\n"  # rewritten outside the editor afterwards: nothing matches
    assert history_data.rebuild(events, changed, saved_at=50) == [None] * 4
    broken = [*events[:2], event(3, "x\n", "D\n", 30)]  # an edit that does not fit: the chain stops there
    assert history_data.rebuild(broken, texts[2], saved_at=25) == [*texts[:3], None]
    assert history_data.rebuild(events, None) == [None] * 4


def test_rejected_suggestions_become_kto_labels_and_actionrl_pairs(project, tmp_path):
    store = HistoryStore()
    path = project / "geometry.py"
    first = [("def area(w, h):\n", "def area(width, h):\n")]
    current, t = record(store, path, GEOMETRY, first, 1000.0, write=False)
    request = {
        "path": "geometry.py",
        "language": "python",
        "current": current,
        "cursor": {"line": 0, "column": 19},
        "history": [{"start_line": 0, "old_text": first[0][0], "new_text": first[0][1]}],
    }
    wrong = Suggestion((LineEdit(1, 2, "    return w * height\n"),), "model:test", 0.4)
    store.submit_suggestion(wrong, request, t, str(path))
    store.submit_outcome(Outcome(wrong.id, "rejected", t, t + 0.5))
    right = Suggestion((LineEdit(4, 5, "def perimeter(width, h):\n"),), "structural:rename", 0.9)
    store.submit_suggestion(right, request, t + 0.1, str(path))
    store.submit_outcome(Outcome(right.id, "accepted", t + 0.1, t + 0.6))
    record(store, path, current, [("    return w * h\n", "    return width * h\n")], t + 1)
    assert store.close()
    out = tmp_path / "data"
    assert train(["dataset", "--history", "--out", str(out)]) == 0
    prefs = list(read_jsonl(out / "prefs.jsonl"))
    # the region's lines in each completion (the format decides what surrounds them)
    kto = {(line, r["label"]) for r in prefs if r["kind"] == "kto" for line in r["completion"].split("\n")}
    assert ("    return w * height", False) in kto and ("    return width * h", True) in kto
    assert any(
        "def perimeter(width, h):" in r["completion"] and r["label"] for r in prefs if r["kind"] == "kto"
    )
    (pair,) = [r for r in prefs if r["kind"] == "pair"]
    start, chosen_end, rejected_end = pair["span"]
    assert pair["chosen"][:start] == pair["rejected"][:start]  # the shared prefix
    assert (
        pair["chosen"][start:chosen_end] == "idth * h\n"
        and pair["rejected"][start:rejected_end] == " * height\n"
    )


def test_a_suggestion_on_a_buffer_that_cannot_be_rebuilt_uses_its_stored_excerpt(project, tmp_path):
    store = HistoryStore()
    lines = [f"value_{i} = {i}\n" for i in range(120)]
    request = {
        "path": "gone.py",
        "language": "python",
        "current": "".join(lines),
        "cursor": {"line": 100, "column": 0},
        "history": [{"start_line": 99, "old_text": "value_99 = 0\n", "new_text": "value_99 = 99\n"}],
    }
    s = Suggestion((LineEdit(101, 102, "value_101 = 101  # checked\n"),), "model:test", 0.7)
    store.submit_suggestion(s, request, 5000.0, str(project / "gone.py"))  # no such file on disk any more
    store.submit_outcome(Outcome(s.id, "accepted", 5000.0, 5001.0))
    assert store.close()
    out = tmp_path / "data"
    assert train(["dataset", "--history", "--out", str(out)]) == 0
    (row,) = list(read_jsonl(out / "prefs.jsonl"))
    assert row["label"] is True and row["meta"]["partial"] is True
    assert "value_101 = 101  # checked" in row["completion"]
    assert (
        "value_5 = 5" not in row["prompt"] and "value_99 = 99" in row["prompt"]
    )  # the excerpt: 40 lines around


PY_CODE = """\
import os
from pathlib import Path


def load(folder, name):
    path = Path(folder) / name
    text = path.read_text()
    return text.strip()


def save(folder, name, text):
    target = os.path.join(folder, name)
    with open(target, "w") as f:
        f.write(text)
    return target


def copy(folder, a, b):
    save(folder, b, load(folder, a))
    return load(folder, b)
"""

GO_CODE = """\
package store

import (
\t"fmt"
\t"strings"
)

func Load(folder string, name string) string {
\tpath := folder + "/" + name
\treturn strings.TrimSpace(path)
}

func Describe(folder string, name string) string {
\tloaded := Load(folder, name)
\treturn fmt.Sprintf("%s: %s", name, loaded)
}

func Twice(folder string) string {
\treturn Load(folder, "a") + Load(folder, "b")
}
"""


def test_synthesized_examples_rename_add_a_parameter_and_import(tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "files.py").write_text(PY_CODE)
    (code / "store.go").write_text(GO_CODE)
    (code / "secret.py").write_text(PY_CODE)  # private: never read
    out = tmp_path / "data"
    assert train(["dataset", "--code", str(code), "--out", str(out), "--format", "sweep"]) == 0
    got = rows(out)
    assert not got["validation"]  # made-up edits train; they never validate
    by_kind = {}
    for r in got["train"]:
        by_kind.setdefault((r["language"], r["meta"]["kind"]), []).append(r)
        assert r["path"] in ("files.py", "store.go") and r["source"] == "synthetic"
    assert {kind for _, kind in by_kind} == {"rename", "parameter", "import"}
    for r in by_kind[("python", "parameter")]:  # the definition first, then a call site
        first = r["request"]["history"][0]
        assert first["old_text"].startswith("def ") and first["new_text"].count("=None") == 1
        assert all("=" in e["new_text"] and "(" in e["new_text"] for e in r["expected"])
    for r in by_kind[("python", "import")]:  # a line using the name was written, then the import comes
        (written,) = r["request"]["history"]
        (imported,) = r["expected"]
        assert (
            imported["new_text"].startswith(("import ", "from "))
            and imported["start_line"] < written["start_line"]
        )
    for r in by_kind[("go", "rename")]:
        old, new = r["request"]["history"][0]["old_text"], r["request"]["history"][0]["new_text"]
        assert old != new and len(split_lines(old)) == len(split_lines(new))
        assert any(e["new_text"] != "" for e in r["expected"])


def test_near_duplicates_are_the_same_edit_not_the_same_place():
    seen = NearDuplicates(0.8)
    current = "def f(a):\n    return a\n\n\ndef g(b):\n    return b\n"
    fix = {"start_line": 1, "end_line": 2, "new_text": "    return a + 1\n"}
    assert not seen.seen(fingerprint_text(current, fix))
    assert seen.seen(fingerprint_text("# another file\n" + current, {**fix, "start_line": 2, "end_line": 3}))
    other = {
        "start_line": 1,
        "end_line": 2,
        "new_text": "    raise ValueError(a)\n",
    }  # same place, other edit
    assert not seen.seen(fingerprint_text(current, other))


def test_the_split_keeps_files_apart_and_validates_only_the_newest_real_edits():
    times = [1, 2, 3, 4, 5, 6, 7, 8, None, None]
    files = ["a", "a", "b", "b", "a", "c", "c", "c", "c", "d"]
    split = split_by_time_and_file(times, files, val_fraction=0.25)
    labels = dict(enumerate(split.labels))
    val_files = {files[i] for i, s in labels.items() if s == "validation"}
    train_files = {files[i] for i, s in labels.items() if s == "train"}
    assert val_files == {"c"} and val_files.isdisjoint(train_files)
    assert [labels[i] for i in (5, 6, 7, 8)] == ["dropped", "validation", "validation", "dropped"]
    assert labels[9] == "train"  # made-up examples never validate
    assert split_by_time_and_file([1, 2], ["a", "a"]).labels == [
        "train",
        "train",
    ]  # one file: nothing to hold out


def test_help_and_a_dry_run_do_not_import_torch(repo, tmp_path):
    code = (
        "import sys\n"
        "from nxedit.editor.cli import main\n"
        f"argv = ['train', 'dataset', '--git', {str(repo)!r}, '--out', {str(tmp_path / 'd')!r}]\n"
        "argv.append('--dry-run')\n"
        "assert main(argv) == 0\n"
        "try:\n    main(['train', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'peft', 'trl', 'accelerate') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "dry run: would write" in done.stdout and not (tmp_path / "d" / "train.jsonl").exists()


def test_a_dataset_in_the_cache_ordered_format_trains_what_the_editor_sends(tmp_path):
    """``--format zeta-cache``: prompts in cache order (region last), answers between Zeta's
    markers that the format's parser reads back as the expected edit."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "files.py").write_text(PY_CODE)
    (code / "store.go").write_text(GO_CODE)
    out = tmp_path / "data"
    assert train(["dataset", "--code", str(code), "--out", str(out), "--format", "zeta-cache"]) == 0
    got = rows(out)["train"]
    assert got
    fmt = get_format("zeta-cache")
    for r in got:
        assert r["format"] == "zeta-cache"
        assert r["prompt"].index("<|editable_region|>") < r["prompt"].index("### Editable Region:")
        assert r["completion"].startswith("<|editable_region_start|>\n")
        ctx = context_of(r["request"], fmt)
        answer = r["completion"].split("<|editable_region_end|>", 1)[0]
        parsed = fmt.parse(answer, ctx)
        after = apply_line_edits(ctx.current, [e.to_dict() for e in parsed.edits])
        assert after == apply_line_edits(ctx.current, [r["expected"][r["target"]]])


def test_a_step_whose_train_extra_is_missing_says_so_in_one_line(monkeypatch, capsys):
    """`nxedit train sft` (any step) where torch is not installed: one line naming the extra."""
    from nxedit.training import cli, sft

    def missing(cfg):
        raise ModuleNotFoundError("No module named 'torch'", name="torch")

    monkeypatch.setattr(sft, "run", missing)
    assert cli.main(["sft", "--dry-run"]) == 1
    assert capsys.readouterr().err == "nxedit train sft: needs torch (the train extra): pip install 'nxedit[train]'\n"

    def broken(cfg):  # a missing module that is not the extra's is a bug: it stays a traceback
        raise ModuleNotFoundError("No module named 'nxedit.nothing'", name="nxedit.nothing")

    monkeypatch.setattr(sft, "run", broken)
    with pytest.raises(ModuleNotFoundError):
        cli.main(["sft", "--dry-run"])
