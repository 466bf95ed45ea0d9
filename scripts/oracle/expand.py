#!/usr/bin/env python3
"""Independent recurrence oracle for the tests of ActivityCore's iCalendar engine.

usage: expand.py FILE.ics... --from DATE[TIME] --to DATE[TIME] [--tz ZONE]

Expands every VEVENT series in the given files with the PyPI packages `icalendar` and
`recurring-ical-events` (installed by scripts/install-deps or `python3 -m pip install
icalendar recurring-ical-events`) and prints one JSON object per instance that STARTS
inside [from, to):

  {"file": ..., "uid": ..., "recurrence_id": "20261117T020000Z" | "20261117" | null,
   "start": "2026-11-17T02:00:00Z" | "2026-11-17", "end": ..., "all_day": bool}

Floating times and all-day dates are read in --tz (default UTC); --from/--to without a
zone are read in --tz too. Exit codes: 0 ok, 64 usage, 65 unparseable file, 69 packages missing.
"""
import argparse
import datetime
import json
import os
import sys

try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover
    print("expand.py: Python 3.9 or later is needed (zoneinfo)", file=sys.stderr)
    sys.exit(69)

try:
    import icalendar
    import recurring_ical_events
except ImportError as error:
    print(
        f"expand.py: {error}; run scripts/install-deps "
        "(or: python3 -m pip install icalendar recurring-ical-events)",
        file=sys.stderr,
    )
    sys.exit(69)

UTC = datetime.timezone.utc


def parse_bound(text, zone):
    """DATE or DATE-TIME (ISO 8601 or iCalendar basic form); without a zone it is read in `zone`."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            day = datetime.datetime.strptime(text, fmt)
            return day.replace(tzinfo=zone)
        except ValueError:
            pass
    basic = text
    if len(basic) >= 15 and basic[8] == "T" and "-" not in basic[:8]:
        value = datetime.datetime.strptime(basic[:15], "%Y%m%dT%H%M%S")
        return value.replace(tzinfo=UTC if basic.endswith("Z") else zone)
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=zone)


def to_utc(value, zone):
    """An occurrence start/end as an aware UTC datetime (dates: midnight in `zone`)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)  # floating; fold=0 as RFC 5545 3.3.5 wants
        return value.astimezone(UTC)
    return datetime.datetime(value.year, value.month, value.day, tzinfo=zone).astimezone(UTC)


def text_of(value, zone, all_day):
    if all_day:
        return value.strftime("%Y-%m-%d")
    return to_utc(value, zone).strftime("%Y-%m-%dT%H:%M:%SZ")


def recurrence_key(component, zone):
    rid = component.get("RECURRENCE-ID")
    if rid is None:
        return None
    value = rid.dt
    if not isinstance(value, datetime.datetime):
        return value.strftime("%Y%m%d")
    return to_utc(value, zone).strftime("%Y%m%dT%H%M%SZ")


def main(argv):
    parser = argparse.ArgumentParser(description="Expand iCalendar recurrences (test oracle).")
    parser.add_argument("files", nargs="+", metavar="FILE.ics")
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="stop", required=True)
    parser.add_argument("--tz", default="UTC")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return 64 if exit_.code else 0
    try:
        zone = ZoneInfo(args.tz)
    except Exception:  # noqa: BLE001
        print(f"expand.py: unknown time zone {args.tz}", file=sys.stderr)
        return 64
    start = parse_bound(args.start, zone).astimezone(UTC)
    stop = parse_bound(args.stop, zone).astimezone(UTC)

    for path in args.files:
        try:
            with open(path, "rb") as handle:
                calendar = icalendar.Calendar.from_ical(handle.read())
        except OSError as error:
            print(f"expand.py: {path}: {error}", file=sys.stderr)
            return 66
        except ValueError as error:
            print(f"expand.py: {path}: {error}", file=sys.stderr)
            return 65
        # Ask for a wider span in naive local time, then keep exactly the instances that START in
        # [start, stop) as instants: the library selects by overlap and compares floating times naively.
        local_start = start.astimezone(zone).replace(tzinfo=None) - datetime.timedelta(days=3)
        local_stop = stop.astimezone(zone).replace(tzinfo=None) + datetime.timedelta(days=3)
        query = recurring_ical_events.of(calendar, components=["VEVENT"])
        rows = []
        for event in query.between(local_start, local_stop):
            begin = event["DTSTART"].dt
            all_day = not isinstance(begin, datetime.datetime)
            instant = to_utc(begin, zone)
            if not (start <= instant < stop):
                continue
            end = event.get("DTEND")
            end_value = end.dt if end is not None else begin
            rows.append((instant, str(event.get("UID", "")), {
                "file": os.path.basename(path),
                "uid": str(event.get("UID", "")),
                "recurrence_id": recurrence_key(event, zone),
                "start": text_of(begin, zone, all_day),
                "end": text_of(end_value, zone, all_day and not isinstance(end_value, datetime.datetime)),
                "all_day": all_day,
                "summary": str(event.get("SUMMARY", "")),
                "status": str(event["STATUS"]).upper() if event.get("STATUS") is not None else None,
            }))
        rows.sort(key=lambda row: (row[0], row[1]))
        for _, _, row in rows:
            print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
