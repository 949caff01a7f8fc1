"""Next-edit suggestions in the editor: request jobs, predictor workers, the ghost diff, settings and recording."""
