import Foundation

/// An ISO 8601 week (`2026-W47`), Monday first, in a given time zone.
public struct ISOWeek: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int
    public var week: Int

    public init(year: Int, week: Int) {
        self.year = year
        self.week = week
    }

    /// Parses `2026-W47` (also `2026W47`, `2026-w47`); nil for weeks that do not exist.
    public init?(_ text: String) {
        // The stored form, "2026-W47", on bytes (a report reads one per row); anything else below.
        if text.utf8.count == 8 {
            let b = Array(text.utf8)
            func digit(_ i: Int) -> Int? { (0x30...0x39).contains(b[i]) ? Int(b[i] - 0x30) : nil }
            if b[4] == UInt8(ascii: "-"), b[5] == UInt8(ascii: "W"), let y0 = digit(0), let y1 = digit(1), let y2 = digit(2),
               let y3 = digit(3), let w0 = digit(6), let w1 = digit(7) {
                let y = y0 * 1000 + y1 * 100 + y2 * 10 + y3, w = w0 * 10 + w1
                guard y >= 1, w >= 1, w <= ISOWeek.weeksIn(year: y) else { return nil }
                self.init(year: y, week: w)
                return
            }
        }
        let t = text.uppercased().replacingOccurrences(of: "-W", with: "W")
        let parts = t.split(separator: "W")
        guard parts.count == 2, let y = Int(parts[0]), let w = Int(parts[1]), y >= 1, y <= 9999, w >= 1,
              w <= ISOWeek.weeksIn(year: y) else { return nil }
        self.init(year: y, week: w)
    }

    /// The week holding an instant, in a time zone.
    public init(containing date: Date, in zone: TimeZone) {
        // Arithmetic on the local day rather than Calendar.dateComponents, which costs
        // microseconds a call (every activity and every outbound mail asks).
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: date)
        let day = CivilTime.floorDiv(local, CivilTime.secondsPerDay)
        // The ISO year is the year of the week's Thursday.
        let thursday = day - CivilTime.weekday(ofDay: day) + 3
        let year = CivilTime.date(ofDay: thursday).year
        self.init(year: year, week: (thursday - CivilTime.dayNumber(year: year, month: 1, day: 1)) / 7 + 1)
    }

    public var description: String {
        let y = String(year), w = String(week)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-W" + (w.count < 2 ? "0" : "") + w
    }

    /// Midnight of the week's Monday in `zone`.
    public func start(in zone: TimeZone) -> Date {
        var c = DateComponents()
        c.yearForWeekOfYear = year
        c.weekOfYear = week
        c.weekday = 2
        c.hour = 0
        return ISOWeek.calendar(zone).date(from: c) ?? Date(timeIntervalSince1970: 0)
    }

    /// Midnight of the next Monday in `zone` (the exclusive end).
    public func end(in zone: TimeZone) -> Date { next.start(in: zone) }

    public var next: ISOWeek {
        week < ISOWeek.weeksIn(year: year) ? ISOWeek(year: year, week: week + 1) : ISOWeek(year: year + 1, week: 1)
    }

    public var previous: ISOWeek {
        week > 1 ? ISOWeek(year: year, week: week - 1) : ISOWeek(year: year - 1, week: ISOWeek.weeksIn(year: year - 1))
    }

    /// 52 or 53: a year has 53 ISO weeks when it starts on a Thursday, or is a leap year
    /// starting on a Wednesday.
    public static func weeksIn(year: Int) -> Int {
        func p(_ y: Int) -> Int { (y + y / 4 - y / 100 + y / 400) % 7 }
        return (p(year) == 4 || p(year - 1) == 3) ? 53 : 52
    }

    public static func < (a: ISOWeek, b: ISOWeek) -> Bool { (a.year, a.week) < (b.year, b.week) }

    public static func calendar(_ zone: TimeZone) -> Calendar {
        var cal = Calendar(identifier: .iso8601)
        cal.timeZone = zone
        cal.firstWeekday = 2
        cal.minimumDaysInFirstWeek = 4
        return cal
    }
}
