"""Record the requests the reference SDKs send, one fixture per operation.

Run through ../record-reference-wire.sh, which installs the pinned SDKs into a throwaway
virtualenv. Each `ops_*.py` module names an area (the fixture folder), builds the SDK's
clients against the recorder, and lists its operations; see `Op` for the fields.
"""

import argparse
import importlib
import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from recorder import Recorder  # noqa: E402

AREAS = [
    "ops_aigc",
    "ops_authing_authentication",
    "ops_authing_management",
    "ops_authing_management_modules",
    "ops_authing_management_admin",
    "ops_authing_management_acl",
    "ops_shangcloud",
]
MASK = "<masked>"


class Op:
    """One operation of a reference SDK.

    name       fixture name; the Rust test drives the operation of the same name
    call       function(clients) that calls the SDK with fixed inputs
    reference  the SDK call, as documentation in the fixture
    responses  scripted response bodies ({"status", "body"}), in order; the last repeats
    mask       JSON pointers into the recorded exchanges ("/0/request/body/json/password")
               whose values are volatile (ciphertexts, random states, clocks)
    """

    def __init__(self, name, call, reference, responses=None, mask=()):
        self.name = name
        self.call = call
        self.reference = reference
        self.responses = responses or [{"status": 200, "body": {}}]
        self.mask = list(mask)


def ok(body, status=200):
    return {"status": status, "body": body}


def mask_pointer(document, pointer):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    node = document
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)] if int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            node = None
        if node is None:
            return False
    last = parts[-1]
    if isinstance(node, list) and int(last) < len(node):
        node[int(last)] = MASK
        return True
    if isinstance(node, dict) and last in node:
        node[last] = MASK
        return True
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", help="record only operations whose name contains this")
    parser.add_argument("areas", nargs="*", default=AREAS)
    args = parser.parse_args()

    recorder = Recorder()
    failures = 0
    try:
        for area_module in args.areas:
            area = importlib.import_module(area_module)
            clients = area.clients(recorder.base_url)
            folder = os.path.join(args.out, area.AREA)
            os.makedirs(folder, exist_ok=True)
            for op in area.OPS:
                if args.only and args.only not in op.name:
                    continue
                recorder.script(op.responses)
                error = None
                try:
                    op.call(clients)
                except Exception as exc:  # the request is what counts, not the parse
                    error = "%s: %s" % (type(exc).__name__, exc)
                exchanges = recorder.take()
                if not exchanges:
                    failures += 1
                    print("%s/%s: no request recorded (%s)" % (area.AREA, op.name, error))
                    traceback.print_exc()
                    continue
                unmatched = [p for p in op.mask if not mask_pointer(exchanges, p)]
                if unmatched:
                    failures += 1
                    print("%s/%s: mask pointers match nothing: %s" % (area.AREA, op.name, unmatched))
                fixture = {
                    "operation": op.name,
                    "reference": op.reference,
                    "masked": op.mask,
                    "exchanges": exchanges,
                }
                if error:
                    fixture["reference_error"] = error
                path = os.path.join(folder, op.name + ".json")
                with open(path, "w", encoding="utf-8") as out:
                    json.dump(fixture, out, indent=2, ensure_ascii=False, sort_keys=True)
                    out.write("\n")
                print("%s/%s: %d request(s)" % (area.AREA, op.name, len(exchanges)))
    finally:
        recorder.close()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
