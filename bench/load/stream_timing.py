#!/usr/bin/env python3
"""Times one SSE stream: first byte, first content-bearing event (the first token), whole stream.

Usage: stream_timing.py URL BODY_FILE [HEADER ...]   (headers as "Name: value")
Prints "<ttfb_s> <ttft_s> <total_s>". The first token is the first event carrying text or a tool call, in OpenAI
(delta.content / delta.tool_calls) or Anthropic (content_block_delta) format, so a gateway that holds the
response until the first token is compared fairly with a direct call whose first bytes are a role chunk.
"""
import http.client
import json
import sys
import time
from urllib.parse import urlsplit


def is_content(data: str) -> bool:
    if not data or data == "[DONE]":
        return False
    try:
        event = json.loads(data)
    except ValueError:
        return False
    if event.get("type") == "content_block_delta":
        return True
    for choice in event.get("choices") or []:
        delta = choice.get("delta") or {}
        if delta.get("content") or delta.get("tool_calls") or choice.get("finish_reason"):
            return True
    return False


def main() -> int:
    url, body_file, *header_args = sys.argv[1:]
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json"}
    for header in header_args:
        if not header.strip():
            continue
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    with open(body_file, "rb") as f:
        body = f.read()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    start = time.perf_counter()
    connection.request("POST", parts.path, body=body, headers=headers)
    response = connection.getresponse()
    first_byte = first_token = None
    buffer = b""
    while True:
        chunk = response.read1(65536)
        if not chunk:
            break
        now = time.perf_counter()
        first_byte = first_byte or now
        if first_token is None:
            buffer += chunk
            for line in buffer.split(b"\n"):
                if line.startswith(b"data:") and is_content(line[5:].strip().decode("utf-8", "replace")):
                    first_token = now
                    break
            buffer = buffer[buffer.rfind(b"\n") + 1:]
    total = time.perf_counter()
    connection.close()
    print(f"{(first_byte or total) - start:.6f} {(first_token or total) - start:.6f} {total - start:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
