import Foundation

/// RFC 3339 timestamps and ISO dates in a time zone, by arithmetic: a DateFormatter costs
/// tens of microseconds to make and reports print thousands of timestamps (bench/ledger-queries).
public enum LocalTimestamp {
    /// `2026-11-17T10:00:00+08:00`, whole seconds, the zone's offset at that instant.
    public static func rfc3339(_ date: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        let (day, second) = (CivilTime.floorDiv(local, CivilTime.secondsPerDay), CivilTime.floorMod(local, CivilTime.secondsPerDay))
        let minutes = abs(offset) / 60
        let (y, m, d) = CivilTime.date(ofDay: day)
        if (0...9999).contains(y), minutes < 100 * 60 {
            // One buffer instead of a dozen small strings (`week --all --format json` writes one
            // per follow-up due: a hundred thousand on bench/ledger-queries' store).
            var b = [UInt8](repeating: 0, count: 25)
            func put(_ v: Int, _ at: Int, _ width: Int) {
                var v = v
                for i in stride(from: at + width - 1, through: at, by: -1) { b[i] = UInt8(0x30 + v % 10); v /= 10 }
            }
            put(y, 0, 4); b[4] = 0x2D; put(m, 5, 2); b[7] = 0x2D; put(d, 8, 2); b[10] = UInt8(ascii: "T")
            put(second / 3600, 11, 2); b[13] = 0x3A; put(second / 60 % 60, 14, 2); b[16] = 0x3A; put(second % 60, 17, 2)
            b[19] = offset < 0 ? 0x2D : 0x2B; put(minutes / 60, 20, 2); b[22] = 0x3A; put(minutes % 60, 23, 2)
            return String(decoding: b, as: UTF8.self)
        }
        let sign = offset < 0 ? "-" : "+"
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
        if (0...9999).contains(y) {
            var b: [UInt8] = [0, 0, 0, 0, 0x2D, 0, 0, 0x2D, 0, 0]
            b[0] = UInt8(0x30 + y / 1000); b[1] = UInt8(0x30 + y / 100 % 10); b[2] = UInt8(0x30 + y / 10 % 10); b[3] = UInt8(0x30 + y % 10)
            b[5] = UInt8(0x30 + m / 10); b[6] = UInt8(0x30 + m % 10); b[8] = UInt8(0x30 + d / 10); b[9] = UInt8(0x30 + d % 10)
            return String(decoding: b, as: UTF8.self)
        }
        let year = String(y)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + two(m) + "-" + two(d)
    }

    /// `Tue 11-17 10:00`: what a DateFormatter with `EEE MM-dd HH:mm` in en_US_POSIX writes
    /// (`week`'s table has a line per activity: 6,400 for 100 reps on bench/ledger-queries' store).
    public static func weekdayTime(_ date: Date, in zone: TimeZone) -> String {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: date)
        let (day, second) = (CivilTime.floorDiv(local, CivilTime.secondsPerDay), CivilTime.floorMod(local, CivilTime.secondsPerDay))
        let (_, m, d) = CivilTime.date(ofDay: day)
        let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        return names[CivilTime.weekday(ofDay: day)] + " " + two(m) + "-" + two(d) + " " + two(second / 3600) + ":" + two(second / 60 % 60)
    }

    static func two(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }
}
