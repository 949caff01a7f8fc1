"""A tiny language server for the faults a real one will not produce on demand.

``python fake_server.py MODE``: answers initialize (and shutdown), then misbehaves:
``crash`` exits with code 3 after ``didOpen`` (saying why on stderr), ``hang`` never answers
a hover, ``garbage`` answers a hover with a body that is not JSON and then a good one,
``ok`` answers hovers with "fake hover", ``proxy`` exits at once as rustup's proxy does for a
component that is not installed (an error line, then a long backtrace); every mode counts its
starts in ``$FAKE_LSP_LOG``.
"""

import json
import os
import sys


def read_message():
    length = 0
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(sys.stdin.buffer.read(length))


def send(body: bytes) -> None:
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    sys.stdout.buffer.flush()


def answer(msg_id, result) -> None:
    send(json.dumps({"jsonrpc": "2.0", "id": msg_id, "result": result}).encode())


def main() -> None:
    mode = sys.argv[1]
    log = os.environ.get("FAKE_LSP_LOG")
    if log:
        with open(log, "a") as f:
            f.write("start\n")
    if mode == "proxy":
        sys.stderr.write("error: Unknown binary 'rust-analyzer' in official toolchain 'stable'.\n\nStack backtrace:\n")
        sys.stderr.write("".join(f"  {n}: frame{n}\n             at ./src/file{n}.rs:1:1\n" for n in range(30)))
        sys.exit(1)
    while True:
        msg = read_message()
        if msg is None:
            return
        method = msg.get("method")
        if method == "initialize":
            answer(msg["id"], {"capabilities": {"textDocumentSync": 2, "hoverProvider": True}})
        elif method == "shutdown":
            answer(msg["id"], None)
        elif method == "exit":
            return
        elif method == "textDocument/didOpen" and mode == "crash":
            sys.stderr.write("fake server: \x1b[31mfatal\x1b[0m error\nsecond line\n")
            sys.stderr.flush()
            sys.exit(3)
        elif method == "textDocument/hover":
            if mode == "hang":
                continue
            if mode == "garbage":
                send(b"{this is not json")
            answer(msg["id"], {"contents": {"kind": "plaintext", "value": "fake hover"}})


if __name__ == "__main__":
    main()
