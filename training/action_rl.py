"""ActionRL: a preference loss only at the first action where a rejected answer leaves the accepted one.

A next-edit answer rewrites the editable region; an **action** is one hunk of that
rewrite against the region (:func:`~nxedit.model.predict.rewrite_diff.rewrite_edits`). A rejected
suggestion usually starts like what the user wanted (it copies the region's unchanged
lines, often makes the same first changes), then goes wrong at one hunk; what it writes
after that is conditioned on the mistake. So the loss looks at that one action only:

1. :func:`first_divergent_action` finds the first character where the rejected rewrite
   (R) differs from the accepted one (C): everything before it is the shared prefix.
   Each side's *divergent action* runs from there to the end of its hunk containing that
   point, or, when that point lies in a line the side copies unchanged from the region
   (the other side acts there, this one does not), to the end of that line.
2. The completions are tokenized; :func:`token_mask` marks the tokens overlapping each
   span (an empty span marks the one token where it would have started).
3. :func:`action_rl_loss` is DPO restricted to those tokens::

       loss = -log σ(β · [(Σ_{A_c} log π − log π_ref) − (Σ_{A_r} log π − log π_ref)])

   with π the model being trained and π_ref the model before this training (its sums are
   computed once, up front). Tokens of the shared prefix and after the divergent action
   are outside both sums, so they get exactly zero gradient: the prefix was right, and
   what follows a wrong action says nothing about the model's choices. DPO's pairing (the
   accepted action pushed up as the rejected one is pushed down, relative to the
   reference) keeps the model from lowering the rejected action by moving probability to
   arbitrary text, and the reference ratio keeps it near the fine-tuned model.

This module imports torch only inside the functions that need it.
"""

from __future__ import annotations

from dataclasses import dataclass

from nxedit.model.text.edits import LineEdit
from nxedit.model.predict.rewrite_diff import rewrite_edits
from nxedit.model.text.plain import common_prefix, split_lines


@dataclass(frozen=True)
class Divergence:
    """Character offsets in the two rewrites: both read the same up to ``start``; the chosen
    rewrite's divergent action ends at ``chosen_end``, the rejected one's at ``rejected_end``."""

    start: int
    chosen_end: int
    rejected_end: int


def actions(original: str, rewrite: str) -> tuple[LineEdit, ...]:
    """The hunks that turn ``original`` into ``rewrite`` (lines of ``original``)."""
    return rewrite_edits(original, 0, len(original), rewrite)


def first_divergent_action(original: str, chosen: str, rejected: str) -> Divergence | None:
    """Where ``rejected`` first departs from ``chosen`` (both rewrite ``original``), and the
    rest of the action each makes there; None when the rewrites are the same."""
    if chosen == rejected:
        return None
    start = common_prefix(chosen, rejected)
    return Divergence(start, _action_end(original, chosen, start), _action_end(original, rejected, start))


def _action_end(original: str, rewrite: str, at: int) -> int:
    """The end of the hunk of ``rewrite`` that character ``at`` lies in; if ``at`` is in a line
    copied unchanged from ``original``, the end of that line (declining to act there)."""
    lines = split_lines(original)
    shift = 0  # characters the hunks so far added to the rewrite
    for a in actions(original, rewrite):
        begin = len("".join(lines[: a.start_line])) + shift
        if begin > at:
            break
        end = begin + len(a.new_text)
        if at < end:
            return end
        shift += len(a.new_text) - len("".join(lines[a.start_line : a.end_line]))
    newline = rewrite.find("\n", at)
    return len(rewrite) if newline < 0 else newline + 1


def token_mask(offsets: list[tuple[int, int]], start: int, end: int, extra: int = 1) -> list[int]:
    """1 for the tokens (character ``offsets`` in a completion) overlapping ``[start, end)``.

    ``extra`` tokens follow the completion's own (its end-of-sequence token): an empty span
    at the very end marks that one, the point where the answer stops.
    """
    n = len(offsets) + extra
    mask = [0] * n
    if end > start:
        for t, (a, b) in enumerate(offsets):
            if a < end and b > start:
                mask[t] = 1
        return mask
    for t, (a, b) in enumerate(offsets):  # the token at (or first after) the empty span
        if b > start:
            mask[t] = 1
            return mask
    if n > len(offsets):
        mask[len(offsets)] = 1
    return mask


def action_rl_loss(
    chosen_logps, rejected_logps, chosen_mask, rejected_mask, ref_chosen, ref_rejected, beta: float = 0.1
):
    """ActionRL's loss (mean over the batch) and the per-pair margins β·(Δ_chosen − Δ_rejected).

    ``*_logps``: per-token log-probabilities of each completion's tokens ``[B, T]``;
    ``*_mask``: its divergent action's tokens ``[B, T]`` (1/0); ``ref_*``: the reference
    model's summed log-probabilities over the same tokens ``[B]``.
    """
    import torch
    import torch.nn.functional as F

    zero = torch.zeros((), dtype=chosen_logps.dtype, device=chosen_logps.device)
    chosen = torch.where(chosen_mask.bool(), chosen_logps, zero).sum(-1)
    rejected = torch.where(rejected_mask.bool(), rejected_logps, zero).sum(-1)
    margins = beta * ((chosen - ref_chosen) - (rejected - ref_rejected))
    return -F.logsigmoid(margins).mean(), margins.detach()
