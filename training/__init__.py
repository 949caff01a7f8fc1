"""Datasets, fine-tuning, preference training, evaluation and export for the next-edit model."""
