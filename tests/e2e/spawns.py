"""spawns.py LOG: the spawns of a Bazel JSON execution log, one per line.

Prints `mnemonic<TAB>target label<TAB>runner<TAB>cacheable` (runner as
Bazel names it: "linux-sandbox", "remote cache hit", ...; cacheable 1 or
0) for each spawn of LOG (--execution_log_json_file: a stream of JSON
objects), for the e2e tests to filter with awk.
"""

import json
import sys


def spawns(data):
    dec, i = json.JSONDecoder(), 0
    while i < len(data):
        while i < len(data) and data[i].isspace():
            i += 1
        if i >= len(data):
            break
        obj, i = dec.raw_decode(data, i)
        yield obj


def main():
    with open(sys.argv[1]) as f:
        data = f.read()
    for s in spawns(data):
        print("\t".join([
            s.get("mnemonic", "?"),
            s.get("targetLabel", "?"),
            s.get("runner", "?"),
            "1" if s.get("cacheable", True) else "0",
        ]))


if __name__ == "__main__":
    main()
