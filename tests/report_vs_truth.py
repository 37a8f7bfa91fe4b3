#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks JSON reports against the simulator's ground truth.

usage: report_vs_truth.py TRUTH.json REPORT.json...

Every report must parse as JSON and agree with the truth about each of its
debtors: the outcome per institution, every asset (amounts, currency,
enforceable figure, liability mark, encumbrances) and lead, nothing extra,
and the enforceable totals per currency of each debtor and of the case.
Prints one line per disagreement and exits 1 if there is any.
"""
import json
import sys
from collections import Counter

problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def bank_assets(h):
    for a in h.get("accounts", []):
        liability = a["type"] in ("LOAN", "CARD") or a["book"] < 0
        avl = a.get("available")
        enforceable = 0 if liability or avl is None else max(avl, 0)
        encs = sorted((("freeze", f["seq"], f["amount"]) for f in a.get("freezes", [])))
        yield ("deposit", a["id"]), dict(currency=a["currency"], book=a["book"],
                                         available=avl, enforceable=enforceable,
                                         liability=liability, status=a["status"],
                                         encumbrances=encs)
    for w in h.get("wealth", []):
        yield ("wealth", w["product_id"]), dict(currency=w["currency"], book=w["market_value"],
                                                available=None,
                                                enforceable=w["market_value"],
                                                liability=False, status=None, encumbrances=[])


def realestate_assets(h):
    for p in h.get("properties", []):
        encs = [("mortgage", None, m["secured"]) for m in p.get("mortgages", [])]
        encs += [("seizure", s["position"], None) for s in p.get("seizures", [])]
        yield ("realestate", p["unit_id"]), dict(currency=None, book=None, available=None,
                                                 enforceable=0, liability=False, status=None,
                                                 encumbrances=sorted(encs, key=repr))


def vehicle_assets(h):
    for v in h.get("vehicles", []):
        yield ("vehicle", v["vin"]), dict(currency=None, book=None, available=None,
                                          enforceable=0, liability=False,
                                          status=None, encumbrances=[])


def ecommerce_assets(h):
    for it in h.get("items", []):
        if it["type"] != "account":
            continue
        balance, fund, frozen = it["balance"], it.get("fund_balance"), it["frozen"]
        yield ("wallet", it["user_id"]), dict(currency="CNY", book=balance, available=None,
                                              enforceable=max(balance - frozen, 0),
                                              liability=False, status=None, encumbrances=[])
        if fund is not None:
            beyond = max(frozen - balance, 0)
            yield ("fund", it["user_id"]), dict(currency="CNY", book=fund, available=None,
                                                enforceable=max(fund - beyond, 0),
                                                liability=False, status=None, encumbrances=[])


def leads(kind, h):
    if kind == "socialsec":
        for e in h.get("employments", []):
            yield ("employer", e["employer"], e["employer_code"], e.get("monthly_base"))
        p = h.get("pension")
        if p:
            yield ("pension", p["paying_bank"], None, p["monthly"])
    elif kind == "ecommerce":
        for it in h.get("items", []):
            if it["type"] == "card":
                yield ("bound_card", it["bank"], it["card_tail"], None)
            elif it["type"] == "address":
                yield ("address", it["text"], None, None)
            elif it["type"] == "spending":
                yield ("spending", it["period"], None, it["total"])


ASSETS = {"bank": bank_assets, "realestate": realestate_assets, "vehicle": vehicle_assets,
          "ecommerce": ecommerce_assets}


def report_asset(a):
    encs = []
    for e in a["encumbrances"]:
        if e["kind"] == "freeze":
            encs.append(("freeze", e["seq"], e["amount"]))
        elif e["kind"] == "mortgage":
            encs.append(("mortgage", None, e["amount"]))
        else:
            encs.append(("seizure", e["seq"], None))
    encs = sorted(encs, key=repr) if a["kind"] == "realestate" else sorted(encs)
    status = a["status"] if a["kind"] == "deposit" else None
    book = a["book"] if a["kind"] not in ("realestate", "vehicle") else None
    return dict(currency=a["currency"], book=book, available=a["available"],
                enforceable=a["enforceable"], liability=a["liability"], status=status,
                encumbrances=encs)


def check_report(path, truth, kinds):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    case_no = report["case"]["case_no"]
    case_totals = Counter()
    for d in report["debtors"]:
        where = f"{case_no} {d['id_no']}"
        subject = truth.get(d["id_no"])
        if subject is None:
            problem(where, "debtor unknown to the simulator")
            continue
        expected_assets, expected_leads = {}, Counter()
        for inst, h in subject["instances"].items():
            kind = kinds[inst]
            if h["status"] == "FOUND":
                for key, value in ASSETS.get(kind, lambda h: [])(h):
                    expected_assets[(inst,) + key] = value
                expected_leads.update((inst,) + lead for lead in leads(kind, h))
        outcomes = {c["institution"]: c["outcome"] for c in d["coverage"]}
        for inst, h in subject["instances"].items():
            want = {"FOUND": "found", "NOT_FOUND": "not_found",
                    "SUBJECT_MISMATCH": "subject_mismatch"}[h["status"]]
            if kinds[inst] == "socialsec" and d["kind"] == "org":
                want = "not_applicable"
            if outcomes.get(inst) != want:
                problem(where, f"{inst}: outcome {outcomes.get(inst)}, truth {want}")
        got_assets = {}
        for a in d["assets"]:
            key = (a["institution"], a["kind"], a["ref"])
            if key in got_assets:
                problem(where, f"asset {key} twice")
            got_assets[key] = report_asset(a)
        for key in sorted(set(expected_assets) | set(got_assets)):
            if expected_assets.get(key) != got_assets.get(key):
                problem(where, f"asset {key}: report {got_assets.get(key)}, "
                               f"truth {expected_assets.get(key)}")
        got_leads = Counter((l["institution"], l["kind"], l["label"], l["code"], l["amount"])
                            for l in d["leads"])
        if got_leads != expected_leads:
            problem(where, f"leads differ: report-only {dict(got_leads - expected_leads)}, "
                           f"truth-only {dict(expected_leads - got_leads)}")
        totals = Counter()
        for value in expected_assets.values():
            if value["currency"] and not value["liability"]:
                totals[value["currency"]] += value["enforceable"]
        got_totals = {t["currency"]: t["enforceable"] for t in d["totals"]}
        for cur in set(totals) | set(got_totals):
            if totals.get(cur, 0) != got_totals.get(cur, 0):
                problem(where, f"enforceable {cur}: report {got_totals.get(cur)}, "
                               f"truth {totals.get(cur, 0)}")
        case_totals.update(totals)
    got = {t["currency"]: t["enforceable"] for t in report["totals"]}
    for cur in set(case_totals) | set(got):
        if case_totals.get(cur, 0) != got.get(cur, 0):
            problem(case_no, f"case enforceable {cur}: report {got.get(cur)}, "
                             f"truth {case_totals.get(cur, 0)}")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        world = json.load(f)
    kinds = {i["id"]: i["kind"] for i in world["instances"]}
    truth = {s["id_no"]: s for s in world["subjects"]}
    for path in sys.argv[2:]:
        check_report(path, truth, kinds)
    for p in problems:
        print(p)
    print(f"{len(sys.argv) - 2} reports checked, {len(problems)} disagreements")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
