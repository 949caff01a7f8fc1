"""The peak memory of a real training run on the CPU, measured: PyTorch's profiler records
every tensor allocation and free of the CPU allocator (the CPU's counterpart of
``torch.cuda.max_memory_allocated``); their running sum while ``Trainer.train`` runs is the
memory training holds at each moment: the weights loaded before it (allocated under the
profiler too), gradients, optimizer state, activations and passing copies. Python's own
objects and the allocator's slack are left out, as the GPU figure leaves them out."""

from contextlib import contextmanager

MARK = "nxedit-measured-training"


@contextmanager
def training_peak():
    """``with training_peak() as peak: run()``; then ``peak()`` is the largest number of
    bytes held by tensors while a Trainer trained inside the block."""
    from torch.profiler import ProfilerActivity, profile, record_function
    from transformers import Trainer

    original = Trainer.train

    def train(self, *args, **kwargs):
        with record_function(MARK):
            return original(self, *args, **kwargs)

    result = {}
    Trainer.train = train
    try:
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            yield lambda: result["peak"]
    finally:
        Trainer.train = original
    events = list(prof.profiler.kineto_results.events())
    marks = [e for e in events if e.name() == MARK]
    assert marks, "no Trainer.train ran under the probe"
    start, end = marks[-1].start_ns(), marks[-1].start_ns() + marks[-1].duration_ns()
    live = peak = 0
    for e in sorted((e for e in events if e.name() == "[memory]"), key=lambda e: e.start_ns()):
        live += e.nbytes()
        if start <= e.start_ns() <= end:
            peak = max(peak, live)
    result["peak"] = peak
