"""Rows and bytes that crossed from the shards to the coordinator, per KPI
step, from the coordinator's server log written by auto_explain
(log_analyze, log_verbose, log_format json, log_nested_statements): every
Foreign Scan's actual rows (a scan that reads rows, not an UPDATE or a
DELETE done on the shard), times its plan width for the bytes (an estimate:
PostgreSQL's average row width, not the bytes on the wire).

    fdw_moved.py SQL_DIR LOG [LOG...]: one block per log, a line per step.
A step is named by the SQL file under SQL_DIR/kpi whose first line its
query text starts with, or that a first line "-- step kpi/FILE" names (the
daemon's read of a step's rows from the shards); other statements are
"other"."""
import json
import os
import sys


def step_names(sql_dir):
    names = {}
    kpi = os.path.join(sql_dir, "kpi")
    for f in sorted(os.listdir(kpi)):
        with open(os.path.join(kpi, f), encoding="utf-8") as fh:
            first = fh.readline().strip()
        if first:
            names.setdefault(first, f[:-4])
    return names


def foreign_rows(plan, acc):
    if plan.get("Node Type") == "Foreign Scan" and plan.get("Operation", "Select") == "Select":
        rows = plan.get("Actual Rows", 0) * plan.get("Actual Loops", 1)
        acc[0] += rows
        acc[1] += rows * plan.get("Plan Width", 0)
    for child in plan.get("Plans", []):
        foreign_rows(child, acc)


def plans(text):
    dec = json.JSONDecoder()
    i = 0
    while True:
        j = text.find("plan:\n", i)
        if j < 0:
            return
        k = text.find("{", j)
        obj, i = dec.raw_decode(text, k)
        yield obj


def main():
    names = step_names(sys.argv[1])
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        per = {}
        for obj in plans(text):
            first = (obj.get("Query Text", "").strip().splitlines() or [""])[0].strip()
            if first.startswith("-- step kpi/"):
                step = first[len("-- step kpi/"):].removesuffix(".sql")
            else:
                step = names.get(first, "other")
            acc = [0, 0]
            foreign_rows(obj["Plan"], acc)
            e = per.setdefault(step, [0, 0])
            e[0] += acc[0]
            e[1] += acc[1]
        total = [0, 0]
        for step in sorted(per):
            rows, nbytes = per[step]
            total[0] += rows
            total[1] += nbytes
            if rows:
                print(f"{os.path.basename(path)} {step} {rows} {nbytes}")
        print(f"{os.path.basename(path)} total {total[0]} {total[1]}")


if __name__ == "__main__":
    main()
