import Foundation

/// Date header parsing.
public enum MailDate {
    /// Every Date form real mailers write: RFC 5322 ("Tue, 17 Nov 2026 10:05:00 +0800"), without weekday, with seconds
    /// missing, obsolete zones (GMT, UT, EST, EDT, CST... note CST in Chinese mail is ambiguous: treat "CST" as -0600
    /// per RFC 822 unless followed by a numeric offset which wins), "+0800 (CST)" comments, two-digit years (RFC 5322
    /// obs rules), single-digit days, extra whitespace, missing zone (assume +0000), ISO 8601 like
    /// "2026-11-17 10:05:00 +0800" and "2026-11-17T10:05:00+08:00", and the asctime form. Returns nil when unparseable.
    ///
    /// Also: full month names, "17-Nov-2026", month before day, "GMT+0800", "+08:00", "+08", fractional seconds,
    /// AM/PM, date(1) output ("Tue Nov 17 10:05:00 CST 2026"), Chinese "11月"/"十一月" months. A numeric offset always
    /// wins over a zone name; military single-letter zones count as -0000 (RFC 5322 4.3). Missing time is midnight.
    public static func parse(_ value: String) -> Date? {
        read(value)?.date
    }

    /// A Date header as read, and whether it names one instant beyond doubt (DOMAIN.md, "Time and weeks"):
    /// a day, a time and a numeric zone (`+0800`; `-0000` is UTC) or UT/GMT/UTC/Z, and nothing the reader did not
    /// understand. A numeric offset beside a zone name (`+0800 CST`) settles the zone.
    public struct Reading: Sendable, Equatable {
        public var date: Date
        /// Why this reading is not to be trusted (`no zone`, `the zone CST is ambiguous`, …), nil when it is.
        public var doubt: String?
        public var isTrusted: Bool { doubt == nil }
    }

    /// Reads a Date header; nil when it names no day at all.
    public static func read(_ value: String) -> Reading? {
        func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Reading? {
            var scanner = Scanner(bytes)
            return scanner.run()
        }
        var value = value
        return value.withUTF8 { bytes in
            bytes.contains(0x28) ? stripComments(bytes).withUnsafeBufferPointer(scan) : scan(bytes)
        }
    }

    // MARK: - Comments

    /// Drops (nested) comments; each becomes a space. Linear, no recursion. UTF-8 in, UTF-8 out: the delimiters and
    /// the escape are ASCII, and an escaped multi-byte character lies wholly inside the comment.
    static func stripComments(_ value: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        var depth = 0
        var escaped = false
        for c in value {
            if depth > 0 {
                if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x28 { depth += 1 } else if c == 0x29 {
                    depth -= 1
                    if depth == 0 { out.append(0x20) }
                }
            } else if c == 0x28 {
                depth = 1
            } else {
                out.append(c)
            }
        }
        return out
    }

    // MARK: - Scanner

    private struct Number {
        var value: Int
        var digits: Int
    }

    /// Reads the date's parts from UTF-8 (valid: it comes from a String); ASCII is read byte by byte, other characters
    /// are decoded where they matter (letters of words, the minus sign U+2212, 月).
    private struct Scanner {
        let s: UnsafeBufferPointer<UInt8>
        var i = 0

        // The first two plain numbers (day and year), and how many there were.
        var firstNumbers = (Number(value: 0, digits: 0), Number(value: 0, digits: 0))
        var numberCount = 0
        var month: Int?
        var isoDate: (year: Int, month: Int, day: Int)?
        var time: (hour: Int, minute: Int, second: Int, fraction: Double)?
        var numericZone: Int?      // seconds east of UTC
        var namedZone: Int?
        var zoneName: String?      // the named zone as written, lower-case
        var meridiem: Bool?        // true = PM
        var invalid = false
        /// Words the reader did not understand (at most a few, for the explanation).
        var leftover: [String] = []

        init(_ s: UnsafeBufferPointer<UInt8>) { self.s = s }

        mutating func run() -> Reading? {
            while i < s.count && !invalid {
                let c = s[i]
                if isDigit(c) {
                    scanNumberish()
                } else if c < 0x80 {
                    if c == 0x2B || c == 0x2D { // + -
                        sign(plus: c == 0x2B, length: 1)
                    } else if isASCIILetter(c) {
                        scanWord()
                    } else {
                        i += 1
                    }
                } else {
                    let (scalar, length) = scalar(at: i)
                    if scalar == "\u{2212}" {
                        sign(plus: false, length: length)
                    } else if scalar.properties.isAlphabetic {
                        scanWord()
                    } else {
                        i += length
                    }
                }
            }
            if invalid { return nil }
            return assemble()
        }

        /// A sign of `length` bytes at `i`: a numeric zone when digits follow ("-" only after the time).
        mutating func sign(plus: Bool, length: Int) {
            if i + length < s.count, isDigit(s[i + length]), plus || time != nil {
                i += length
                scanZone(negative: !plus)
            } else {
                i += length
            }
        }

        /// The scalar starting at byte `k` and its length in bytes.
        func scalar(at k: Int) -> (Unicode.Scalar, Int) {
            var it = UTF8.ForwardParser()
            var bytes = s[k...].makeIterator()
            if case .valid(let encoded) = it.parseScalar(from: &bytes) {
                return (UTF8.decode(encoded), encoded.count)
            }
            return ("\u{FFFD}", 1)
        }

        // Digits: a time, an ISO date, a Chinese "N月" month, or a plain number.
        mutating func scanNumberish() {
            let first = readDigits()
            if i + 1 < s.count, s[i] == 0x3A, isDigit(s[i + 1]) {
                i += 1
                let minute = readDigits()
                var second = Number(value: 0, digits: 2)
                var fraction = 0.0
                if i + 1 < s.count, s[i] == 0x3A, isDigit(s[i + 1]) {
                    i += 1
                    second = readDigits()
                    if i + 1 < s.count, s[i] == 0x2E || s[i] == 0x2C, isDigit(s[i + 1]) {
                        i += 1
                        let start = i
                        while i < s.count, isDigit(s[i]) { i += 1 }
                        var scale = 0.1
                        for k in start..<min(i, start + 9) {
                            fraction += Double(digitValue(s[k])) * scale
                            scale /= 10
                        }
                    }
                }
                guard first.digits <= 2, minute.digits == 2, second.digits == 2 else { invalid = true; return }
                if time == nil { time = (first.value, minute.value, second.value, fraction) }
                return
            }
            if first.digits == 4, i + 1 < s.count, s[i] == 0x2D || s[i] == 0x2F, isDigit(s[i + 1]) {
                let separator = s[i]
                let save = i
                i += 1
                let m = readDigits()
                if m.digits <= 2, i + 1 < s.count, s[i] == separator, isDigit(s[i + 1]) {
                    i += 1
                    let d = readDigits()
                    if d.digits <= 2 {
                        if isoDate == nil { isoDate = (first.value, m.value, d.value) }
                        if i + 1 < s.count, s[i] == 0x54 || s[i] == 0x74, isDigit(s[i + 1]) { i += 1 }
                        return
                    }
                }
                i = save
                addNumber(first)
                return
            }
            if i + 2 < s.count, s[i] == 0xE6, s[i + 1] == 0x9C, s[i + 2] == 0x88 { // 月
                i += 3
                if month == nil, (1...12).contains(first.value) { month = first.value }
                return
            }
            addNumber(first)
        }

        /// After the sign: "0800", "800", "08", "8", "08:00".
        mutating func scanZone(negative: Bool) {
            let first = readDigits()
            var hours: Int
            var minutes: Int
            if first.digits <= 2, i + 2 < s.count, s[i] == 0x3A, isDigit(s[i + 1]), isDigit(s[i + 2]) {
                i += 1
                let m = readDigits()
                guard m.digits == 2 else { invalid = true; return }
                hours = first.value
                minutes = m.value
            } else {
                switch first.digits {
                case 1, 2: hours = first.value; minutes = 0
                case 3, 4: hours = first.value / 100; minutes = first.value % 100
                default: invalid = true; return
                }
            }
            guard hours <= 23, minutes <= 59 else { invalid = true; return }
            let offset = (hours * 60 + minutes) * 60
            if numericZone == nil { numericZone = negative ? -offset : offset }
        }

        mutating func scanWord() {
            let start = i
            var ascii = true
            while i < s.count {
                let c = s[i]
                if c < 0x80 {
                    guard isASCIILetter(c) else { break }
                    i += 1
                } else {
                    let (scalar, length) = scalar(at: i)
                    guard scalar.properties.isAlphabetic else { break }
                    ascii = false
                    i += length
                }
            }
            // The word's first 16 characters, lower-cased.
            let word: String
            if ascii {
                // No table entry is longer than 9 letters.
                guard i - start <= 9 else {
                    if leftover.count < 4 { leftover.append(String(decoding: UnsafeBufferPointer(rebasing: s[start..<min(i, start + 16)]), as: UTF8.self)) }
                    return
                }
                word = ByteText.lowercasedASCII(s, start..<i)
            } else {
                var text = ""
                text.unicodeScalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: s[start..<i]), as: UTF8.self)
                    .unicodeScalars.prefix(16))
                word = text.lowercased()
            }
            switch words[word] {
            case .month(let m)?:
                if month == nil { month = m }
            case .zone(let zone)?:
                if namedZone == nil { namedZone = zone; zoneName = word }
            case .am?:
                meridiem = false
            case .pm?:
                meridiem = true
            case .known?:
                break
            case nil:
                if word.unicodeScalars.count == 1, let c = word.unicodeScalars.first, c.isASCII, c != "j" {
                    // Military zone letters: RFC 5322 says treat as -0000, a zone that says nothing.
                    if time != nil, namedZone == nil { namedZone = 0; zoneName = word }
                } else if leftover.count < 4 {
                    leftover.append(word)
                }
            }
        }

        mutating func addNumber(_ n: Number) {
            if numberCount == 0 { firstNumbers.0 = n } else if numberCount == 1 { firstNumbers.1 = n }
            numberCount += 1
        }

        mutating func readDigits() -> Number {
            var value = 0
            var digits = 0
            while i < s.count, isDigit(s[i]) {
                if digits < 9 { value = value * 10 + digitValue(s[i]) }
                digits += 1
                i += 1
            }
            return Number(value: value, digits: digits)
        }

        func assemble() -> Reading? {
            var year: Int
            var monthValue: Int
            var day: Int
            if let iso = isoDate {
                (year, monthValue, day) = iso
            } else {
                guard let m = month, numberCount >= 2 else { return nil }
                monthValue = m
                let (a, b) = firstNumbers
                let yearNumber: Number
                if a.digits >= 3 || a.value > 31 {
                    yearNumber = a
                    day = b.value
                    guard b.digits <= 2 else { return nil }
                } else {
                    yearNumber = b
                    day = a.value
                    guard a.digits <= 2 else { return nil }
                }
                guard yearNumber.digits <= 4 else { return nil }
                year = yearNumber.value
                switch yearNumber.digits {
                case 1, 2: year += year < 50 ? 2000 : 1900
                case 3: year += 1900
                default: break
                }
            }
            guard (1...9999).contains(year), (1...12).contains(monthValue),
                  day >= 1, day <= CivilTime.daysInMonth(year: year, month: monthValue) else { return nil }

            let clock = time ?? (hour: 0, minute: 0, second: 0, fraction: 0)
            var hour = clock.hour
            let minute = clock.minute, second = clock.second, fraction = clock.fraction
            if let pm = meridiem {
                guard (1...12).contains(hour) else { return nil }
                if pm && hour < 12 { hour += 12 }
                if !pm && hour == 12 { hour = 0 }
            }
            guard hour <= 23, minute <= 59, second <= 60 else { return nil }

            let offset = numericZone ?? namedZone ?? 0
            let days = CivilTime.dayNumber(year: year, month: monthValue, day: day)
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
            return Reading(date: Date(timeIntervalSince1970: Double(seconds) + fraction), doubt: doubt)
        }

        /// Why the reading names no one instant beyond doubt, nil when it does.
        var doubt: String? {
            if !leftover.isEmpty {
                return "Date header has text the reader does not understand (\(leftover.joined(separator: " ")))"
            }
            if time == nil { return "Date header has no time of day" }
            if numericZone != nil { return nil }
            guard let name = zoneName else { return "Date header has no zone" }
            if ["ut", "utc", "gmt", "z"].contains(name) { return nil }
            return "Date header's zone \(name.uppercased()) is ambiguous"
        }
    }

    // MARK: - Tables

    private enum Word {
        case month(Int)
        case zone(Int)   // seconds east of UTC
        case am
        case pm
        /// Understood and not needed: weekdays, the Chinese 年 and 日 after their numbers.
        case known
    }

    /// Month names (English and Chinese), zone names and AM/PM, lower-case (the tables do not overlap).
    private static let words: [String: Word] = {
        var table: [String: Word] = [:]
        for (name, m) in monthNames { table[name] = .month(m) }
        for (name, m) in chineseMonths { table[name] = .month(m) }
        for (name, zone) in zoneNames { table[name] = .zone(zone) }
        table["am"] = .am
        table["pm"] = .pm
        // Chinese clients: 上午/下午 and friends before the time, 年/日/号 after their numbers, 星期二/周二.
        for word in ["上午", "早上", "凌晨"] { table[word] = .am }
        for word in ["中午", "下午", "晚上", "傍晚"] { table[word] = .pm }
        let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        for day in weekdays { table[day] = .known; table[String(day.prefix(3))] = .known }
        for word in ["tues", "wed", "thur", "thurs", "年", "日", "号"] { table[word] = .known }
        for day in ["一", "二", "三", "四", "五", "六", "日", "天"] {
            table["星期" + day] = .known
            table["周" + day] = .known
            table["礼拜" + day] = .known
        }
        return table
    }()

    private static let monthNames: [String: Int] = {
        let full = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                    "november", "december"]
        var table: [String: Int] = [:]
        for (index, name) in full.enumerated() {
            table[name] = index + 1
            table[String(name.prefix(3))] = index + 1
        }
        table["sept"] = 9
        return table
    }()

    private static let chineseMonths: [String: Int] = [
        "一月": 1, "二月": 2, "三月": 3, "四月": 4, "五月": 5, "六月": 6, "七月": 7, "八月": 8, "九月": 9, "十月": 10,
        "十一月": 11, "十二月": 12,
    ]

    /// Seconds east of UTC. "CST" is RFC 822 Central Standard Time; a numeric offset beside it wins.
    private static let zoneNames: [String: Int] = {
        let hours: [String: Double] = [
            "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0,
            "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
            "akst": -9, "akdt": -8, "hst": -10,
            "bst": 1, "west": 1, "cet": 1, "met": 1, "cest": 2, "mest": 2, "eet": 2, "eest": 3, "msk": 3,
            "ist": 5.5, "hkt": 8, "sgt": 8, "awst": 8, "jst": 9, "kst": 9, "acst": 9.5, "aest": 10, "aedt": 11,
            "nzst": 12, "nzdt": 13,
        ]
        return hours.mapValues { Int($0 * 3600) }
    }()
}

private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
private func digitValue(_ c: UInt8) -> Int { Int(c) - 0x30 }
private func isASCIILetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
