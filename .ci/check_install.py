"""After README's first command (a non-editable install, in a venv of its own): the installed
``nxedit predict`` answers the tour's rename and ``nxedit doctor`` is happy.

Run by .ci/run with that venv's python, from outside the source tree, so only the installed
package can answer: a wheel that leaves out a folder fails here.
"""

import json
import subprocess
import sys
from pathlib import Path

bin_dir = Path(sys.executable).parent
tour = Path(sys.argv[1]).read_text(encoding="utf-8")
lines = tour.splitlines(keepends=True)
row = next(i for i, line in enumerate(lines) if "# (1)" in line)
before, after = lines[row], lines[row].replace("total", "subtotal", 1)
lines[row] = after
request = {
    "id": "ci", "path": "tour.py", "language": "python", "current": "".join(lines),
    "cursor": {"line": row, "column": after.index("subtotal") + len("subtotal")},
    "history": [{"start_line": row, "old_text": before, "new_text": after}],
}
# --min-confidence 0: this checks the installed engine answers (the acceptance model rates the
# tour's one-example rename near 0.4, below its default threshold)
done = subprocess.run([bin_dir / "nxedit", "predict", "--min-confidence", "0"], input=json.dumps(request), capture_output=True,
                      text=True, timeout=120)
answer = json.loads(done.stdout or "{}")
new_text = "".join(e.get("new_text", "") for e in answer.get("edits", []))
if done.returncode or "error" in answer or new_text.count("subtotal") < 3:
    sys.exit(f"nxedit predict did not answer the tour's rename: rc {done.returncode}\n{done.stdout}\n{done.stderr}")
print(f"nxedit predict: {len(answer['edits'])} edit(s) from {answer.get('source')}, {answer.get('latency_ms')} ms")

done = subprocess.run([bin_dir / "nxedit", "doctor"], capture_output=True, text=True, timeout=300)
print(done.stdout, end="")
if done.returncode or any(line.startswith("fix") for line in done.stdout.splitlines()):
    sys.exit(f"nxedit doctor is not happy (rc {done.returncode}): {done.stderr}")
