import Foundation

/// One unfolded content line: NAME;PARAM=VALUE,...:VALUE. The parameters and the value stay bytes of the line
/// until they are asked for.
struct ICalContentLine {
    var name: String                  // upper-cased
    var line: Int
    /// The logical line.
    let bytes: [UInt8]
    let rawParameters: [RawParameter]
    /// The value: everything after the ':' that ends the name and parameters.
    let valueRange: Range<Int>

    struct RawParameter {
        var name: Range<Int>
        /// Without the quotes of quoted values.
        var values: [Range<Int>]
    }

    /// Names upper-cased and trimmed, values with RFC 6868 escapes decoded.
    var parameters: [(name: String, values: [String])] {
        rawParameters.map { (name: parameterName($0), values: $0.values.map(parameterValue)) }
    }

    /// The first value of the first parameter called `name` (upper case, ASCII).
    func parameter(_ name: String) -> String? {
        for p in rawParameters where parameterName(p, is: name) { return p.values.first.map(parameterValue) }
        return nil
    }

    /// The value as text.
    var value: Substring { Substring(text(valueRange)) }

    /// The value without the `.whitespaces` around it, as bytes.
    var trimmedValueRange: Range<Int> {
        bytes.withUnsafeBufferPointer { ByteText.trimSpaces($0, valueRange) }
    }

    /// `value.trimmingCharacters(in: .whitespaces)`.
    var trimmedValue: String { text(trimmedValueRange) }

    /// `value.trimmingCharacters(in: .whitespaces).uppercased()`.
    var trimmedUppercasedValue: String { uppercased(trimmedValueRange) }

    func text(_ range: Range<Int>) -> String {
        bytes.withUnsafeBufferPointer { ByteText.string($0, range) }
    }

    func isASCII(_ range: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { ByteText.isASCII(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// The bytes of `range` as text, upper-cased.
    func uppercased(_ range: Range<Int>) -> String {
        bytes.withUnsafeBufferPointer { b in
            ByteText.isASCII(UnsafeBufferPointer(rebasing: b[range])) ? ByteText.uppercasedASCII(b, range)
                : ByteText.string(b, range).uppercased()
        }
    }

    private func parameterName(_ p: RawParameter) -> String {
        uppercased(bytes.withUnsafeBufferPointer { ByteText.trimSpaces($0, p.name) })
    }

    /// Whether the parameter's name, trimmed and upper-cased, is `name` (ASCII upper case).
    private func parameterName(_ p: RawParameter, is name: String) -> Bool {
        let r = bytes.withUnsafeBufferPointer { ByteText.trimSpaces($0, p.name) }
        guard isASCII(r) else { return parameterName(p) == name }   // "ß" upper-cases to "SS"
        guard r.count == name.utf8.count else { return false }
        return zip(bytes[r], name.utf8).allSatisfy { ByteText.upperASCII($0) == $1 }
    }

    private func parameterValue(_ range: Range<Int>) -> String {
        ICalText.decodeParameter(Substring(text(range)))
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
            try begin(content.trimmedUppercasedValue, line: line)
        case "END":
            let name = content.trimmedUppercasedValue
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
        let (name, parameters, valueStart) = try bytes.withUnsafeBufferPointer { try split($0, line: line) }
        return ICalContentLine(name: name, line: line, bytes: bytes, rawParameters: parameters,
                               valueRange: valueStart..<bytes.count)
    }

    private static func split(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws
        -> (String, [ICalContentLine.RawParameter], Int) {
        var i = 0
        let n = bytes.count
        func isNameByte(_ b: UInt8) -> Bool {
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E || b == 0x2F
        }
        func isDelimiter(_ b: UInt8) -> Bool { b == UInt8(ascii: ",") || b == UInt8(ascii: ";") || b == UInt8(ascii: ":") }
        while i < n && isNameByte(bytes[i]) { i += 1 }
        guard i > 0, i < n, bytes[i] == UInt8(ascii: ":") || bytes[i] == UInt8(ascii: ";") else {
            let shown = String(decoding: bytes.prefix(60), as: UTF8.self)
            throw ActivityError(.dataError, "line \(line): \"\(shown)\" is not an iCalendar content line (NAME:VALUE)")
        }
        let name = ByteText.uppercasedASCII(bytes, 0..<i)   // name bytes are ASCII
        var parameters: [ICalContentLine.RawParameter] = []
        while i < n && bytes[i] == UInt8(ascii: ";") {
            i += 1
            let nameStart = i
            while i < n && bytes[i] != UInt8(ascii: "=") && bytes[i] != UInt8(ascii: ";") && bytes[i] != UInt8(ascii: ":") { i += 1 }
            let nameRange = nameStart..<i
            var values: [Range<Int>] = []
            if i < n && bytes[i] == UInt8(ascii: "=") {
                i += 1
                while true {
                    if i < n && bytes[i] == UInt8(ascii: "\"") {
                        let start = i + 1
                        i = start
                        while i < n && bytes[i] != UInt8(ascii: "\"") { i += 1 }
                        guard i < n else {
                            let trimmed = ByteText.trimSpaces(bytes, nameRange)
                            let pname = ByteText.string(bytes, trimmed).uppercased()
                            throw ActivityError(.dataError, "line \(line): unterminated quoted value of parameter \(pname.prefix(40))")
                        }
                        values.append(start..<i)
                        i += 1
                        // Tolerate junk after the closing quote up to the next delimiter.
                        while i < n && !isDelimiter(bytes[i]) { i += 1 }
                    } else {
                        let start = i
                        while i < n && !isDelimiter(bytes[i]) { i += 1 }
                        values.append(start..<i)
                    }
                    if i < n && bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    break
                }
            }
            parameters.append(.init(name: nameRange, values: values))
        }
        guard i < n, bytes[i] == UInt8(ascii: ":") else {
            throw ActivityError(.dataError, "line \(line): property \(name.prefix(40)) has no ':' before its value")
        }
        return (name, parameters, i + 1)
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
        // The frame is taken off the stack while it changes, so that its arrays are not copied.
        switch stack[stack.count - 1] {
        case .calendar:
            if p.name == "METHOD" {
                let m = p.trimmedUppercasedValue
                calendar.method = m.isEmpty ? nil : m
            }
        case .event:
            guard case .event(var b) = stack.removeLast() else { return }
            try eventProperty(p, &b)
            stack.append(.event(b))
        case .timeZone:
            guard case .timeZone(var b) = stack.removeLast() else { return }
            if p.name == "TZID" { b.tzid = p.trimmedValue }
            stack.append(.timeZone(b))
        case .observance:
            guard case .observance(var o) = stack.removeLast() else { return }
            try observanceProperty(p, &o)
            stack.append(.observance(o))
        case .other:
            break
        }
    }

    private func dateTime(_ p: ICalContentLine) throws -> ICalDateTime {
        try p.bytes.withUnsafeBufferPointer { try dateTime(p, UnsafeBufferPointer(rebasing: $0[p.valueRange])) }
    }

    private func dateTime(_ p: ICalContentLine, _ text: UnsafeBufferPointer<UInt8>) throws -> ICalDateTime {
        let forceDate = p.parameter("VALUE")?.uppercased() == "DATE"
        guard let v = ICalDateTime.parse(text, tzid: p.parameter("TZID"), forceDate: forceDate) else {
            let shown = String(decoding: text, as: UTF8.self).prefix(40)
            throw ActivityError(.dataError, "line \(p.line): \(p.name) value \"\(shown)\" is not a DATE or DATE-TIME")
        }
        return v
    }

    /// RDATE/EXDATE lists; PERIOD values contribute their start.
    private func dateList(_ p: ICalContentLine) throws -> [ICalDateTime] {
        var ends: [Int: ICalPeriodEnd] = [:]
        return try dateList(p, periodEnds: &ends)
    }

    /// RDATE/EXDATE lists; PERIOD values contribute their start, and their end (an explicit end or
    /// a duration, RFC 5545 3.3.9) goes to `periodEnds` under the value's index.
    private func dateList(_ p: ICalContentLine, periodEnds: inout [Int: ICalPeriodEnd]) throws -> [ICalDateTime] {
        var out: [ICalDateTime] = []
        var ends: [Int: ICalPeriodEnd] = [:]
        defer { periodEnds = ends }
        func add(_ startText: [UInt8], _ endText: [UInt8]? = nil) throws {
            let value = try startText.withUnsafeBufferPointer { text -> ICalDateTime? in
                if ByteText.trimSpaces(text, 0..<text.count).isEmpty { return nil }
                return try dateTime(p, text)
            }
            guard let value else { return }
            if let endText, !value.isDate {
                let e = String(decoding: endText, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                if e.hasPrefix("P") || e.hasPrefix("+P") || e.hasPrefix("-P") {
                    if let d = ICalDuration.parse(e), d.timeInterval > 0 { ends[out.count] = .duration(d) }
                } else if let end = ICalDateTime.parse(e, tzid: p.parameter("TZID")), !end.isDate {
                    ends[out.count] = .end(end)
                }
            }
            out.append(value)
            if out.count > ICalendar.Limits.maxValuesPerProperty {
                throw ActivityError(.dataError, "line \(p.line): \(p.name) has more than \(ICalendar.Limits.maxValuesPerProperty) values")
            }
        }
        if p.isASCII(p.valueRange) {
            // ASCII: the characters are the bytes.
            for item in p.bytes[p.valueRange].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
                let halves = item.split(separator: UInt8(ascii: "/"), maxSplits: 1)
                try add(Array(halves.first ?? item), halves.count == 2 ? Array(halves[1]) : nil)
            }
        } else {
            // Split as characters: a combining mark after "," or "/" makes it no separator.
            for item in p.value.split(separator: ",", omittingEmptySubsequences: true) {
                let halves = item.split(separator: "/", maxSplits: 1)
                try add(Array((halves.first ?? item).utf8), halves.count == 2 ? Array(halves[1].utf8) : nil)
            }
        }
        return out
    }

    private func participant(_ p: ICalContentLine) -> ICalParticipant {
        let address: String
        let trimmed = p.trimmedValueRange
        if p.isASCII(trimmed) {
            address = p.bytes.withUnsafeBufferPointer { b in
                var r = trimmed
                let mailto = Array("mailto:".utf8)
                if r.count >= mailto.count, zip(b[r], mailto).allSatisfy({ ByteText.lowerASCII($0) == $1 }) {
                    r = ByteText.trimSpaces(b, (r.lowerBound + mailto.count)..<r.upperBound)
                }
                return ByteText.lowercasedASCII(b, r)
            }
        } else {
            var text = p.trimmedValue
            if text.lowercased().hasPrefix("mailto:") { text = String(text.dropFirst(7)) }
            address = text.trimmingCharacters(in: .whitespaces).lowercased()
        }
        func param(_ name: String) -> String? {
            guard let v = p.parameter(name).map(ByteText.trimmingSpaces), !v.isEmpty else { return nil }
            return v
        }
        return ICalParticipant(address: address, name: param("CN"), partstat: param("PARTSTAT")?.uppercased(),
                               role: param("ROLE")?.uppercased())
    }

    private func eventProperty(_ p: ICalContentLine, _ b: inout EventBuilder) throws {
        switch p.name {
        case "UID":
            b.uid = p.trimmedValue
        case "RECURRENCE-ID":
            b.event.recurrenceID = try dateTime(p)
            b.event.rangeThisAndFuture = p.parameter("RANGE")?.uppercased() == "THISANDFUTURE"
        case "SEQUENCE":
            b.event.sequence = Int(p.trimmedValue).map { max(0, $0) } ?? 0
        case "STATUS":
            let s = p.trimmedUppercasedValue
            b.event.status = s.isEmpty ? nil : s
        case "SUMMARY":
            b.event.summary = ICalText.unescape(p)
        case "DESCRIPTION":
            b.event.description = ICalText.unescape(p)
        case "LOCATION":
            b.event.location = ICalText.unescape(p)
        case "URL":
            let u = p.trimmedValue
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
            // RFC 5545: SHOULD NOT occur more than once; the first wins.
            guard b.event.rrule == nil, b.event.problem == nil else { return }
            do {
                b.event.rrule = try RecurrenceRule.parse(String(p.value))
            } catch let e as ActivityError {
                // A rule that cannot be read refuses its series (RecurrenceExpander), not the file:
                // the other meetings in it still count (RFC 5545 3.3.10, RFC 7529 for RSCALE).
                b.event.problem = "line \(p.line): \(e.message)"
            }
        case "RDATE":
            var ends: [Int: ICalPeriodEnd] = [:]
            let values = try dateList(p, periodEnds: &ends)
            for (i, end) in ends { b.event.rdatePeriodEnds[b.event.rdates.count + i] = end }
            b.event.rdates.append(contentsOf: values)
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
                o.rrule = try RecurrenceRule.parse(String(p.value), allowUnknownParts: true)
            } catch let e as ActivityError {
                throw ActivityError(.dataError, "line \(p.line): \(e.message)")
            }
        case "RDATE":
            o.rdates.append(contentsOf: try dateList(p))
        case "TZNAME":
            o.name = ICalText.unescape(p)
        default:
            break
        }
    }

    /// UTC-OFFSET: "+0800", "-0500", "+053000".
    static func offset(_ p: ICalContentLine) throws -> Int {
        let trimmed = p.trimmedValueRange
        if p.isASCII(trimmed) {
            // ASCII: characters are bytes.
            let b = p.bytes[trimmed]
            let digits = b.dropFirst()
            if let sign = b.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), digits.count == 4 || digits.count == 6,
               digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                let d = digits.map { Int($0 - 0x30) }
                let seconds = (d[0] * 10 + d[1]) * 3600 + (d[2] * 10 + d[3]) * 60 + (d.count == 6 ? d[4] * 10 + d[5] : 0)
                return sign == UInt8(ascii: "-") ? -seconds : seconds
            }
        }
        let s = p.trimmedValue
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
