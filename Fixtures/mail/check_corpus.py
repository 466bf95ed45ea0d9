#!/usr/bin/env python3
"""Sanity checks for the Maildir fixtures and their expectations.

It does NOT classify mail (the expectations are hand-derived and must stay an independent
check of the Swift code). It checks that:
  - every message parses with email.policy.default, uses CRLF, has the headers intended
    (Date parses and matches the file-name time, except the one deliberately broken Date;
    Message-ID on all but one; threading headers on replies; the encodings the corpus is
    meant to exercise are all present);
  - expected.json is internally consistent (week totals = the activity list) and agrees with
    the tables of EXPECTED.md;
  - each expected activity points at a message of that rep, in the week of its date, names an
    organisation that is on the message, and respects the invariants of DOMAIN.md that can be
    checked without classifying (direction of each kind, one qualified per rep and org, leads
    365 days apart, one activity per thread, kind and week).

    python3 Fixtures/mail/check_corpus.py
"""
import json
import os
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
SH = ZoneInfo("Asia/Shanghai")
REPS = {"alice": ["alice@hxsoft.cn", "wangli@hxsoft.cn"],
        "bob": ["bob@hxsoft.cn", "zhangwei@hxsoft.cn"],
        "carol": ["carol@hxsoft.cn"]}
FOLDERS = {"alice": {"Maildir/cur": "INBOX", "Maildir/.Sent/cur": "Sent"},
           "bob": {"Maildir/cur": "INBOX", "Maildir/.&XfJT0ZAB-/cur": "已发送"},
           "carol": {"Maildir/cur": "INBOX", "Maildir/.Sent/cur": "Sent"}}
KINDS = ["lead", "qualified", "contact", "visit", "demo", "closing", "onboarding", "payment", "follow_up"]
FREEMAIL = {"qq.com", "163.com", "126.com", "yeah.net", "sina.com", "sohu.com", "foxmail.com", "aliyun.com",
            "gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com"}
NAME_RE = re.compile(r"^(\d+)\.M(\d+)P(\d+)\.fixture:2,([DFPRST]*)$")

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


# --- Public Suffix List (only to check that expected org keys are on the message) ------
def load_psl():
    for p in ("/usr/share/publicsuffix/public_suffix_list.dat", "/usr/share/publicsuffix/effective_tld_names.dat"):
        if os.path.exists(p):
            rules = set()
            with open(p, encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if line and not line.startswith("//"):
                        rules.add(line.split()[0])
            return rules
    return None


PSL = load_psl()


def registrable(domain):
    labels = domain.lower().split(".")
    best = 1  # default rule "*"
    for i in range(len(labels)):
        cand = ".".join(labels[i:])
        wild = "*." + ".".join(labels[i + 1:]) if i + 1 < len(labels) else None
        if "!" + cand in PSL:
            best = max(best, len(labels) - i - 1)
        elif cand in PSL or (wild and wild in PSL):
            best = max(best, len(labels) - i)
    if best >= len(labels):
        return None
    return ".".join(labels[-(best + 1):])


def org_key(address):
    a = address.lower()
    dom = a.split("@", 1)[1]
    if any(dom == f or dom.endswith("." + f) for f in FREEMAIL):
        return a
    return registrable(dom) if PSL else None


# --- corpus -----------------------------------------------------------------------------
def load_corpus():
    msgs = []
    for rep, folders in FOLDERS.items():
        for sub, fname in folders.items():
            d = os.path.join(HERE, rep, sub)
            if not os.path.isdir(d):
                fail(f"missing folder {rep}/{sub}")
                continue
            for name in sorted(os.listdir(d)):
                path = os.path.join(d, name)
                raw = open(path, "rb").read()
                mo = NAME_RE.match(name)
                if not mo:
                    fail(f"{rep}/{sub}/{name}: file name does not match <unix>.M<n>P<n>.fixture:2,<flags>")
                    continue
                if b"\n" in raw.replace(b"\r\n", b""):
                    fail(f"{rep}/{sub}/{name}: bare LF (must be CRLF)")
                try:
                    msg = BytesParser(policy=policy.default).parsebytes(raw)
                except Exception as e:  # noqa: BLE001
                    fail(f"{rep}/{sub}/{name}: does not parse: {e}")
                    continue
                msgs.append({"rep": rep, "folder": fname, "rel": f"{rep}/{sub}/{name}", "path": path,
                             "ts": int(mo.group(1)), "flags": mo.group(4), "msg": msg, "raw": raw})
    return msgs


def addresses(msg, *fields):
    out = []
    for f in fields:
        for v in msg.get_all(f, []):
            out += [a.lower() for _, a in getaddresses([str(v)]) if a]
    return out


def thread_key(msg):
    refs = str(msg.get("References", "")).split()
    if refs:
        return refs[0]
    if msg.get("In-Reply-To"):
        return str(msg["In-Reply-To"]).strip()
    return str(msg.get("Message-ID", "")).strip() or None


def check_messages(msgs):
    broken_dates, no_id = [], []
    enc_seen = Counter()
    for m in msgs:
        msg, rel, raw = m["msg"], m["rel"], m["raw"]
        for h in ("From", "To", "Subject", "Date", "MIME-Version", "Content-Type"):
            if msg[h] is None:
                fail(f"{rel}: no {h}")
        subj = str(msg["Subject"])
        if "=?" in subj:
            fail(f"{rel}: Subject not decoded: {subj!r}")
        if not addresses(msg, "From"):
            fail(f"{rel}: From has no address")
        dh = msg["Date"]
        dt = getattr(dh, "datetime", None)
        if dt is None:
            broken_dates.append(m)
            m["when"] = datetime.fromtimestamp(m["ts"], SH)
        else:
            m["when"] = dt.astimezone(SH)
            if int(dt.timestamp()) != m["ts"]:
                fail(f"{rel}: Date {dh} != file-name time {m['ts']}")
        mid = msg["Message-ID"]
        if mid is None:
            no_id.append(m)
        elif not re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", str(mid).strip()):
            fail(f"{rel}: odd Message-ID {mid}")
        if re.match(r"(?i)^(re|回复|答复)\s*[:：]", subj) and mid is not None:
            if msg["In-Reply-To"] is None or msg["References"] is None:
                fail(f"{rel}: reply without In-Reply-To/References")
            elif str(msg["References"]).split()[-1] != str(msg["In-Reply-To"]).strip():
                fail(f"{rel}: References does not end with In-Reply-To")
        if os.stat(m["path"]).st_mtime != m["ts"]:
            print(f"note: {rel}: mtime differs from the file-name time (run ./set-mtimes after checkout)")
        head = raw.split(b"\r\n\r\n", 1)[0]
        subj_raw = re.search(rb"^Subject:(.*(?:\r\n[ \t].*)*)", head, re.M | re.I).group(1)
        for tag, pat in (("utf8-raw", rb"[\x80-\xff]"), ("UTF-8 B", rb"=\?UTF-8\?B\?"), ("GBK B", rb"=\?GBK\?B\?"),
                         ("GB2312 Q", rb"=\?GB2312\?Q\?"), ("Big5 B", rb"=\?Big5\?B\?")):
            if re.search(pat, subj_raw, re.I):
                enc_seen[tag] += 1
        for h in ("List-Id", "List-Unsubscribe", "Precedence", "Auto-Submitted"):
            if msg[h] is not None:
                enc_seen[f"{h}: {str(msg[h]).split()[0] if h in ('Precedence', 'Auto-Submitted') else 'present'}"] += 1
        ct = msg.get_content_type()
        if ct in ("multipart/report", "multipart/mixed"):
            enc_seen[ct] += 1
        for part in msg.walk():
            if part.get_content_type() == "text/calendar":
                enc_seen["text/calendar"] += 1
                ics = part.get_content()
                for needle in ("METHOD:REQUEST", "BEGIN:VEVENT", "UID:", "DTSTART;TZID=Asia/Shanghai:", "SUMMARY:产品演示 - 华为云",
                               "ORGANIZER", "ATTENDEE"):
                    if needle not in ics:
                        fail(f"{rel}: calendar part lacks {needle}")
                if part.get_param("method") != "REQUEST" or (part.get_content_charset() or "").lower() != "utf-8":
                    fail(f"{rel}: calendar part needs method=REQUEST; charset=UTF-8")
            elif part.get_content_maintype() == "text":
                part.get_content()  # body decodes
    if len(broken_dates) != 1:
        fail(f"expected exactly one message with an unparseable Date, got {[m['rel'] for m in broken_dates]}")
    if len(no_id) != 1:
        fail(f"expected exactly one message without Message-ID, got {[m['rel'] for m in no_id]}")
    for tag in ("utf8-raw", "UTF-8 B", "GBK B", "GB2312 Q", "Big5 B", "multipart/report", "text/calendar",
                "List-Id: present", "List-Unsubscribe: present", "Precedence: bulk", "Precedence: list",
                "Auto-Submitted: auto-replied", "Auto-Submitted: auto-generated"):
        if not enc_seen[tag]:
            fail(f"no message exercises {tag}")
    if enc_seen["Big5 B"] != 1:
        fail("exactly one Big5 subject intended")
    return broken_dates, no_id, enc_seen


def iso_week(dt):
    y, w, _ = dt.astimezone(SH).isocalendar()
    return f"{y}-W{w:02d}"


def check_expected(msgs):
    exp = json.load(open(os.path.join(HERE, "expected.json"), encoding="utf-8"))
    if exp.get("timezone") != "Asia/Shanghai":
        fail("expected.json timezone")
    acts = exp["activities"]
    # week totals == activity list
    tot = defaultdict(Counter)
    for a in acts:
        if a["kind"] not in KINDS:
            fail(f"unknown kind {a}")
        tot[(a["week"], a["rep"])][a["kind"]] += 1
    for wk in ("2026-W45", "2026-W46", "2026-W47"):
        if wk not in exp["weeks"]:
            fail(f"expected.json lacks {wk}")
    for wk, reps in exp["weeks"].items():
        for rep in REPS:
            counts = reps.get(rep)
            if counts is None or sorted(counts) != sorted(KINDS):
                fail(f"{wk} {rep}: counts must hold all nine kinds")
                continue
            for k in KINDS:
                if counts[k] != tot[(wk, rep)][k]:
                    fail(f"{wk} {rep} {k}: weeks says {counts[k]}, activities say {tot[(wk, rep)][k]}")
            if counts["visit"] or counts["demo"]:
                fail(f"{wk} {rep}: mail never yields visit/demo")
    for (wk, rep) in tot:
        if wk not in exp["weeks"]:
            fail(f"activities in {wk} for {rep} missing from weeks")

    by_id = defaultdict(list)
    by_file = {}
    for m in msgs:
        mid = m["msg"]["Message-ID"]
        if mid is not None:
            by_id[(m["rep"], str(mid).strip())].append(m)
        by_file[m["rel"]] = m
    seen_qualified = set()
    leads = defaultdict(list)
    per_message = Counter()
    per_thread = set()
    for a in acts:
        rep = a["rep"]
        if a["message_id"] is None:
            m = by_file.get(a.get("file"))
            if m is None or m["msg"]["Message-ID"] is not None:
                fail(f"activity without message_id must name a file without Message-ID: {a}")
                continue
        else:
            ms = by_id.get((rep, a["message_id"]))
            if not ms:
                fail(f"activity names a message not in {rep}'s mailbox: {a}")
                continue
            m = ms[0]
        when = m["when"]
        if iso_week(when) != a["week"]:
            fail(f"{a}: message is in {iso_week(when)}")
        if a.get("at") and datetime.fromisoformat(a["at"]) != when:
            fail(f"{a}: at != message time {when.isoformat()}")
        msg = m["msg"]
        frm = addresses(msg, "From")[0]
        outbound = frm in REPS[rep]
        parties = addresses(msg, "From", "To", "Cc")
        orgs = {org_key(x) for x in parties if not x.endswith("@hxsoft.cn")}
        if PSL and a["org"] not in orgs:
            fail(f"{a}: org not among the message's parties {sorted(o for o in orgs if o)}")
        if a["kind"] == "qualified":
            if outbound or org_key(frm) != a["org"]:
                fail(f"{a}: qualified must come from the org's inbound mail")
            if (rep, a["org"]) in seen_qualified:
                fail(f"{a}: second qualified for the same rep and org")
            seen_qualified.add((rep, a["org"]))
        elif a["kind"] == "lead":
            for prev in leads[(rep, a["org"])]:
                if when - prev < timedelta(days=365):
                    fail(f"{a}: lead within 365 days of an earlier one")
            leads[(rep, a["org"])].append(when)
        else:
            if not outbound:
                fail(f"{a}: {a['kind']} from a mail must be outbound")
        if a["kind"] != "lead":
            key = a["message_id"] or a.get("file")
            per_message[(rep, key)] += 1
            if per_message[(rep, key)] > 1:
                fail(f"{a}: a mail yields one activity (plus leads)")
            tk = (rep, a["kind"], a["week"], thread_key(msg) or a.get("file"))
            if tk in per_thread:
                fail(f"{a}: second {a['kind']} of one thread in {a['week']}")
            per_thread.add(tk)
    return exp


AUTOMATED_LOCAL = {"noreply", "no-reply", "mailer-daemon", "postmaster", "notifications"}


def check_org_cell(key, cell):
    """The orgs column: `addr`, `addr → key`, `addr (automated address)`, `addr → key (automated by headers)`."""
    if cell == "(internal only)":
        return
    for item in cell.split(", "):
        mo = re.fullmatch(r"(\S+@\S+?)(?: → (\S+))?( \(automated address\)| \(automated by headers\))?", item)
        if not mo:
            fail(f"EXPECTED.md row {key}: odd orgs item {item!r}")
            continue
        a, k, auto = mo.group(1), mo.group(2), mo.group(3) or ""
        local = a.split("@")[0].lower()
        if (local in AUTOMATED_LOCAL) != (auto == " (automated address)"):
            fail(f"EXPECTED.md row {key}: {a} automated-address marking is wrong")
        if auto == " (automated address)":
            continue
        want = org_key(a)
        if PSL and (k or a.lower()) != want:
            fail(f"EXPECTED.md row {key}: {a} → {k or a} but the org key is {want}")


def check_markdown(exp, msgs):
    text = open(os.path.join(HERE, "EXPECTED.md"), encoding="utf-8").read()
    by_file = {m["rel"]: m for m in msgs}
    md_acts = Counter()
    rep = None
    rows = 0
    for line in text.splitlines():
        mo = re.match(r"^## (alice|bob|carol) ", line)
        if mo:
            rep = mo.group(1)
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if rep and len(cells) == 9 and re.fullmatch(r"[abc]\d\d[a-z]?", cells[0]):
            rows += 1
            check_org_cell(cells[0], cells[5])
            files = re.findall(r"`([^`]+)`", cells[1])
            m = by_file.get(f"{rep}/{files[0]}")
            if m is None:
                fail(f"EXPECTED.md row {cells[0]}: no file {files[0]}")
                continue
            if cells[3] != iso_week(m["when"]):
                fail(f"EXPECTED.md row {cells[0]}: week {cells[3]} but message is in {iso_week(m['when'])}")
            if cells[7] != "—":
                for item in cells[7].split(";"):
                    kind, org = item.strip().split(" ", 1)
                    mid = m["msg"]["Message-ID"]
                    md_acts[(rep, cells[3], kind, org, str(mid).strip() if mid else None)] += 1
        mo = re.match(r"^\| (\d{4}-W\d\d) \|((?: \d+ \|){9})$", line)
        if rep and mo:
            nums = [int(x) for x in mo.group(2).split("|")[:-1]]
            want = [exp["weeks"][mo.group(1)][rep][k] for k in KINDS]
            if nums != want:
                fail(f"EXPECTED.md totals {rep} {mo.group(1)} {nums} != expected.json {want}")
    js_acts = Counter((a["rep"], a["week"], a["kind"], a["org"], a["message_id"]) for a in exp["activities"])
    if md_acts != js_acts:
        fail(f"EXPECTED.md and expected.json disagree: only in md {md_acts - js_acts}, only in json {js_acts - md_acts}")
    distinct = {(m["rep"], str(m["msg"]["Message-ID"]).strip() if m["msg"]["Message-ID"] else m["rel"]) for m in msgs}
    if rows != len(distinct):
        fail(f"EXPECTED.md has {rows} message rows, corpus has {len(distinct)} distinct (rep, message)")


def main():
    msgs = load_corpus()
    broken, no_id, seen = check_messages(msgs)
    exp = check_expected(msgs)
    check_markdown(exp, msgs)

    print("\nfiles per rep and folder:")
    c = Counter((m["rep"], m["folder"]) for m in msgs)
    for (rep, folder), n in sorted(c.items()):
        print(f"  {rep:6} {folder:6} {n}")
    print(f"  total  {len(msgs)} files, {len({(m['rep'], str(m['msg']['Message-ID'])) for m in msgs if m['msg']['Message-ID']}) + len(no_id)} distinct (rep, message)")
    print("features:", ", ".join(f"{k} ×{v}" for k, v in sorted(seen.items())))
    print("broken Date:", [m["rel"] for m in broken], " no Message-ID:", [m["rel"] for m in no_id])
    print("\nexpected counts (lead qualified contact visit demo closing onboarding payment follow_up):")
    for wk, reps in exp["weeks"].items():
        for rep in REPS:
            print(f"  {wk} {rep:6} " + " ".join(f"{reps[rep][k]:2}" for k in KINDS))
    if PSL is None:
        print("note: no public_suffix_list.dat found; org keys not checked")
    if failures:
        print(f"\n{len(failures)} failure(s)")
        sys.exit(1)
    print("\nOK")


if __name__ == "__main__":
    main()
