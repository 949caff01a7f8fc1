"""Changes since the last commit: gutter marks, next/previous change, the branch."""
