import Foundation

/// An RRULE (RFC 5545 3.3.10).
public struct RecurrenceRule: Sendable, Hashable {
    public enum Frequency: Int, Sendable, Hashable, Comparable, CaseIterable {
        case secondly = 0, minutely, hourly, daily, weekly, monthly, yearly

        public static func < (a: Frequency, b: Frequency) -> Bool { a.rawValue < b.rawValue }

        public var name: String {
            switch self {
            case .secondly: return "SECONDLY"
            case .minutely: return "MINUTELY"
            case .hourly: return "HOURLY"
            case .daily: return "DAILY"
            case .weekly: return "WEEKLY"
            case .monthly: return "MONTHLY"
            case .yearly: return "YEARLY"
            }
        }
    }

    /// Days of the week, Monday first (raw values 0...6).
    public enum Weekday: Int, Sendable, Hashable, CaseIterable {
        case monday = 0, tuesday, wednesday, thursday, friday, saturday, sunday

        public var code: String { ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][rawValue] }

        public init?(code: String) {
            guard let i = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"].firstIndex(of: code.uppercased()) else { return nil }
            self.init(rawValue: i)
        }
    }

    /// A BYDAY entry: `ordinal` 0 means every such weekday; 2 the second, -1 the last.
    public struct WeekdayNum: Sendable, Hashable, CustomStringConvertible {
        public var ordinal: Int
        public var weekday: Weekday

        public init(_ weekday: Weekday, ordinal: Int = 0) {
            self.ordinal = ordinal
            self.weekday = weekday
        }

        public var description: String { (ordinal == 0 ? "" : String(ordinal)) + weekday.code }
    }

    public var frequency: Frequency
    public var interval: Int = 1
    public var count: Int? = nil
    public var until: ICalDateTime? = nil
    public var bySecond: [Int] = []
    public var byMinute: [Int] = []
    public var byHour: [Int] = []
    public var byDay: [WeekdayNum] = []
    public var byMonthDay: [Int] = []
    public var byYearDay: [Int] = []
    public var byWeekNo: [Int] = []
    public var byMonth: [Int] = []
    public var bySetPos: [Int] = []
    public var weekStart: Weekday = .monday

    public init(frequency: Frequency) {
        self.frequency = frequency
    }

    /// Parses "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20261231T000000Z". X- parts are ignored;
    /// a missing or unknown FREQ, out-of-range values and — unless `allowUnknownParts` — any other
    /// part RFC 5545 3.3.10 does not name throw `ActivityError(.dataError)`: a misspelt `UNTL=` read
    /// as "no UNTIL" would repeat a finished series forever. RFC 7529's RSCALE is accepted only as
    /// GREGORIAN (the calendar this engine computes) with SKIP=OMIT, its default; any other scale
    /// (CHINESE, HEBREW…) or SKIP throws, as the RFC asks of a client that does not support it.
    public static func parse(_ text: String, allowUnknownParts: Bool = false) throws -> RecurrenceRule {
        var frequency: Frequency?
        var rule = RecurrenceRule(frequency: .daily)
        func fail(_ why: String) -> ActivityError {
            ActivityError(.dataError, "RRULE \"\(text.prefix(200))\": \(why)")
        }
        func integers(_ value: String, _ name: String, _ range: ClosedRange<Int>, allowNegative: Bool) throws -> [Int] {
            var out: [Int] = []
            for item in value.split(separator: ",", omittingEmptySubsequences: true) {
                let s = item.trimmingCharacters(in: .whitespaces)
                guard s.count <= 12, let v = Int(s.hasPrefix("+") ? String(s.dropFirst()) : s) else {
                    throw fail("\(name) value \"\(s)\" is not a number")
                }
                let magnitude = abs(v)
                guard range.contains(allowNegative ? magnitude : v), allowNegative || v >= 0, !(allowNegative && v == 0) else {
                    throw fail("\(name) value \(v) is out of range")
                }
                _ = magnitude
                if !out.contains(v) { out.append(v) }
                if out.count > 1000 { throw fail("\(name) has too many values") }
            }
            if out.isEmpty { throw fail("\(name) is empty") }
            return out
        }
        var seen = Set<String>()
        for part in text.split(separator: ";", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else {
                if part.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                throw fail("\"\(part.prefix(50))\" is not NAME=VALUE")
            }
            let name = pieces[0].trimmingCharacters(in: .whitespaces).uppercased()
            let value = pieces[1].trimmingCharacters(in: .whitespaces)
            if seen.contains(name) { continue }   // the first occurrence wins
            seen.insert(name)
            switch name {
            case "FREQ":
                guard let f = Frequency.allCases.first(where: { $0.name == value.uppercased() }) else {
                    throw fail("unknown FREQ \(value.prefix(30))")
                }
                frequency = f
            case "INTERVAL":
                guard let v = Int(value), v >= 1 else { throw fail("INTERVAL must be a positive number") }
                rule.interval = min(v, 1_000_000)
            case "COUNT":
                guard !value.isEmpty, value.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw fail("COUNT must be a number") }
                let v = Int(value) ?? Int.max   // absurdly long numbers clamp
                guard v >= 1 else { throw fail("COUNT must be at least 1") }
                rule.count = v
            case "UNTIL":
                guard let u = ICalDateTime.parse(value) else { throw fail("UNTIL \(value.prefix(30)) is not a date or date-time") }
                rule.until = u
            case "BYSECOND": rule.bySecond = try integers(value, name, 0...60, allowNegative: false)
            case "BYMINUTE": rule.byMinute = try integers(value, name, 0...59, allowNegative: false)
            case "BYHOUR": rule.byHour = try integers(value, name, 0...23, allowNegative: false)
            case "BYMONTHDAY": rule.byMonthDay = try integers(value, name, 1...31, allowNegative: true)
            case "BYYEARDAY": rule.byYearDay = try integers(value, name, 1...366, allowNegative: true)
            case "BYWEEKNO": rule.byWeekNo = try integers(value, name, 1...53, allowNegative: true)
            case "BYMONTH": rule.byMonth = try integers(value, name, 1...12, allowNegative: false)
            case "BYSETPOS": rule.bySetPos = try integers(value, name, 1...366, allowNegative: true)
            case "WKST":
                guard let w = Weekday(code: value) else { throw fail("WKST \(value.prefix(10)) is not a weekday") }
                rule.weekStart = w
            case "BYDAY":
                var days: [WeekdayNum] = []
                for item in value.split(separator: ",", omittingEmptySubsequences: true) {
                    let s = item.trimmingCharacters(in: .whitespaces).uppercased()
                    guard s.count >= 2, s.count <= 6, let w = Weekday(code: String(s.suffix(2))) else {
                        throw fail("BYDAY value \(s.prefix(10)) is not a weekday")
                    }
                    var ordinal = 0
                    let prefix = s.dropLast(2)
                    if !prefix.isEmpty {
                        guard let n = Int(prefix.hasPrefix("+") ? String(prefix.dropFirst()) : String(prefix)),
                              n != 0, abs(n) <= 53 else { throw fail("BYDAY value \(s) has a bad ordinal") }
                        ordinal = n
                    }
                    let entry = WeekdayNum(w, ordinal: ordinal)
                    if !days.contains(entry) { days.append(entry) }
                }
                if days.isEmpty { throw fail("BYDAY is empty") }
                rule.byDay = days
            case "RSCALE":
                guard value.uppercased() == "GREGORIAN" else {
                    throw fail("RSCALE=\(value.prefix(30)) (RFC 7529) is not supported: only GREGORIAN is")
                }
            case "SKIP":
                guard value.uppercased() == "OMIT" else {
                    throw fail("SKIP=\(value.prefix(30)) (RFC 7529) is not supported: only OMIT is")
                }
            default:
                if allowUnknownParts || name.hasPrefix("X-") { continue }
                throw fail("unknown part \(name.prefix(30)) (misspelt? RFC 5545 3.3.10 names FREQ, UNTIL, COUNT, INTERVAL, BYSECOND, BYMINUTE, BYHOUR, BYDAY, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYMONTH, BYSETPOS, WKST)")
            }
        }
        guard let frequency else { throw fail("FREQ is missing") }
        rule.frequency = frequency
        return rule
    }

    /// The rule as RRULE text.
    public var text: String {
        var parts = ["FREQ=\(frequency.name)"]
        if interval != 1 { parts.append("INTERVAL=\(interval)") }
        if let count { parts.append("COUNT=\(count)") }
        if let until { parts.append("UNTIL=\(until.description)") }
        func list(_ name: String, _ values: [Int]) {
            if !values.isEmpty { parts.append("\(name)=" + values.map(String.init).joined(separator: ",")) }
        }
        list("BYSECOND", bySecond)
        list("BYMINUTE", byMinute)
        list("BYHOUR", byHour)
        if !byDay.isEmpty { parts.append("BYDAY=" + byDay.map(\.description).joined(separator: ",")) }
        list("BYMONTHDAY", byMonthDay)
        list("BYYEARDAY", byYearDay)
        list("BYWEEKNO", byWeekNo)
        list("BYMONTH", byMonth)
        list("BYSETPOS", bySetPos)
        if weekStart != .monday { parts.append("WKST=\(weekStart.code)") }
        return parts.joined(separator: ";")
    }
}
