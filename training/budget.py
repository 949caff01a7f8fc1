"""Whether a training method fits the memory at hand, decided before the model loads.

Prints each method's estimate (:mod:`nxedit.training.memory`) and the memory there is,
then picks the method (``--method auto``: full-precision LoRA where it fits, else QLoRA)
or refuses with one line naming the option that would fit, instead of an out-of-memory
crash after minutes of loading.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from .cli import TrainError
from .memory import GiB, Architecture, Estimate, estimate, gib

HEADROOM = 0.9  # of the free memory: the allocator's fragmentation and CUDA's workspaces
AUTO_ORDER = ("lora", "qlora")  # SeleKT is a different recipe: only when asked for


@dataclass(frozen=True)
class Device:
    name: str
    free: float  # bytes
    gpu: bool

    def describe(self) -> str:
        what = "this GPU" if self.gpu else "this machine (no CUDA GPU: RAM)"
        return f"{what} has {gib(self.free)} free"


def free_ram() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            info = dict(line.split(":", 1) for line in f)
        return int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def device(plan_gib: float | None = None) -> Device:
    """The training device and its free memory (``plan_gib``: plan for that much instead)."""
    import torch

    if torch.cuda.is_available():
        free, _ = torch.cuda.mem_get_info()  # after this process's own CUDA context
        name = torch.cuda.get_device_name()
        gpu = True
    else:
        free, name, gpu = free_ram(), "CPU", False
    if plan_gib is not None:  # planning for a GPU (bf16), whatever this machine has
        return Device(f"a GPU with {plan_gib:g} GiB free (--memory)", plan_gib * GiB, True)
    return Device(name, free, gpu)


def fits(e: Estimate, dev: Device) -> bool:
    return e.total <= dev.free * HEADROOM


def choose(
    requested: str,
    estimates: dict[str, Estimate],
    dev: Device,
    model: str,
    unavailable: dict[str, str],
    hint: Callable[[str], str],
    alternatives: tuple[str, ...] = AUTO_ORDER,
    flag: str = "--method",
    labels: dict[str, str] | None = None,
) -> tuple[str, str]:
    """``(method, reason)`` for ``requested`` (a method or ``auto``), or TrainError with the
    one-line refusal. ``unavailable`` maps a method to why it cannot run here at all;
    ``hint(method)`` says what would make a method fit when no other method does;
    ``alternatives`` are the methods a refusal may suggest (as ``flag NAME``, ``labels``
    renaming them)."""
    labels = {"selekt": "SeleKT", **(labels or {})}
    if requested != "auto" and requested in unavailable:
        raise TrainError(f"{flag} {requested} cannot run here: {unavailable[requested]}")
    wanted = AUTO_ORDER if requested == "auto" else (requested,)
    candidates = [m for m in wanted if m not in unavailable]
    for method in candidates:
        e = estimates[method]
        if fits(e, dev):
            passed = [
                f"{m} needs ~{gib(estimates[m].total)}" if m not in unavailable else f"no {m}: {unavailable[m]}"
                for m in wanted[: wanted.index(method)]
            ]
            lead = "; ".join(passed) + ", " if passed else ""
            return method, f"{lead}{method} needs ~{gib(e.total)}; {dev.describe()}: training with {method}"
    asked = candidates[-1] if candidates else "qlora"
    other = next(
        (m for m in alternatives if m != asked and m not in unavailable and fits(estimates[m], dev)), None
    )
    head = f"{labels.get(asked, asked)} on {model} needs ~{gib(estimates[asked].total)}; {dev.describe()}"
    if other:
        name = labels.get(other, other) if flag != "--method" else other
        raise TrainError(f"{head}: use {flag} {name} (~{gib(estimates[other].total)})")
    extra = f" (QLoRA would need {unavailable['qlora']})" if "qlora" in unavailable and "qlora" in alternatives else ""
    raise TrainError(f"{head}: {hint(asked)}{extra}")


def shrink_hint(arch: Architecture, method: str, dev: Device, *, seq_len: int, batch: int, **kw) -> str:
    """The smallest change of checkpointing, batch or sequence length that makes ``method``
    fit, as the options to pass (or why none does)."""
    kw = dict(kw)
    flags = []
    if not kw.get("checkpointing"):
        kw["checkpointing"] = True
        flags.append("--gradient-checkpointing")
        if fits(estimate(arch, method, seq_len=seq_len, batch=batch, **kw), dev):
            return "use " + " ".join(flags)
    if batch > 1:
        batch = 1
        flags.insert(0, "--batch-size 1")
        if fits(estimate(arch, method, seq_len=seq_len, batch=batch, **kw), dev):
            return "use " + " ".join(flags)
    length = seq_len
    while length > 256:
        length //= 2
        if fits(estimate(arch, method, seq_len=length, batch=1, **kw), dev):
            return "use " + " ".join([*flags, f"--max-length {length}"]) + " (longer examples are skipped)"
    static = estimate(arch, method, seq_len=0, batch=1, **kw).total
    return f"the weights alone need ~{gib(static)}: a GPU with more memory, or several (accelerate, DeepSpeed)"


def report(estimates: dict[str, Estimate], dev: Device, arch: Architecture, options: dict) -> list[str]:
    """The lines the memory check prints: what it assumed (``options``: estimate's keyword
    arguments), each method, the device."""
    lines = [
        f"memory for {arch.name} ({arch.billions:.2f}B parameters), {options['batch']} x "
        f"{options['seq_len']} tokens{completions(options)}, gradient checkpointing "
        f"{'on' if options['checkpointing'] else 'off'}:"
    ]
    lines += ["  " + e.line() for e in estimates.values()]
    lines.append(f"  {dev.name}: {gib(dev.free)} free (methods must fit in {HEADROOM:.0%} of it)")
    return lines


def completions(options: dict) -> str:
    head = options.get("head_len")
    return f" (logits for the last {head})" if head and head < options["seq_len"] else ""
