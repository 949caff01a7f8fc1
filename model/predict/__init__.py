"""Next-edit prediction: requests, suggestions, the predictors (structural engine, model backends, prompt formats) and ``nxedit predict``."""
