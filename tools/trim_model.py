#!/usr/bin/env python3
"""trim_model.py -- copies a botocore service model without its documentation strings.

Usage: tools/trim_model.py SERVICE VERSION OUT.json
The output is committed under models/ and embedded in the binary; re-run to follow a newer botocore.
"""
import gzip, json, os, sys
import botocore

def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in ("documentation", "documentationUrl")}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o

svc, ver, out = sys.argv[1:4]
path = os.path.join(os.path.dirname(botocore.__file__), "data", svc, ver, "service-2.json.gz")
model = strip(json.load(gzip.open(path)))
with open(out, "w") as f:
    json.dump(model, f, separators=(",", ":"), sort_keys=True)
    f.write("\n")
