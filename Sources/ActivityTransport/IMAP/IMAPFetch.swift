// The mailbox data the sync reads, decoded from parsed responses: pure values, no I/O (the
// commands that fetch them are in IMAPMailbox.swift). Fuzzed with the reader (scripts/fuzz imap).

/// A mailbox as LIST reports it.
public struct IMAPFolder: Sendable, Equatable {
    /// The name as users know it (modified UTF-7 decoded): `已发送`.
    public var name: String
    /// The name as the server spells it on the wire: `&XfJT0ZAB-`.
    public var wireName: String
    /// Attributes in upper case: `\SENT`, `\NOSELECT`, `\HASCHILDREN`.
    public var attributes: Set<String>
    /// The hierarchy delimiter LIST gave (`/`, `.`), nil for a flat name.
    public var delimiter: String?

    public init(name: String, wireName: String, attributes: Set<String>, delimiter: String? = nil) {
        self.name = name
        self.wireName = wireName
        self.attributes = attributes
        self.delimiter = delimiter
    }

    /// The last level of the name: `Sent Mail` for `[Gmail]/Sent Mail`, `Sent` for `INBOX.Sent`.
    public var leafName: String {
        guard let d = delimiter?.first, let i = name.lastIndex(of: d) else { return name }
        return String(name[name.index(after: i)...])
    }

    /// How many levels deep the name is (`INBOX.Sent` and `[Gmail]/Sent Mail`: 1).
    public var depth: Int {
        guard let d = delimiter?.first else { return 0 }
        return name.reduce(0) { $0 + ($1 == d ? 1 : 0) }
    }

    public var isSelectable: Bool { !attributes.contains("\\NOSELECT") && !attributes.contains("\\NONEXISTENT") }
}

/// What EXAMINE (or STATUS) says about a mailbox.
public struct IMAPFolderStatus: Sendable, Equatable {
    public var uidValidity: UInt32
    public var uidNext: UInt32?
    public var highestModSeq: UInt64?
    public var messages: Int

    public init(uidValidity: UInt32, uidNext: UInt32?, highestModSeq: UInt64?, messages: Int) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.highestModSeq = highestModSeq
        self.messages = messages
    }
}

/// One message as the sync fetches it: headers and calendar parts only, never the body.
public struct FetchedMessage: Sendable {
    public var uid: UInt32
    public var sequence: Int
    /// INTERNALDATE as the server wrote it (`17-Nov-2026 10:05:00 +0800`).
    public var internalDate: String?
    public var headers: [UInt8]
    public var structure: BodyStructure?
    /// Decoded bodies of the `text/calendar` parts (filled by `fetchCalendarParts`).
    public var calendarParts: [[UInt8]] = []
}

/// The parts of BODYSTRUCTURE the sync needs: where the calendar parts are and how they are encoded.
public struct BodyStructure: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        /// IMAP part number: "1", "2.1".
        public var number: String
        public var type: String       // lower case: "text"
        public var subtype: String    // lower case: "calendar"
        public var parameters: [String: String]  // names in lower case
        public var encoding: String   // lower case: "base64", "7bit"
        /// body-fld-octets: the encoded size the server reports, if it did.
        public var size: Int? = nil
    }
    /// The leaf parts, in order.
    public var parts: [Part]
    /// The top-level type, e.g. "multipart/report".
    public var topType: String

    public var calendarParts: [Part] {
        parts.filter { ($0.type == "text" && $0.subtype == "calendar") || ($0.type == "application" && $0.subtype == "ics") }
    }

    /// Reads a BODYSTRUCTURE value; nil if it has no recognisable shape.
    public init?(_ value: IMAPValue) {
        guard let top = value.list else { return nil }
        var parts: [Part] = []
        var budget = 1000
        guard let topType = BodyStructure.walk(top, number: "", parts: &parts, depth: 0, budget: &budget) else { return nil }
        self.parts = parts
        self.topType = topType
    }

    /// Returns the type of this body; appends its leaves.
    private static func walk(_ body: [IMAPValue], number: String, parts: inout [Part], depth: Int, budget: inout Int) -> String? {
        budget -= 1
        guard depth < 32, budget > 0, let first = body.first else { return nil }
        if first.list != nil {
            // body-type-mpart: 1*body SP media-subtype
            var index = 0
            var subtype = "mixed"
            for element in body {
                if let child = element.list {
                    index += 1
                    let childNumber = number.isEmpty ? "\(index)" : "\(number).\(index)"
                    _ = walk(child, number: childNumber, parts: &parts, depth: depth + 1, budget: &budget)
                } else {
                    subtype = element.text?.lowercased() ?? subtype
                    break
                }
            }
            return "multipart/\(subtype)"
        }
        guard body.count >= 2 else { return nil }
        let type = body[0].text?.lowercased() ?? "text"
        let subtype = body[1].text?.lowercased() ?? "plain"
        var params: [String: String] = [:]
        if body.count > 2, let list = body[2].list {
            var k = 0
            while k + 1 < list.count {
                if let name = list[k].text?.lowercased(), let v = list[k + 1].text { params[name] = v }
                k += 2
            }
        }
        let encoding = body.count > 5 ? (body[5].text?.lowercased() ?? "7bit") : "7bit"
        let size = body.count > 6 ? body[6].number : nil
        parts.append(Part(number: number.isEmpty ? "1" : number, type: type, subtype: subtype, parameters: params,
                          encoding: encoding, size: size))
        return "\(type)/\(subtype)"
    }
}

extension FetchedMessage {
    /// A message from a `* n FETCH (UID … INTERNALDATE … BODY[…] … BODYSTRUCTURE …)` answer; nil
    /// for other responses and for an unsolicited FETCH without a UID (a flag change).
    public init?(_ response: IMAPResponse) {
        guard case .numbered(let seq, "FETCH", let values) = response, let items = values.first?.list else { return nil }
        var uid: UInt32? = nil
        self.init(uid: 0, sequence: seq, internalDate: nil, headers: [], structure: nil)
        var k = 0
        while k + 1 < items.count {
            let value = items[k + 1]
            switch FetchItem(items[k].atom ?? "") {
            case .uid: uid = value.number.flatMap { UInt32(exactly: $0) }
            case .internalDate: internalDate = value.text
            case .bodyStructure: structure = BodyStructure(value)
            case .bodySection: headers = value.bytes ?? []
            case .other: break
            }
            k += 2
        }
        guard let uid else { return nil }
        self.uid = uid
    }
}

/// The FETCH data items the sync reads, named case-insensitively.
private enum FetchItem {
    case uid, internalDate, bodyStructure, bodySection, other

    init(_ name: String) {
        var text = name
        self = text.withUTF8 { b in
            guard b.allSatisfy({ $0 < 0x80 }) else { return FetchItem(uppercased: name.uppercased()) }
            // ASCII: compare the bytes, upper-cased.
            func isName(_ expected: StaticString, prefix: Bool = false) -> Bool {
                let n = expected.utf8CodeUnitCount
                guard prefix ? b.count >= n : b.count == n else { return false }
                let e = UnsafeBufferPointer(start: expected.utf8Start, count: n)
                for k in 0..<n where (b[k] >= 0x61 && b[k] <= 0x7A ? b[k] & 0xDF : b[k]) != e[k] { return false }
                return true
            }
            if isName("UID") { return .uid }
            if isName("INTERNALDATE") { return .internalDate }
            if isName("BODYSTRUCTURE") { return .bodyStructure }
            if isName("BODY[", prefix: true) { return .bodySection }
            return .other
        }
    }

    /// The names compared as text (an "ı" upper-cases to "I").
    private init(uppercased key: String) {
        if key == "UID" {
            self = .uid
        } else if key == "INTERNALDATE" {
            self = .internalDate
        } else if key == "BODYSTRUCTURE" {
            self = .bodyStructure
        } else if key.hasPrefix("BODY[") {
            self = .bodySection
        } else {
            self = .other
        }
    }
}

/// A FETCH answer that was framed but could not be parsed: what can still be said about it.
public struct UnreadableFetch: Sendable, Equatable {
    /// The message sequence number (`* n FETCH`), if it could be read.
    public var sequence: Int?
    /// The UID (`UID n` in the answer), if it could be found.
    public var uid: UInt32?
    public var reason: String

    public init(sequence: Int?, uid: UInt32?, reason: String) {
        self.sequence = sequence
        self.uid = uid
        self.reason = reason
    }

    /// Reads the sequence number and UID from the raw answer without the grammar: the UID is
    /// the number after the first `UID ` outside a literal's bytes, good enough to refetch it.
    init(_ raw: [UInt8], _ error: IMAPProtocolError) {
        reason = error.message
        var i = 2   // after "* "
        var n = 0, digits = 0
        while i < raw.count, raw[i] >= 0x30, raw[i] <= 0x39, digits < 10 { n = n * 10 + Int(raw[i] - 0x30); i += 1; digits += 1 }
        sequence = digits > 0 ? n : nil
        uid = nil
        // Only the first line: literals (headers) come after a line end and may say anything.
        let lineEnd = raw.firstIndex(of: 0x0A) ?? raw.count
        let marker = Array("UID ".utf8)
        var j = i
        while j + marker.count < lineEnd {
            if (raw[j - 1] == 0x28 || raw[j - 1] == 0x20) && Array(raw[j..<(j + marker.count)]).map({ $0 & 0xDF }) == marker.map({ $0 & 0xDF }) {
                var k = j + marker.count, v: UInt64 = 0, d = 0
                while k < lineEnd, raw[k] >= 0x30, raw[k] <= 0x39, d < 10 { v = v * 10 + UInt64(raw[k] - 0x30); k += 1; d += 1 }
                if d > 0, let u = UInt32(exactly: v) { uid = u }
                break
            }
            j += 1
        }
    }
}

