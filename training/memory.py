"""How much memory a training method needs, worked out before anything is loaded.

The model's shape comes from its config (the model is built on PyTorch's ``meta`` device:
every parameter's shape, no memory), so the numbers hold for any decoder transformers
knows. Per method, for one device without DeepSpeed:

* **weights**: every parameter in the compute dtype (bf16 on a GPU that has it, fp32 on a
  CPU); QLoRA: the decoder's linear layers in NF4 (4 bits, plus one 8-bit scale per 64
  weights and one fp32 scale per 256 of those: double quantization), the rest in bf16;
  the LoRA adapters in fp32 (peft keeps them there).
* **gradients**: one per trainable entry (the adapters, or for SeleKT every weight).
* **optimizer**: AdamW's two moments per trainable entry, in the trainable dtype.
* **activations**: what autograd keeps for the backward pass, per token and decoder
  layer (``LAYER_BYTES``: counted with ``torch.autograd.graph.saved_tensors_hooks`` on
  transformers 5 / peft 0.21 decoder layers), all layers or, with gradient checkpointing,
  each layer's input plus one layer recomputed; then the output layer's logits and the
  loss (``HEAD_BYTES`` per token and vocabulary entry: the logits, their fp32 copy,
  log-softmax and its gradient; sft computes them for the completion's tokens only),
  and the largest passing copy (a dequantized NF4 weight,
  or SeleKT's per-tensor sparsification).

tests/training/test_memory.py holds the total within 25% of a measured peak (resident
memory of a real run on the CPU) and the 7B figures near published ones;
``bench/train_gpu.py`` prints estimate and measured peak side by side on a GPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

GiB = 2**30
METHODS = ("lora", "qlora", "selekt")

# Bytes autograd keeps per token and decoder layer, as (per hidden, per intermediate, per
# key/value width), by (tuning, compute bytes, LoRA dropout on). LoRA keeps fewer of the
# frozen weights' inputs than a full fine-tune but each adapter its own dropped-out input
# (in fp32: peft casts the input to the adapters' dtype); in bf16 the RMSNorms still
# compute in fp32.
LAYER_BYTES = {
    ("full", 4, False): (32, 16, 8),
    ("full", 2, False): (20, 8, 4),
    ("adapters", 4, True): (64, 20, 8),
    ("adapters", 2, True): (60, 14, 4),
    ("adapters", 4, False): (24, 16, 8),
    ("adapters", 2, False): (36, 10, 4),
}
# logits (compute dtype) + fp32 copy + log-softmax kept for backward + its gradient, per vocab entry
HEAD_BYTES = {2: 14, 4: 12}
NF4_BYTES = 0.5 + 1 / 64 + 4 / (64 * 256)  # 4 bits, 8-bit absmax per 64, fp32 absmax per 256 absmax


@dataclass(frozen=True)
class Architecture:
    """What the estimate needs to know of a model, read from its config."""

    name: str
    params: int  # every distinct parameter entry (tied embeddings once)
    linear_params: int  # the decoder layers' linear weights: quantized by QLoRA, LoRA's targets
    linear_widths: int  # sum of (in + out) over those layers: LoRA entries per unit of rank
    largest_linear: int  # entries of the largest of them (dequantized at once by QLoRA)
    largest: int  # entries of the largest tensor (sparsified at once by SeleKT)
    layers: int
    hidden: int
    intermediate: int
    kv_width: int
    vocab: int

    @property
    def billions(self) -> float:
        return self.params / 1e9


def architecture(base: str) -> Architecture:
    """The shape of ``base`` (a model folder or a Hugging Face name) from its config alone."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from .cli import TrainError
    from .hf import adapter_base, is_adapter

    if is_adapter(base):  # an adapter folder: the shape is its base model's
        return architecture(adapter_base(base))
    try:
        config = AutoConfig.from_pretrained(base)
    except (OSError, ValueError) as exc:
        raise TrainError(f"cannot read the config of {base}: {str(exc).splitlines()[0]}") from None
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    output = model.get_output_embeddings()
    linears = [
        m for m in model.modules() if isinstance(m, torch.nn.Linear) and m is not output
    ]
    params = {id(p): p.numel() for p in model.parameters()}
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    heads = text.num_attention_heads
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // heads
    return Architecture(
        name=Path(str(base)).name,
        params=sum(params.values()),
        linear_params=sum(m.weight.numel() for m in linears),
        linear_widths=sum(m.in_features + m.out_features for m in linears),
        largest_linear=max((m.weight.numel() for m in linears), default=0),
        largest=max(params.values()),
        layers=text.num_hidden_layers,
        hidden=text.hidden_size,
        intermediate=getattr(text, "intermediate_size", 4 * text.hidden_size),
        kv_width=(getattr(text, "num_key_value_heads", None) or heads) * head_dim,
        vocab=text.vocab_size,
    )


@dataclass(frozen=True)
class Estimate:
    """Bytes one method needs, by kind."""

    method: str
    weights: float
    gradients: float
    optimizer: float
    activations: float

    @property
    def total(self) -> float:
        return self.weights + self.gradients + self.optimizer + self.activations

    def line(self) -> str:
        parts = ", ".join(
            f"{name} {gib(getattr(self, name))}"
            for name in ("weights", "gradients", "optimizer", "activations")
        )
        return f"{self.method:<7}~{gib(self.total):>9}  ({parts})"


def gib(n: float) -> str:
    return f"{n / GiB:.1f} GiB" if n >= GiB / 10 else f"{n / 2**20:.0f} MiB"


def estimate(
    arch: Architecture,
    method: str,
    *,
    seq_len: int,
    batch: int,
    lora_r: int = 16,
    lora_dropout: float = 0.05,
    checkpointing: bool = False,
    compute_bytes: int = 2,
    head_len: int | None = None,
) -> Estimate:
    """The memory ``method`` needs to train ``arch`` on batches of ``batch`` sequences of
    ``seq_len`` tokens, ``head_len`` of which get logits (default: all; sft computes them
    for the completion only); ``compute_bytes`` is 2 for bf16, 4 for fp32 (QLoRA always
    computes in 16 bits)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    a = 2 if method == "qlora" else compute_bytes
    tokens = seq_len * batch
    if method == "selekt":
        trainable = arch.params
        weights = arch.params * a
        grads, optimizer = trainable * a, 2 * trainable * a  # AdamW's moments in the weights' dtype
        passing = arch.largest * (3 * a + 1)  # base copy, change, |change|, kept mask of one tensor
        kind = "full"
    else:
        trainable = lora_r * arch.linear_widths
        plain = arch.params - arch.linear_params
        linear = arch.linear_params * (NF4_BYTES if method == "qlora" else a)
        weights = linear + plain * a + trainable * 4
        grads, optimizer = trainable * 4, trainable * 8
        passing = arch.largest_linear * a if method == "qlora" else 0
        kind = "adapters"
    per_hidden, per_inter, per_kv = LAYER_BYTES[(kind, a, kind == "adapters" and lora_dropout > 0)]
    layer = per_hidden * arch.hidden + per_inter * arch.intermediate + per_kv * arch.kv_width
    kept = arch.layers * a * arch.hidden + layer if checkpointing else arch.layers * layer
    head = HEAD_BYTES[a] * arch.vocab * batch * min(seq_len, head_len or seq_len)
    step = tokens * kept + head
    # SeleKT sparsifies between updates, when the activations are gone; NF4 dequantizes mid-step
    activations = max(step, passing) if method == "selekt" else step + passing
    return Estimate(method, weights, grads, optimizer, activations)
