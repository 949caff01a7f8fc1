"""Tiny causal language models for the tests: a byte-level BPE tokenizer learned from the
test's own texts and a 2-layer Qwen2 built from a config, saved as a model folder the
transformers backend and the training steps load like any other. Nothing is downloaded."""

from pathlib import Path

EOS = "<|endoftext|>"
# training options for a few quick updates on a tiny model: small batches, the same rate throughout
QUICK_RUN = {"batch_size": 2, "grad_accum": 1, "logging_steps": 1, "save_steps": 1000, "warmup": 0.0,
             "schedule": "constant_with_warmup"}


def make_tokenizer(texts, folder: Path, vocab_size: int = 400):
    """A byte-level BPE learned from ``texts``, saved in ``folder``; returns the loaded
    tokenizer (the tokenization the backend will use)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=[EOS], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(list(texts), trainer)
    PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token=EOS, pad_token=EOS).save_pretrained(folder)
    return AutoTokenizer.from_pretrained(folder)


def make_model(
    folder: Path,
    texts,
    seed: int = 0,
    hidden: int = 64,
    vocab_size: int = 400,
    init_range: float = 0.02,
    intermediate: int | None = None,
):
    """A random 2-layer Qwen2 and its tokenizer saved in ``folder``; returns (model, tokenizer)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    tok_probe = make_tokenizer(texts, folder, vocab_size)
    config = Qwen2Config(
        vocab_size=len(tok_probe),
        hidden_size=hidden,
        intermediate_size=intermediate or 2 * hidden,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        eos_token_id=tok_probe.eos_token_id,
        pad_token_id=tok_probe.eos_token_id,
        tie_word_embeddings=True,
        initializer_range=init_range,
    )
    config.save_pretrained(folder)  # AutoTokenizer picks its class from the model type
    model = Qwen2ForCausalLM(config)
    model.save_pretrained(folder)
    from transformers import AutoTokenizer

    # reloaded now that the folder says qwen2: the tokenizer class (and its pre-tokenizer)
    # the backend will load, so the model is taught the ids it will be prompted with
    return model, AutoTokenizer.from_pretrained(folder)


def teach(model, tokenizer, pairs, steps: int = 300, lr: float = 3e-3, until: float = 0.01):
    """Train ``model`` until it answers each ``(prompt, completion)`` pair (loss on the answer)."""
    import torch

    rows = []
    for prompt, completion in pairs:
        p = tokenizer(prompt, add_special_tokens=False).input_ids
        c = tokenizer(completion, add_special_tokens=False).input_ids + [tokenizer.eos_token_id]
        ids = torch.tensor([p + c])
        labels = ids.clone()
        labels[0, : len(p)] = -100  # learn the answer only
        rows.append((ids, labels))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        total = 0.0
        for ids, labels in rows:
            loss = model(input_ids=ids, labels=labels).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        if total / len(rows) < until:
            break
    model.eval()
    return model
