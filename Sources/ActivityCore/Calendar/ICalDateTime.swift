import Foundation

/// A date-time as written: UTC (Z), floating (no zone), with TZID, or a DATE.
public struct ICalDateTime: Sendable, Hashable, CustomStringConvertible {
    public enum Zone: Sendable, Hashable {
        case utc
        case floating
        case tzid(String)
    }

    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var zone: Zone
    public var isDate: Bool

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                zone: Zone = .floating, isDate: Bool = false) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = isDate ? 0 : hour
        self.minute = isDate ? 0 : minute
        self.second = isDate ? 0 : second
        self.zone = isDate ? .floating : zone
        self.isDate = isDate
    }

    /// A DATE value.
    public static func date(_ year: Int, _ month: Int, _ day: Int) -> ICalDateTime {
        ICalDateTime(year: year, month: month, day: day, isDate: true)
    }

    /// Parses "20261117", "20261117T100000", "20261117T100000Z"; `tzid` applies to a local date-time.
    /// `forceDate` (VALUE=DATE) requires a DATE; nil when the text is not a valid value.
    public static func parse(_ text: String, tzid: String? = nil, forceDate: Bool = false) -> ICalDateTime? {
        var text = text
        return text.withUTF8 { parse($0, tzid: tzid, forceDate: forceDate) }
    }

    /// `parse` on UTF-8 bytes (leading and trailing `.whitespaces` ignored).
    static func parse(_ text: UnsafeBufferPointer<UInt8>, tzid: String?, forceDate: Bool) -> ICalDateTime? {
        let bytes = UnsafeBufferPointer(rebasing: text[ByteText.trimSpaces(text, 0..<text.count)])
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var v = 0
            for b in bytes[from..<(from + count)] {
                guard b >= 0x30, b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            return v
        }
        guard bytes.count >= 8, let y = number(0, 4), let mo = number(4, 2), let d = number(6, 2),
              (1...12).contains(mo), d >= 1, d <= CivilTime.daysInMonth(year: y, month: mo) else { return nil }
        if bytes.count == 8 {
            return .date(y, mo, d)
        }
        // VALUE=DATE with a date-time written anyway: take the date.
        guard bytes.count >= 15, bytes[8] == UInt8(ascii: "T") || bytes[8] == UInt8(ascii: "t"),
              let h = number(9, 2), let mi = number(11, 2), let s = number(13, 2),
              h <= 24, mi <= 59, s <= 60 else { return nil }
        if forceDate { return .date(y, mo, d) }
        var zone: Zone = .floating
        if bytes.count == 16 {
            guard bytes[15] == UInt8(ascii: "Z") || bytes[15] == UInt8(ascii: "z") else { return nil }
            zone = .utc
        } else if bytes.count != 15 {
            return nil
        } else if let tzid, !tzid.isEmpty {
            zone = .tzid(tzid)
        }
        var value = ICalDateTime(year: y, month: mo, day: d, hour: h, minute: mi, second: min(s, 59), zone: zone)
        if h == 24 {   // 24:00:00 is the next midnight
            let next = CivilTime.date(ofDay: CivilTime.dayNumber(year: y, month: mo, day: d) + 1)
            value.year = next.year
            value.month = next.month
            value.day = next.day
            value.hour = 0
        }
        return value
    }

    /// The wall-clock value read as if it were UTC (seconds since 1970-01-01 00:00).
    var localSeconds: Int {
        CivilTime.localSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    var dayNumber: Int { CivilTime.dayNumber(year: year, month: month, day: day) }

    /// The value as written, without parameters: "20261117", "20261117T100000", "20261117T100000Z".
    public var description: String {
        let d = String(format: "%04d%02d%02d", year, month, day)
        if isDate { return d }
        let t = String(format: "T%02d%02d%02d", hour, minute, second)
        return d + t + (zone == .utc ? "Z" : "")
    }

    /// The instant this value denotes: TZID through `resolver`, floating times and dates in the resolver's floating zone.
    public func date(resolver: ICalZoneResolver) -> Date {
        Date(timeIntervalSince1970: TimeInterval(resolver.utcSeconds(of: self)))
    }

    /// Canonical text used as the RECURRENCE-ID key: "20261117T100000Z" for instants (TZID and floating
    /// values converted to UTC with `resolver`), "20261117" for dates.
    public func canonicalKey(resolver: ICalZoneResolver) -> String {
        if isDate { return description }
        return ICalDateTime.utcKey(resolver.utcSeconds(of: self))
    }

    /// Canonical key with a resolver built from `calendar`'s VTIMEZONEs and `floatingZone`.
    public func canonicalKey(in calendar: ICalendar, floatingZone: TimeZone) -> String {
        canonicalKey(resolver: ICalZoneResolver(calendar: calendar, floatingZone: floatingZone))
    }

    static func utcKey(_ utc: Int) -> String {
        let (day, sec) = CivilTime.split(utc)
        let d = CivilTime.date(ofDay: day)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", d.year, d.month, d.day, sec / 3600, sec / 60 % 60, sec % 60)
    }

    static func dateKey(day: Int) -> String {
        let d = CivilTime.date(ofDay: day)
        return String(format: "%04d%02d%02d", d.year, d.month, d.day)
    }
}

/// A DURATION value (RFC 5545 3.3.6): weeks and days are nominal (they follow the wall clock across
/// DST changes), hours, minutes and seconds are exact.
public struct ICalDuration: Sendable, Hashable {
    /// Nominal days (weeks × 7 + days), negative for a negative duration.
    public var days: Int
    /// Exact seconds, negative for a negative duration.
    public var seconds: Int

    public init(days: Int = 0, seconds: Int = 0) {
        self.days = days
        self.seconds = seconds
    }

    /// Total length counting a day as 86 400 s.
    public var timeInterval: TimeInterval { TimeInterval(days * 86_400 + seconds) }

    /// Parses "P1D", "PT1H30M", "-PT15M", "P2W", "+P1DT2H"; nil if malformed.
    public static func parse(_ text: String) -> ICalDuration? {
        var copy = text
        let ascii: ICalDuration?? = copy.withUTF8 { b in
            let r = ByteText.trimSpaces(b, 0..<b.count)
            let trimmed = UnsafeBufferPointer(rebasing: b[r])
            return ByteText.isASCII(trimmed) ? .some(parse(symbols: trimmed)) : nil
        }
        if let ascii { return ascii }
        // Other text is read as characters (upper-casing may turn some into ASCII letters: "ſ" is "S"); each
        // character that means something here becomes its ASCII byte, any other a 0, which nothing accepts.
        let symbols: [UInt8] = text.trimmingCharacters(in: .whitespaces).uppercased().map { c in
            if let v = c.wholeNumberValue, c.isASCII { return 0x30 + UInt8(v) }
            for s in ["-", "+", "P", "T", "W", "D", "H", "M", "S"] as [Character] where c == s { return s.asciiValue! }
            return 0
        }
        return symbols.withUnsafeBufferPointer { parse(symbols: $0) }
    }

    /// `parse` of trimmed text as ASCII bytes, one per character (upper-cased here).
    private static func parse(symbols b: UnsafeBufferPointer<UInt8>) -> ICalDuration? {
        var i = 0
        var sign = 1
        if i < b.count, b[i] == UInt8(ascii: "-") { sign = -1; i += 1 } else if i < b.count, b[i] == UInt8(ascii: "+") { i += 1 }
        guard i < b.count, ByteText.upperASCII(b[i]) == UInt8(ascii: "P") else { return nil }
        i += 1
        var days = 0, seconds = 0
        var inTime = false
        var number: Int? = nil
        var sawPart = false
        var sawTimePart = false
        while i < b.count {
            let c = ByteText.upperASCII(b[i])
            i += 1
            if c >= 0x30 && c <= 0x39 {
                let current = number ?? 0
                guard current < 100_000_000 else { return nil }
                number = current * 10 + Int(c - 0x30)
                continue
            }
            if c == UInt8(ascii: "T") {
                guard !inTime, number == nil else { return nil }
                inTime = true
                continue
            }
            if inTime { sawTimePart = true }
            guard let n = number else { return nil }
            switch (c, inTime) {
            case (UInt8(ascii: "W"), false): days += n * 7
            case (UInt8(ascii: "D"), false): days += n
            case (UInt8(ascii: "H"), true): seconds += n * 3600
            case (UInt8(ascii: "M"), true): seconds += n * 60
            case (UInt8(ascii: "S"), true): seconds += n
            default: return nil
            }
            number = nil
            sawPart = true
        }
        guard sawPart, number == nil, !(inTime && !sawTimePart) else { return nil }
        return ICalDuration(days: sign * days, seconds: sign * seconds)
    }
}
