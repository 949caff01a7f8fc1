"""Version control: what git says about the project (branch, the committed text) and line diffs."""
