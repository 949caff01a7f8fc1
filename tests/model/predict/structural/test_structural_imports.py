"""Automatic import: a newly used name -> the import line, in the file's own style."""

import os

from edit_sessions import applied, changed_lines, predict, session
from nxedit.model.predict.structural import StructuralPredictor
from nxedit.model.predict.structural.exports import ProjectExports
from nxedit.model.text.plain import split_lines


def inserted(req, s) -> tuple[int, str]:
    (edit,) = s.edits
    assert edit.start_line == edit.end_line, "an import is a new line"
    return edit.start_line, edit.new_text


def test_python_standard_module_sorted_into_the_import_block():
    before = "import os\nimport sys\n\n\ndef load(raw):\n    return raw\n"
    req = session(before, ("    return raw\n", "    return json.loads(raw)\n"))
    s = predict(req)
    assert s.source == "structural:import"
    assert inserted(req, s) == (0, "import json\n")


def test_python_name_from_an_open_file_joins_the_existing_from_import():
    before = "from app.util import other\n\n\ndef f():\n    return 1\n"
    files = {"app/util.py": "def other():\n    pass\n\n\ndef helper(x):\n    return x\n"}
    req = session(before, ("    return 1\n", "    return helper(1)\n"), files=files)
    old, new = changed_lines(req, predict(req))
    assert old == ["from app.util import other\n"] and new == "from app.util import other, helper\n"


def test_import_already_present_gives_nothing():
    before = "import json\n\n\ndef load(raw):\n    return raw\n"
    req = session(before, ("    return raw\n", "    return json.loads(raw)\n"))
    assert predict(req) is None


def test_a_local_variable_with_a_module_name_is_not_imported():
    before = "def f():\n    return 0\n"
    req = session(before, ("    return 0\n", "    code = 1\n    return code.real\n"))
    assert predict(req) is None


def test_rust_std_type_gets_a_use_line_after_the_others():
    before = "use std::io;\nuse std::fs;\n\nfn main() {\n    let m = 0;\n}\n"
    req = session(before, ("    let m = 0;\n", "    let m = HashMap::new();\n"), language="rust")
    assert inserted(req, predict(req)) == (2, "use std::collections::HashMap;\n")


def test_typescript_export_of_an_open_file_in_the_files_quote_and_semicolon_style():
    before = "import { a } from './a';\n\nexport function f() {\n  return 1;\n}\n"
    files = {"src/lib/util.ts": "export function helper(x: number) { return x }\n"}
    req = session(before, ("  return 1;\n", "  return helper(1);\n"), language="typescript", files=files)
    assert inserted(req, predict(req)) == (1, "import { helper } from './lib/util';\n")


def test_go_standard_package_added_to_the_import_block_in_order():
    before = 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tfmt.Println(os.Args)\n}\n'
    req = session(before, ("\tfmt.Println(os.Args)\n", "\tfmt.Println(strings.ToUpper(os.Args[0]))\n"), language="go")
    line, text = inserted(req, predict(req))
    assert text == '\t"strings"\n'
    assert split_lines(req.current)[line - 1] == '\t"os"\n'


def test_word_in_a_comment_is_not_a_use():
    before = 'package main\n\nimport "fmt"\n\n// runs\nfunc main() { fmt.Println() }\n'
    req = session(before, ("// runs\n", "// runs in sync.\n"), language="go")
    assert predict(req) is None


def test_a_new_line_using_a_standard_module_gets_its_import():
    before = "import os\n\n\ndef load(raw):\n    x = 1\n    return x\n"
    req = session(before, ("    return x\n", "    data = json.loads(raw)\n    return x\n"))
    assert inserted(req, predict(req)) == (0, "import json\n")


def test_a_standard_name_on_a_new_line_is_imported_from_its_module():
    before = "import os\nfrom collections import OrderedDict\n\n\ndef group(rows):\n    return rows\n"
    req = session(before, ("    return rows\n", "    by_key = defaultdict(list)\n    return rows\n"))
    old, new = changed_lines(req, predict(req))
    assert old == ["from collections import OrderedDict\n"] and new == "from collections import OrderedDict, defaultdict\n"
    plain = "import os\n\n\ndef group(rows):\n    return rows\n"
    req = session(plain, ("    return rows\n", "    by_key = defaultdict(list)\n    return rows\n"))
    assert inserted(req, predict(req)) == (1, "from collections import defaultdict\n")


def test_a_new_line_calling_a_project_files_export_gets_a_named_import():
    before = "import { a } from './a';\n\nexport function f() {\n  return 1;\n}\n"
    files = {"src/lib/util.ts": "export function helper(x: number) { return x }\n"}
    req = session(before, ("  return 1;\n", "  const y = helper(2);\n  return 1;\n"), language="typescript", files=files)
    assert inserted(req, predict(req)) == (1, "import { helper } from './lib/util';\n")


def test_a_new_go_line_using_a_package_gets_it_in_the_import_block():
    before = 'package main\n\nimport (\n\t"fmt"\n)\n\nfunc main() {\n\tfmt.Println(1)\n}\n'
    req = session(before, ("\tfmt.Println(1)\n", "\tfmt.Println(1)\n\tstart := time.Now()\n"), language="go")
    line, text = inserted(req, predict(req))
    assert text == '\t"time"\n' and line == 4


def test_a_new_line_using_a_function_of_another_project_file_gets_its_import(tmp_path):
    """No files in the request (the editor sends none): the project's index says where
    `slugify` is defined, and the import is written relative to the project's root."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "text.py").write_text("import re\n\n\ndef slugify(s):\n    return re.sub('-', '_', s)\n")
    (tmp_path / "app" / "views.py").write_text("")
    exports = ProjectExports(tmp_path)
    exports.refresh(["app/text.py", "app/views.py", "pyproject.toml"])
    before = "import os\n\n\ndef title(page):\n    return page\n"
    req = session(before, ("    return page\n", "    name = slugify(page)\n    return page\n"),
                  path=str(tmp_path / "app" / "views.py"))
    s = StructuralPredictor(min_confidence=0.0, strict=True, exports=lambda path: exports).predict(req)
    assert s is not None and s.source == "structural:import"
    assert applied(req, s).startswith("import os\nfrom app.text import slugify\n")
    # a name no project file defines gets nothing; neither does one defined only in this file
    assert exports.defining("unknown", "python") is None
    assert exports.defining("slugify", "python", exclude="app/text.py") is None


def test_the_project_index_rereads_only_changed_files(tmp_path):
    (tmp_path / "a.ts").write_text("export function one() {}\n")
    exports = ProjectExports(tmp_path)
    exports.refresh(["a.ts"])
    assert exports.defining("one", "typescript") == "a.ts" and exports.defining("two", "tsx") is None
    (tmp_path / "a.ts").write_text("export const two = 2\n")
    os.utime(tmp_path / "a.ts", (1, 1))  # a new modification time, whatever the clock's resolution
    exports.refresh(["a.ts"])
    assert exports.defining("two", "typescript") == "a.ts" and exports.defining("one", "typescript") is None


FLASK_LIKE = '''from __future__ import annotations

import os
import sys
from datetime import timedelta
from itertools import chain
from types import TracebackType

import click
from werkzeug.routing import Rule

from . import cli


def open_resource(self, resource):
    """Open a resource.

    :param resource: Path to the resource relative to :attr:`root_path`.
    """
    path = os.path.join(self.root_path, resource)
    return open(path)
'''


def test_a_word_in_a_docstring_does_not_count_as_an_import_and_the_new_one_goes_in_order():
    # flask's app.py: the docstring says "Path to the resource"; `Path` is not imported
    req = session(FLASK_LIKE, ("    path = os.path.join(self.root_path, resource)\n",
                               "    path = Path(self.root_path) / resource\n"))
    s = predict(req)
    assert s.source == "structural:import"
    assert inserted(req, s) == (6, "from pathlib import Path\n")  # between itertools and types


def test_a_standard_from_import_after_plain_imports_only():
    before = "import os\nimport sys\n\nimport click\n\n\ndef f(x):\n    return x\n"
    req = session(before, ("    return x\n", "    return deque(x)\n"))
    assert inserted(req, predict(req)) == (2, "from collections import deque\n")


def test_a_name_reached_through_its_module_needs_no_import_of_its_own():
    """``typing.Iterator`` names a member of ``typing`` (imported already): no ``from typing
    import Iterator`` (starlette's train cases, shown at the imports' 0.8 and wrong every time)."""
    before = "import typing\n\nx = 1\n\n\ndef f(items):\n    return items\n"
    req = session(before, ("x = 1\n", "Stream = typing.Iterator[typing.Mapping[str, int]]\n"))
    assert predict(req, min_confidence=0.0) is None
    rust = "use std::fmt;\n\nfn main() {\n    let x = 1;\n}\n"
    req = session(rust, ("    let x = 1;\n", "    let x: std::collections::HashMap<u8, u8> = Default::default();\n"),
                  language="rust")
    assert predict(req, min_confidence=0.0) is None


def test_a_return_type_after_an_arrow_is_imported():
    # `-> Iterator[int]` was skipped as C's member access `p->Iterator` (Python and Rust)
    before = "import os\n\n\ndef f():\n    return os.sep\n"
    line = "    return os.sep\n"
    req = session(before, (line, line + "\n\ndef gen() -> Iterator[int]:\n    yield 1\n"), language="python")
    s = predict(req, min_confidence=0.0)
    assert s is not None and s.source == "structural:import"
    assert inserted(req, s) == (1, "from typing import Iterator\n")
