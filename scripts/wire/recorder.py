"""A loopback HTTP server that records the requests a reference SDK sends.

Standard library only. Each request is reduced to what the wire comparison looks at
(method, path, query, meaningful headers, parsed body) and answered with the next response
scripted for the current operation. The same reduction is implemented on the Rust side in
`polyauth_testkit::wire`; the two must stay in step.
"""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# Headers that belong to the HTTP client, not to the provider protocol.
TRANSPORT_HEADERS = {
    "accept",
    "accept-encoding",
    "connection",
    "content-length",
    "host",
    "user-agent",
}

GRAPHQL_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|\.\.\.|[_A-Za-z][_0-9A-Za-z]*|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|[!$()\[\]{}:=@|&]'
)
GRAPHQL_COMMENT = re.compile(r"#[^\n\r]*")


def normalize_graphql(text):
    """One space between tokens: formatting, commas and comments do not count."""
    return " ".join(GRAPHQL_TOKEN.findall(GRAPHQL_COMMENT.sub("", text)))


def multimap(pairs):
    """Name -> value, or -> list of values when a name repeats."""
    out = {}
    for key, value in pairs:
        if key in out:
            if not isinstance(out[key], list):
                out[key] = [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out


def parse_body(content_type, raw):
    if not raw:
        return None
    media = (content_type or "").split(";")[0].strip().lower()
    text = raw.decode("utf-8", errors="replace")
    if media == "application/json" or media.endswith("+json"):
        try:
            value = json.loads(text)
        except ValueError:
            return {"text": text}
        if isinstance(value, dict) and isinstance(value.get("query"), str):
            value["query"] = normalize_graphql(value["query"])
        return {"json": value}
    if media == "application/x-www-form-urlencoded":
        return {"form": multimap(parse_qsl(text, keep_blank_values=True))}
    return {"text": text}


def is_introspection(body):
    query = ((body or {}).get("json") or {}).get("query") if isinstance(body, dict) else None
    return isinstance(query, str) and "__schema" in query


class Recorder:
    """Serve on 127.0.0.1, record requests, answer with scripted responses."""

    def __init__(self):
        self.lock = threading.Lock()
        self.exchanges = []
        self.responses = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self):
        host, port = self.server.server_address[:2]
        return "http://%s:%d" % (host, port)

    def script(self, responses):
        """Start an operation: forget what was recorded, queue its responses."""
        with self.lock:
            self.exchanges = []
            self.responses = list(responses)

    def take(self):
        with self.lock:
            taken, self.exchanges = self.exchanges, []
            return taken

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _next_response(self):
        with self.lock:
            if len(self.responses) > 1:
                return self.responses.pop(0)
            if self.responses:
                return self.responses[0]
            return {"status": 200, "body": {}}

    def _handler(self):
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                headers = {}
                for name, value in self.headers.items():
                    name = name.lower()
                    if name not in TRANSPORT_HEADERS:
                        headers[name] = value
                body = parse_body(self.headers.get("content-type"), raw)
                if is_introspection(body):
                    # gql 2.0 fetches the schema before every call; `data: null` makes it
                    # skip validation. Not part of the operation's wire.
                    response = {"status": 200, "body": {"data": None}}
                else:
                    request = {
                        "method": self.command,
                        "path": url.path,
                        "query": multimap(parse_qsl(url.query, keep_blank_values=True)),
                        "headers": headers,
                        "body": body,
                    }
                    response = recorder._next_response()
                    with recorder.lock:
                        recorder.exchanges.append({"request": request, "response": response})
                payload = json.dumps(response.get("body")).encode()
                self.send_response(response.get("status", 200))
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        return Handler
