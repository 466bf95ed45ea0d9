import Foundation

/// A parsed VCALENDAR (one or several in one text; a CalDAV item or a mail's text/calendar part).
public struct ICalendar: Sendable {
    /// METHOD (REQUEST, CANCEL, PUBLISH…), upper-cased.
    public var method: String?
    /// Every VEVENT, masters and RECURRENCE-ID overrides, in document order.
    public var events: [ICalEvent]
    /// VTIMEZONE by TZID.
    public var timeZones: [String: ICalTimeZone]

    public init(method: String? = nil, events: [ICalEvent] = [], timeZones: [String: ICalTimeZone] = [:]) {
        self.method = method
        self.events = events
        self.timeZones = timeZones
    }

    /// Limits against hostile input.
    public enum Limits {
        public static let maxBytes = 10 * 1024 * 1024
        public static let maxLinesPerComponent = 100_000
        public static let maxComponents = 100_000
        public static let maxDepth = 32
        public static let maxValuesPerProperty = 10_000
    }

    /// Parses iCalendar text: CRLF or bare LF line ends, folded lines (CRLF/LF + space or tab), a BOM;
    /// unknown components and properties are skipped. Throws `ActivityError(.dataError)` naming the line.
    public static func parse(_ text: String) throws -> ICalendar {
        var bytes = Array(text.utf8)
        guard bytes.count <= Limits.maxBytes else {
            throw ActivityError(.dataError, "calendar text is larger than \(Limits.maxBytes / 1024 / 1024) MB")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var parser = ICalParser()
        return try parser.parse(bytes)
    }

    /// Parses bytes as UTF-8 (the RFC 5545 default), falling back to GB18030 and then Latin-1 when they are not valid UTF-8.
    public static func parse(bytes: [UInt8]) throws -> ICalendar {
        guard bytes.count <= Limits.maxBytes else {
            throw ActivityError(.dataError, "calendar text is larger than \(Limits.maxBytes / 1024 / 1024) MB")
        }
        // RFC 5545 lets a fold split a multi-byte character: judge the encoding on the unfolded text. Valid UTF-8
        // stays valid when folds (ASCII) are taken out, so text that is valid as it stands needs no unfolding.
        let valid = bytes.withUnsafeBufferPointer { ByteText.isASCII($0) || String(validating: $0, as: UTF8.self) != nil }
        let unfolded = valid ? [] : ICalText.unfold(bytes)
        if valid || String(validating: unfolded, as: UTF8.self) != nil {
            var raw = bytes
            if raw.starts(with: [0xEF, 0xBB, 0xBF]) { raw.removeFirst(3) }
            var parser = ICalParser()
            return try parser.parse(raw)
        }
        if let text = ICalText.gb18030(unfolded) { return try parse(text) }
        return try parse(String(decoding: unfolded.map { UInt16($0) }, as: UTF16.self))
    }

    /// Every TZID used by the events (and defined by VTIMEZONEs).
    public var referencedTZIDs: Set<String> {
        var ids = Set(timeZones.keys)
        func add(_ v: ICalDateTime?) {
            if let v, case .tzid(let id) = v.zone { ids.insert(id) }
        }
        for e in events {
            add(e.start); add(e.end); add(e.recurrenceID); add(e.rrule?.until)
            e.rdates.forEach(add)
            e.exdates.forEach(add)
        }
        return ids
    }
}

public struct ICalEvent: Sendable {
    public var uid: String
    public var recurrenceID: ICalDateTime?
    public var sequence: Int
    /// TENTATIVE / CONFIRMED / CANCELLED, upper-cased.
    public var status: String?
    /// TEXT unescaped (\n \, \; \\).
    public var summary: String
    public var description: String?
    public var location: String?
    public var url: String?
    public var organizer: ICalParticipant?
    public var attendees: [ICalParticipant]
    public var start: ICalDateTime?
    public var end: ICalDateTime?
    /// DURATION in seconds (a day counted as 86 400 s); `nominalDuration` keeps days apart.
    public var duration: TimeInterval?
    public var nominalDuration: ICalDuration?
    public var rrule: RecurrenceRule?
    /// RDATE values (a PERIOD contributes its start).
    public var rdates: [ICalDateTime]
    /// The end of each RDATE;VALUE=PERIOD, by its index in `rdates` (RFC 5545 3.8.5.2: that
    /// instance lasts as long as its period, not as the master's DTEND/DURATION says).
    public var rdatePeriodEnds: [Int: ICalPeriodEnd] = [:]
    public var exdates: [ICalDateTime]
    /// DTSTART is a DATE (VALUE=DATE).
    public var isAllDay: Bool
    /// RECURRENCE-ID;RANGE=THISANDFUTURE.
    public var rangeThisAndFuture: Bool
    /// Why this event's recurrence cannot be read (an RRULE with an unknown or misspelt part, an
    /// RSCALE the engine does not support): the expander refuses the series, not the whole file.
    public var problem: String? = nil
    /// The line of BEGIN:VEVENT (1-based), for messages.
    public var line: Int

    public init(uid: String, recurrenceID: ICalDateTime? = nil, sequence: Int = 0, status: String? = nil,
                summary: String = "", description: String? = nil, location: String? = nil, url: String? = nil,
                organizer: ICalParticipant? = nil, attendees: [ICalParticipant] = [], start: ICalDateTime? = nil,
                end: ICalDateTime? = nil, duration: ICalDuration? = nil, rrule: RecurrenceRule? = nil,
                rdates: [ICalDateTime] = [], exdates: [ICalDateTime] = [], line: Int = 0) {
        self.uid = uid
        self.recurrenceID = recurrenceID
        self.sequence = sequence
        self.status = status
        self.summary = summary
        self.description = description
        self.location = location
        self.url = url
        self.organizer = organizer
        self.attendees = attendees
        self.start = start
        self.end = end
        self.duration = duration?.timeInterval
        self.nominalDuration = duration
        self.rrule = rrule
        self.rdates = rdates
        self.exdates = exdates
        self.isAllDay = start?.isDate ?? false
        self.rangeThisAndFuture = false
        self.line = line
    }
}

/// The end of an RDATE;VALUE=PERIOD (RFC 5545 3.3.9): an explicit end or a duration.
public enum ICalPeriodEnd: Sendable, Equatable {
    case end(ICalDateTime)
    case duration(ICalDuration)
}

public struct ICalParticipant: Sendable, Equatable, Hashable {
    /// The calendar address with "mailto:" stripped, lower-cased.
    public var address: String
    /// CN.
    public var name: String?
    /// PARTSTAT, upper-cased.
    public var partstat: String?
    /// ROLE, upper-cased.
    public var role: String?

    public init(address: String, name: String? = nil, partstat: String? = nil, role: String? = nil) {
        self.address = address
        self.name = name
        self.partstat = partstat
        self.role = role
    }
}

// MARK: - Text helpers

enum ICalText {
    /// `unescape` of a content line's value, on its bytes when every backslash stands between ASCII bytes (then
    /// each backslash and escaped character is a character of its own).
    static func unescape(_ p: ICalContentLine) -> String {
        p.bytes.withUnsafeBufferPointer { b in
            let r = p.valueRange
            var plain = true
            var i = r.lowerBound
            while i < r.upperBound {
                if b[i] == 0x5C {
                    if i > r.lowerBound && b[i - 1] >= 0x80 { return unescape(p.value) }
                    if i + 1 < r.upperBound && b[i + 1] >= 0x80 { return unescape(p.value) }
                    if i + 2 < r.upperBound && b[i + 2] >= 0x80 { return unescape(p.value) }
                    plain = false
                }
                i += 1
            }
            if plain { return ByteText.string(b, r) }
            var out: [UInt8] = []
            out.reserveCapacity(r.count)
            var escaping = false
            for i in r {
                let c = b[i]
                if escaping {
                    out.append(c == UInt8(ascii: "n") || c == UInt8(ascii: "N") ? 0x0A : c)
                    escaping = false
                } else if c == 0x5C {
                    escaping = true
                } else {
                    out.append(c)
                }
            }
            if escaping { out.append(0x5C) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// TEXT unescaping (RFC 5545 3.3.11): \n \N → newline, \, \; \\ → the character; other escapes keep the character.
    static func unescape(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var escaping = false
        for c in s {
            if escaping {
                out.append(c == "n" || c == "N" ? "\n" : c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        if escaping { out.append("\\") }
        return out
    }

    /// Removes line folds (CRLF, CR or LF followed by a space or tab).
    static func unfold(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == 0x0D || b == 0x0A {
                var j = i + 1
                if b == 0x0D && j < n && bytes[j] == 0x0A { j += 1 }
                if j < n && (bytes[j] == 0x20 || bytes[j] == 0x09) {
                    i = j + 1
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return out
    }

    /// Splits a TEXT list on unescaped commas.
    static func splitUnescapedCommas(_ s: Substring) -> [Substring] {
        var parts: [Substring] = []
        var start = s.startIndex
        var i = s.startIndex
        var escaping = false
        while i < s.endIndex {
            let c = s[i]
            if escaping { escaping = false } else if c == "\\" { escaping = true } else if c == "," {
                parts.append(s[start..<i])
                start = s.index(after: i)
            }
            i = s.index(after: i)
        }
        parts.append(s[start...])
        return parts
    }

    /// RFC 6868 parameter value decoding: ^n newline, ^' double quote, ^^ caret.
    static func decodeParameter(_ s: Substring) -> String {
        guard s.contains("^") else { return String(s) }
        var out = ""
        var caret = false
        for c in s {
            if caret {
                switch c {
                case "n", "N": out.append("\n")
                case "'": out.append("\"")
                case "^": out.append("^")
                default: out.append("^"); out.append(c)
                }
                caret = false
            } else if c == "^" {
                caret = true
            } else {
                out.append(c)
            }
        }
        if caret { out.append("^") }
        return out
    }

    /// GB18030 → String; nil when the bytes are not valid GB18030 or iconv is missing.
    static func gb18030(_ bytes: [UInt8]) -> String? {
        if case .success(let text) = Charsets.convert(bytes, from: "GB18030") { return text }
        return nil
    }
}

