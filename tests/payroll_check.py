"""Reads a payroll CSV and its reconciliation CSV with Python's csv module, independently of the
Rust code that wrote them, and checks that they agree: the header is API.md's, each total is its
parts, `total` is `total_minor` written as a decimal, and each line is the sum of its pieces.
Prints the summary rows as JSON so the caller can compare them with its own reading.

usage: python3 payroll_check.py SUMMARY.csv DETAIL.csv
"""

import csv
import json
import sys
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

HEADER = [
    "period_start", "period_end", "agent_id", "agent_name", "email", "currency", "online_seconds",
    "engaged_seconds", "conversations", "hourly_pay_minor", "per_conversation_pay_minor", "total_minor", "total",
    "boosted_seconds", "boost_pay_minor",
]


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, strict=True))


def check(summary, detail):
    pieces = defaultdict(list)
    for piece in detail:
        pieces[(piece["agent_id"], piece["currency"])].append(piece)
    for line in summary:
        hourly, per_conv = int(line["hourly_pay_minor"]), int(line["per_conversation_pay_minor"])
        boost = int(line["boost_pay_minor"])
        assert int(line["total_minor"]) == hourly + per_conv + boost, line
        # Two decimals for the currencies in these tests.
        assert Decimal(line["total"]) == Decimal(line["total_minor"]) / 100, line
        own = pieces[(line["agent_id"], line["currency"])]
        exact = sum(Decimal(p["seconds"]) * Decimal(p["rate_minor"]) for p in own if p["kind"] == "engaged") / 3600
        assert exact.quantize(Decimal(1), rounding=ROUND_HALF_UP) == hourly, (line, exact)
        assert sum(int(p["rate_minor"]) for p in own if p["kind"] == "conversation") == per_conv, line
        extra = sum(Decimal(p["boost_pay_minor"]) for p in own)
        assert abs(extra - boost) <= Decimal("0.5") + Decimal("0.0001") * len(own), (line, extra)
        boosted = sum(int(p["seconds"]) for p in own if p["kind"] == "engaged" and p["multiplier"] != "1.00")
        assert boosted == int(line["boosted_seconds"]), line
        for kind, column in (("online", "online_seconds"), ("engaged", "engaged_seconds")):
            assert sum(int(p["seconds"]) for p in own if p["kind"] == kind) == int(line[column]), (line, kind)


def main():
    summary_path, detail_path = sys.argv[1], sys.argv[2]
    with open(summary_path, newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == HEADER
    summary, detail = read(summary_path), read(detail_path)
    check(summary, detail)
    json.dump(summary, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
