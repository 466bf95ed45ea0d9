import Foundation

/// One unfolded content line: NAME;PARAM=VALUE,...:VALUE.
struct ICalContentLine {
    var name: String                  // upper-cased
    var parameters: [(name: String, values: [String])]
    var value: Substring
    var line: Int

    func parameter(_ name: String) -> String? {
        parameters.first(where: { $0.name == name })?.values.first
    }
}

/// The RFC 5545 reader behind `ICalendar.parse`.
struct ICalParser {
    private enum Frame {
        case calendar
        case event(EventBuilder)
        case timeZone(TimeZoneBuilder)
        case observance(ObservanceBuilder)
        case other(String)

        var name: String {
            switch self {
            case .calendar: return "VCALENDAR"
            case .event: return "VEVENT"
            case .timeZone: return "VTIMEZONE"
            case .observance(let o): return o.isDaylight ? "DAYLIGHT" : "STANDARD"
            case .other(let n): return n
            }
        }
    }

    private struct EventBuilder {
        var line: Int
        var lines = 0
        var uid: String?
        var event = ICalEvent(uid: "")
    }

    private struct TimeZoneBuilder {
        var line: Int
        var lines = 0
        var tzid: String?
        var observances: [ICalTimeZone.Observance] = []
    }

    private struct ObservanceBuilder {
        var line: Int
        var lines = 0
        var isDaylight: Bool
        var start: ICalDateTime?
        var offsetFrom: Int?
        var offsetTo: Int?
        var rrule: RecurrenceRule?
        var rdates: [ICalDateTime] = []
        var name: String?
    }

    private var stack: [Frame] = []
    private var calendar = ICalendar()
    private var sawCalendar = false
    private var components = 0
    private var linesInOther: [Int] = []   // line counts of open skipped components (and the calendar)

    mutating func parse(_ bytes: [UInt8]) throws -> ICalendar {
        var logical: [UInt8] = []
        var logicalLine = 0
        var physicalLine = 0
        var i = 0
        let n = bytes.count
        while i < n {
            // One physical line: up to CR, LF or CRLF.
            var j = i
            while j < n && bytes[j] != 0x0A && bytes[j] != 0x0D { j += 1 }
            physicalLine += 1
            let isContinuation = j > i && (bytes[i] == 0x20 || bytes[i] == 0x09) && logicalLine > 0
            if isContinuation {
                logical.append(contentsOf: bytes[(i + 1)..<j])
            } else if j > i {
                if logicalLine > 0 { try handle(logical, line: logicalLine) }
                logical.removeAll(keepingCapacity: true)
                logical.append(contentsOf: bytes[i..<j])
                logicalLine = physicalLine
            }
            // Skip the line end.
            if j < n && bytes[j] == 0x0D { j += 1 }
            if j < n && bytes[j] == 0x0A { j += 1 }
            i = j
        }
        if logicalLine > 0 { try handle(logical, line: logicalLine) }
        // A truncated text (no END lines) keeps what was complete enough to use.
        while !stack.isEmpty { try close(line: physicalLine, lenient: true) }
        guard sawCalendar || !calendar.events.isEmpty else {
            throw ActivityError(.dataError, "no BEGIN:VCALENDAR or BEGIN:VEVENT found: not iCalendar data")
        }
        return calendar
    }

    // MARK: - Lines

    private mutating func handle(_ bytes: [UInt8], line: Int) throws {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        let content = try Self.split(bytes, line: line)
        switch content.name {
        case "BEGIN":
            try begin(content.value.trimmingCharacters(in: .whitespaces).uppercased(), line: line)
        case "END":
            let name = content.value.trimmingCharacters(in: .whitespaces).uppercased()
            guard let index = stack.lastIndex(where: { $0.name == name }) else {
                throw ActivityError(.dataError, "line \(line): END:\(name.prefix(40)) without a matching BEGIN")
            }
            // Components left open inside are closed with it (lenient about producers that forget END lines).
            while stack.count > index { try close(line: line, lenient: stack.count - 1 > index) }
        default:
            try property(content)
        }
    }

    /// Splits NAME;P=V;P="V:;,":VALUE. Quoted parameter values may contain ':' ';' ','.
    static func split(_ bytes: [UInt8], line: Int) throws -> ICalContentLine {
        var i = 0
        let n = bytes.count
        func isNameByte(_ b: UInt8) -> Bool {
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E || b == 0x2F
        }
        while i < n && isNameByte(bytes[i]) { i += 1 }
        guard i > 0, i < n, bytes[i] == UInt8(ascii: ":") || bytes[i] == UInt8(ascii: ";") else {
            let shown = String(decoding: bytes.prefix(60), as: UTF8.self)
            throw ActivityError(.dataError, "line \(line): \"\(shown)\" is not an iCalendar content line (NAME:VALUE)")
        }
        let name = String(decoding: bytes[0..<i], as: UTF8.self).uppercased()
        var parameters: [(String, [String])] = []
        while i < n && bytes[i] == UInt8(ascii: ";") {
            i += 1
            let nameStart = i
            while i < n && bytes[i] != UInt8(ascii: "=") && bytes[i] != UInt8(ascii: ";") && bytes[i] != UInt8(ascii: ":") { i += 1 }
            let pname = String(decoding: bytes[nameStart..<i], as: UTF8.self).trimmingCharacters(in: .whitespaces).uppercased()
            var values: [String] = []
            if i < n && bytes[i] == UInt8(ascii: "=") {
                i += 1
                while true {
                    if i < n && bytes[i] == UInt8(ascii: "\"") {
                        let start = i + 1
                        i = start
                        while i < n && bytes[i] != UInt8(ascii: "\"") { i += 1 }
                        guard i < n else {
                            throw ActivityError(.dataError, "line \(line): unterminated quoted value of parameter \(pname.prefix(40))")
                        }
                        values.append(ICalText.decodeParameter(Substring(String(decoding: bytes[start..<i], as: UTF8.self))))
                        i += 1
                        // Tolerate junk after the closing quote up to the next delimiter.
                        while i < n && bytes[i] != UInt8(ascii: ",") && bytes[i] != UInt8(ascii: ";") && bytes[i] != UInt8(ascii: ":") { i += 1 }
                    } else {
                        let start = i
                        while i < n && bytes[i] != UInt8(ascii: ",") && bytes[i] != UInt8(ascii: ";") && bytes[i] != UInt8(ascii: ":") { i += 1 }
                        values.append(ICalText.decodeParameter(Substring(String(decoding: bytes[start..<i], as: UTF8.self))))
                    }
                    if i < n && bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    break
                }
            }
            parameters.append((pname, values))
        }
        guard i < n, bytes[i] == UInt8(ascii: ":") else {
            throw ActivityError(.dataError, "line \(line): property \(name.prefix(40)) has no ':' before its value")
        }
        let value = String(decoding: bytes[(i + 1)...], as: UTF8.self)
        return ICalContentLine(name: name, parameters: parameters, value: Substring(value), line: line)
    }

    // MARK: - Components

    private mutating func begin(_ name: String, line: Int) throws {
        components += 1
        guard components <= ICalendar.Limits.maxComponents else {
            throw ActivityError(.dataError, "line \(line): more than \(ICalendar.Limits.maxComponents) components")
        }
        guard stack.count < ICalendar.Limits.maxDepth else {
            throw ActivityError(.dataError, "line \(line): components nested deeper than \(ICalendar.Limits.maxDepth)")
        }
        let parent = stack.last
        switch (name, parent) {
        case ("VCALENDAR", nil):
            sawCalendar = true
            stack.append(.calendar)
        case ("VEVENT", .calendar?), ("VEVENT", nil):
            stack.append(.event(EventBuilder(line: line)))
        case ("VTIMEZONE", .calendar?), ("VTIMEZONE", nil):
            stack.append(.timeZone(TimeZoneBuilder(line: line)))
        case ("STANDARD", .timeZone?), ("DAYLIGHT", .timeZone?):
            stack.append(.observance(ObservanceBuilder(line: line, isDaylight: name == "DAYLIGHT")))
        default:
            guard !name.isEmpty else { throw ActivityError(.dataError, "line \(line): BEGIN without a component name") }
            stack.append(.other(String(name.prefix(80))))
        }
        linesInOther.append(0)
    }

    private mutating func close(line: Int, lenient: Bool) throws {
        guard let frame = stack.popLast() else { return }
        linesInOther.removeLast()
        switch frame {
        case .event(let b):
            guard let uid = b.uid, !uid.isEmpty else {
                if lenient { return }
                throw ActivityError(.dataError, "line \(b.line): VEVENT has no UID")
            }
            var event = b.event
            event.uid = uid
            event.line = b.line
            event.isAllDay = event.start?.isDate ?? false
            calendar.events.append(event)
        case .timeZone(let b):
            guard let tzid = b.tzid, !tzid.isEmpty else { return }   // unusable, skipped
            calendar.timeZones[tzid] = ICalTimeZone(tzid: tzid, observances: b.observances)
        case .observance(let o):
            guard let start = o.start, let to = o.offsetTo else { return }   // incomplete observances are skipped
            let observance = ICalTimeZone.Observance(isDaylight: o.isDaylight, start: start, offsetFrom: o.offsetFrom ?? to,
                                                     offsetTo: to, rrule: o.rrule, rdates: o.rdates, name: o.name)
            if case .timeZone(var tz)? = stack.last {
                tz.observances.append(observance)
                stack[stack.count - 1] = .timeZone(tz)
            }
        case .calendar, .other:
            break
        }
    }

    // MARK: - Properties

    private mutating func property(_ p: ICalContentLine) throws {
        guard !stack.isEmpty else { return }   // stray lines outside any component are ignored
        linesInOther[linesInOther.count - 1] += 1
        guard linesInOther[linesInOther.count - 1] <= ICalendar.Limits.maxLinesPerComponent else {
            throw ActivityError(.dataError, "line \(p.line): more than \(ICalendar.Limits.maxLinesPerComponent) lines in \(stack.last?.name ?? "a component")")
        }
        switch stack[stack.count - 1] {
        case .calendar:
            if p.name == "METHOD" {
                let m = p.value.trimmingCharacters(in: .whitespaces).uppercased()
                calendar.method = m.isEmpty ? nil : m
            }
        case .event(var b):
            try eventProperty(p, &b)
            stack[stack.count - 1] = .event(b)
        case .timeZone(var b):
            if p.name == "TZID" { b.tzid = p.value.trimmingCharacters(in: .whitespaces) }
            stack[stack.count - 1] = .timeZone(b)
        case .observance(var o):
            try observanceProperty(p, &o)
            stack[stack.count - 1] = .observance(o)
        case .other:
            break
        }
    }

    private func dateTime(_ p: ICalContentLine, _ text: Substring? = nil) throws -> ICalDateTime {
        let raw = text ?? p.value
        let forceDate = p.parameter("VALUE")?.uppercased() == "DATE"
        guard let v = ICalDateTime.parse(String(raw), tzid: p.parameter("TZID"), forceDate: forceDate) else {
            throw ActivityError(.dataError, "line \(p.line): \(p.name) value \"\(raw.prefix(40))\" is not a DATE or DATE-TIME")
        }
        return v
    }

    /// RDATE/EXDATE lists; PERIOD values contribute their start.
    private func dateList(_ p: ICalContentLine) throws -> [ICalDateTime] {
        var out: [ICalDateTime] = []
        for item in p.value.split(separator: ",", omittingEmptySubsequences: true) {
            let startText = item.split(separator: "/", maxSplits: 1).first ?? item
            if startText.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            out.append(try dateTime(p, startText))
            if out.count > ICalendar.Limits.maxValuesPerProperty {
                throw ActivityError(.dataError, "line \(p.line): \(p.name) has more than \(ICalendar.Limits.maxValuesPerProperty) values")
            }
        }
        return out
    }

    private func participant(_ p: ICalContentLine) -> ICalParticipant {
        var address = p.value.trimmingCharacters(in: .whitespaces)
        if address.lowercased().hasPrefix("mailto:") { address = String(address.dropFirst(7)) }
        address = address.trimmingCharacters(in: .whitespaces).lowercased()
        func param(_ name: String) -> String? {
            guard let v = p.parameter(name)?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        return ICalParticipant(address: address, name: param("CN"), partstat: param("PARTSTAT")?.uppercased(),
                               role: param("ROLE")?.uppercased())
    }

    private func eventProperty(_ p: ICalContentLine, _ b: inout EventBuilder) throws {
        switch p.name {
        case "UID":
            b.uid = p.value.trimmingCharacters(in: .whitespaces)
        case "RECURRENCE-ID":
            b.event.recurrenceID = try dateTime(p)
            b.event.rangeThisAndFuture = p.parameter("RANGE")?.uppercased() == "THISANDFUTURE"
        case "SEQUENCE":
            b.event.sequence = Int(p.value.trimmingCharacters(in: .whitespaces)).map { max(0, $0) } ?? 0
        case "STATUS":
            let s = p.value.trimmingCharacters(in: .whitespaces).uppercased()
            b.event.status = s.isEmpty ? nil : s
        case "SUMMARY":
            b.event.summary = ICalText.unescape(p.value)
        case "DESCRIPTION":
            b.event.description = ICalText.unescape(p.value)
        case "LOCATION":
            b.event.location = ICalText.unescape(p.value)
        case "URL":
            let u = p.value.trimmingCharacters(in: .whitespaces)
            b.event.url = u.isEmpty ? nil : u
        case "ORGANIZER":
            b.event.organizer = participant(p)
        case "ATTENDEE":
            if b.event.attendees.count < ICalendar.Limits.maxValuesPerProperty { b.event.attendees.append(participant(p)) }
        case "DTSTART":
            b.event.start = try dateTime(p)
        case "DTEND":
            b.event.end = try dateTime(p)
        case "DURATION":
            guard let d = ICalDuration.parse(String(p.value)) else {
                throw ActivityError(.dataError, "line \(p.line): DURATION \"\(p.value.prefix(40))\" is not a duration")
            }
            b.event.nominalDuration = d
            b.event.duration = d.timeInterval
        case "RRULE":
            guard b.event.rrule == nil else { return }   // RFC 5545: SHOULD NOT occur more than once; the first wins
            do {
                b.event.rrule = try RecurrenceRule.parse(String(p.value))
            } catch let e as ActivityError {
                throw ActivityError(.dataError, "line \(p.line): \(e.message)")
            }
        case "RDATE":
            b.event.rdates.append(contentsOf: try dateList(p))
        case "EXDATE":
            b.event.exdates.append(contentsOf: try dateList(p))
        default:
            break
        }
        if b.event.rdates.count + b.event.exdates.count > ICalendar.Limits.maxValuesPerProperty * 10 {
            throw ActivityError(.dataError, "line \(p.line): too many RDATE/EXDATE values")
        }
    }

    private func observanceProperty(_ p: ICalContentLine, _ o: inout ObservanceBuilder) throws {
        switch p.name {
        case "DTSTART":
            var v = try dateTime(p)
            v.zone = .floating   // local time in TZOFFSETFROM
            o.start = v
        case "TZOFFSETFROM":
            o.offsetFrom = try Self.offset(p)
        case "TZOFFSETTO":
            o.offsetTo = try Self.offset(p)
        case "RRULE":
            do {
                o.rrule = try RecurrenceRule.parse(String(p.value))
            } catch let e as ActivityError {
                throw ActivityError(.dataError, "line \(p.line): \(e.message)")
            }
        case "RDATE":
            o.rdates.append(contentsOf: try dateList(p))
        case "TZNAME":
            o.name = ICalText.unescape(p.value)
        default:
            break
        }
    }

    /// UTC-OFFSET: "+0800", "-0500", "+053000".
    static func offset(_ p: ICalContentLine) throws -> Int {
        let s = p.value.trimmingCharacters(in: .whitespaces)
        let digits = s.dropFirst()
        guard let sign = s.first, sign == "+" || sign == "-", digits.count == 4 || digits.count == 6,
              digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ActivityError(.dataError, "line \(p.line): \(p.name) \"\(s.prefix(20))\" is not a UTC offset like +0800")
        }
        let d = Array(digits).map { Int(String($0))! }
        let seconds = (d[0] * 10 + d[1]) * 3600 + (d[2] * 10 + d[3]) * 60 + (d.count == 6 ? d[4] * 10 + d[5] : 0)
        return sign == "-" ? -seconds : seconds
    }
}
