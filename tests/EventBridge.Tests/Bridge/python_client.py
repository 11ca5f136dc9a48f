#!/usr/bin/env python3
"""An EventBridge client written from docs/protocol.md with the standard library only.

Usage: python_client.py HOST PORT NAME [CA_FILE]

With CA_FILE it connects with TLS and trusts only the CA certificates in that PEM file, checking that the server's
certificate is issued for HOST.

It connects, sends hello, waits for the welcome, and prints {"type":"ready"} on standard output. It then sends one
event frame with only "signal", "args" and "kwargs" (signal "from_python"), waits for an event with signal
"to_python", prints that frame as one JSON line, sends bye and exits 0. Every wait gives up after 30 seconds with
exit code 2.
"""

import json
import socket
import ssl
import sys

TIMEOUT_SECONDS = 30
TEXT = "héllo 👋🏽 👩‍👩‍👧 漢字かな한국어 e\u0301 a\u0308\u0323"


def send(stream, frame):
    # ensure_ascii=False sends raw UTF-8, which the protocol allows as well as \u escapes.
    stream.write(json.dumps(frame, ensure_ascii=False).encode("utf-8") + b"\n")
    stream.flush()


def read_frames(stream):
    for line in stream:
        line = line.rstrip(b"\r\n")
        if line:
            yield json.loads(line.decode("utf-8"))


def main():
    host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sock = socket.create_connection((host, port), timeout=TIMEOUT_SECONDS)
    if len(sys.argv) > 4:
        context = ssl.create_default_context(cafile=sys.argv[4])
        sock = context.wrap_socket(sock, server_hostname=host)
    stream = sock.makefile("rwb")
    frames = read_frames(stream)

    send(stream, {"type": "hello", "name": name})
    for frame in frames:
        if frame.get("type") == "welcome":
            break
    print(json.dumps({"type": "ready"}), flush=True)

    send(stream, {"signal": "from_python", "args": [1, "two"], "kwargs": {"user": name, "text": TEXT}})
    for frame in frames:
        if frame.get("type", "event") == "event" and frame["signal"] == "to_python":
            print(json.dumps(frame, ensure_ascii=False), flush=True)
            break
        if frame.get("type") == "error":
            print(json.dumps(frame), file=sys.stderr, flush=True)
            return 1

    send(stream, {"type": "bye"})
    sock.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except socket.timeout:
        print("timed out waiting for the server", file=sys.stderr)
        sys.exit(2)
