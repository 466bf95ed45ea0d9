import Foundation

/// RFC 3339 timestamps and ISO dates in a time zone, by arithmetic: a DateFormatter costs
/// tens of microseconds to make and reports print thousands of timestamps (bench/ledger-queries).
public enum LocalTimestamp {
    /// `2026-11-17T10:00:00+08:00`, whole seconds, the zone's offset at that instant.
    public static func rfc3339(_ date: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        let (day, second) = (CivilTime.floorDiv(local, CivilTime.secondsPerDay), CivilTime.floorMod(local, CivilTime.secondsPerDay))
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return self.date(ofDay: day) + "T" + two(second / 3600) + ":" + two(second / 60 % 60) + ":" + two(second % 60)
            + sign + two(minutes / 60) + ":" + two(minutes % 60)
    }

    /// `2026-11-17`: the calendar date of an instant in a zone.
    public static func isoDate(_ date: Date, in zone: TimeZone) -> String {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: date)
        return self.date(ofDay: CivilTime.floorDiv(local, CivilTime.secondsPerDay))
    }

    static func date(ofDay n: Int) -> String {
        let (y, m, d) = CivilTime.date(ofDay: n)
        let year = String(y)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + two(m) + "-" + two(d)
    }

    static func two(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }
}
