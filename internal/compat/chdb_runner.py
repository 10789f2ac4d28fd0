"""Runs ClickHouse statements on chDB (current ClickHouse, in-process) for
internal/compat's tests: one JSON request per line on stdin, one JSON answer
per line on stdout.

Request:  {"sql": "...", "settings": {"name": "value"}, "format": "TSV" or ""}
Answer:   {"ok": true, "out": "..."} or {"ok": false, "code": N, "error": "..."}

Settings apply to that statement only, as a per-query setting of the native
protocol does: before each statement, those it names are SET and those the
previous one named but it does not are reset to their defaults.
The first line written is {"ok": true, "version": "26.9..."} once the session
is open.
"""
import json
import os
import re
import sys

from chdb import session


def main():
    path = sys.argv[1]
    sess = session.Session(path)
    version = str(sess.query("SELECT version()", "TSV")).strip()
    reply({"ok": True, "version": version})
    current = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        settings = req.get("settings") or {}
        try:
            for name in list(current):
                if name not in settings:
                    sess.query("SET %s = DEFAULT" % ident(name))
                    del current[name]
            for name, value in settings.items():
                if current.get(name) != value:
                    current.pop(name, None)
                    sess.query("SET %s = %s" % (ident(name), literal(value)))
                    current[name] = value
            res = sess.query(req["sql"], req.get("format") or "TSV")
            reply({"ok": True, "out": bytes(res.bytes()).decode("utf-8") if req.get("format") else ""})
        except Exception as e:  # chdb raises its own error type per version
            msg = str(e)
            m = re.search(r"Code: (\d+)", msg)
            reply({"ok": False, "code": int(m.group(1)) if m else 0, "error": msg})
    # The session's directory is thrown away: no clean close, which with a
    # ZooKeeper configured waits on threads that never end.
    sys.stdout.flush()
    os._exit(0)


def ident(name):
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError("not a setting name: %r" % name)
    return name


def literal(value):
    if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
