/// Parses one framed response (from `IMAPResponseFramer`) into an `IMAPResponse`.
///
///     response-data   = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data /
///                       message-data / capability-data) CRLF
///     response-tagged = tag SP resp-cond-state CRLF
///     continue-req    = "+" SP (resp-text / base64) CRLF
///
/// The parser is lenient where real servers are sloppy (a missing space, a bare LF) and strict
/// where leniency would misread data (literal sizes, quoting, nesting).
public struct IMAPResponseParser {
    /// The response's bytes, borrowed for the parse (values copy what they keep).
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    public static func parse(_ bytes: [UInt8]) throws -> IMAPResponse {
        try bytes.withUnsafeBufferPointer { try parse($0) }
    }

    /// As `parse(_:)`, over bytes the caller holds (the framer's buffer: no copy of the response).
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> IMAPResponse {
        var p = IMAPResponseParser(bytes: bytes)
        return try p.response()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private mutating func response() throws -> IMAPResponse {
        if peek == UInt8(ascii: "+") {
            i += 1
            skipSpaces()
            return .continuation(text: restOfLine())
        }
        let tag = readAtomText()
        guard !tag.isEmpty else { throw IMAPProtocolError("a response has no tag: \(preview)") }
        skipSpaces()
        if tag == "*" {
            let first = readAtomText()
            skipSpaces()
            if let n = Int(first) {
                let name = readAtomText().uppercased()
                skipSpaces()
                return .numbered(number: n, name: name, values: try values(untilEnd: true, depth: 0))
            }
            let name = first.uppercased()
            if let status = IMAPStatus(rawValue: name) {
                let (code, text) = try responseText()
                return .untaggedStatus(status: status, code: code, text: text)
            }
            guard !name.isEmpty else { throw IMAPProtocolError("an untagged response has no name: \(preview)") }
            return .data(name: name, values: try values(untilEnd: true, depth: 0))
        }
        let word = readAtomText().uppercased()
        guard let status = IMAPStatus(rawValue: word), status != .preauth else {
            throw IMAPProtocolError("a tagged response has no OK, NO or BAD: \(preview)")
        }
        skipSpaces()
        let (code, text) = try responseText()
        return .tagged(tag: tag, status: status, code: code, text: text)
    }

    /// resp-text = ["[" resp-text-code "]" SP] text
    private mutating func responseText() throws -> (IMAPResponseCode?, String) {
        var code: IMAPResponseCode? = nil
        if peek == UInt8(ascii: "[") {
            i += 1
            let name = readAtomText(stopAtBracket: true).uppercased()
            skipSpaces()
            var vals: [IMAPValue] = []
            while let c = peek, c != UInt8(ascii: "]"), !isLineEnd(c) {
                vals.append(try value(depth: 1, inCode: true))
                skipSpaces()
            }
            if peek == UInt8(ascii: "]") { i += 1 }
            code = IMAPResponseCode(name: name, values: vals)
            skipSpaces()
        }
        return (code, restOfLine())
    }

    private mutating func values(untilEnd: Bool, depth: Int) throws -> [IMAPValue] {
        var out: [IMAPValue] = []
        while true {
            skipSpaces()
            guard let c = peek, !isLineEnd(c) else { return out }
            out.append(try value(depth: depth, inCode: false))
        }
    }

    private mutating func value(depth: Int, inCode: Bool) throws -> IMAPValue {
        guard let c = peek else { throw IMAPProtocolError("a response ends in the middle of a value: \(preview)") }
        switch c {
        case UInt8(ascii: "("):
            guard depth < IMAPLimits.maxDepth else {
                throw IMAPProtocolError("lists nest deeper than \(IMAPLimits.maxDepth) levels")
            }
            i += 1
            var items: [IMAPValue] = []
            while true {
                skipSpaces()
                guard let d = peek else { throw IMAPProtocolError("a list is not closed: \(preview)") }
                if d == UInt8(ascii: ")") { i += 1; return .list(items) }
                if isLineEnd(d) { throw IMAPProtocolError("a list is not closed before the line ends: \(preview)") }
                items.append(try value(depth: depth + 1, inCode: inCode))
            }
        case UInt8(ascii: "\""):
            return .string(try quoted())
        case UInt8(ascii: "{"):
            return .string(try literal())
        case UInt8(ascii: "~") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "{"):
            i += 1
            return .string(try literal())
        default:
            let r = readAtom(stopAtBracket: inCode)
            if r.isEmpty {
                // A stray ")" or "]" where a value was expected: skip it rather than loop.
                i += 1
                throw IMAPProtocolError("unexpected character in a response: \(preview)")
            }
            if bytes[r].allSatisfy({ $0 < 0x80 }) {
                // ASCII: characters are bytes (and a String's count need not be counted).
                if r.count == 3, bytes[r].elementsEqual("NIL".utf8, by: { $0 & 0xDF == $1 }) { return .nilValue }
                return .atom(String(decoding: bytes[r], as: UTF8.self))
            }
            let a = String(decoding: bytes[r], as: UTF8.self)
            if a.count == 3 && a.uppercased() == "NIL" { return .nilValue }
            return .atom(a)
        }
    }

    private mutating func quoted() throws -> [UInt8] {
        i += 1
        // Without escapes the string is the bytes up to the closing quote.
        var end = i
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"),
              bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let out = Array(bytes[i..<end])
            i = end + 1
            return out
        }
        var out: [UInt8] = []
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; return out }
            if c == UInt8(ascii: "\\") && i + 1 < bytes.count { out.append(bytes[i + 1]); i += 2; continue }
            if c == 0x0A || c == 0x0D { break }
            out.append(c)
            i += 1
        }
        throw IMAPProtocolError("a quoted string is not closed: \(preview)")
    }

    /// `{n}` CRLF and n bytes; the framer has already made sure they are all here.
    private mutating func literal() throws -> [UInt8] {
        i += 1
        var n = 0
        var digits = 0
        while let c = peek, c >= 0x30, c <= 0x39 {
            n = n * 10 + Int(c - 0x30)
            digits += 1
            i += 1
            if digits > 10 { throw IMAPProtocolError("a literal size is too large") }
        }
        if peek == UInt8(ascii: "+") { i += 1 }
        guard digits > 0, peek == UInt8(ascii: "}") else { throw IMAPProtocolError("a literal announcement is malformed: \(preview)") }
        i += 1
        if peek == 0x0D { i += 1 }
        guard peek == 0x0A else { throw IMAPProtocolError("a literal announcement is not followed by a line end: \(preview)") }
        i += 1
        guard n <= IMAPLimits.maxLiteralSize, i + n <= bytes.count else {
            throw IMAPProtocolError("a literal of \(n) bytes runs past the response")
        }
        let out = Array(bytes[i..<(i + n)])
        i += n
        return out
    }

    /// An atom, including `\Flags`, numbers, and section specs such as
    /// `BODY[HEADER.FIELDS (FROM TO)]<0>` whose brackets may hold spaces and parentheses.
    private mutating func readAtomText(stopAtBracket: Bool = false) -> String {
        String(decoding: bytes[readAtom(stopAtBracket: stopAtBracket)], as: UTF8.self)
    }

    private mutating func readAtom(stopAtBracket: Bool) -> Range<Int> {
        let begin = i
        while let c = peek {
            if c == UInt8(ascii: "[") && !stopAtBracket {
                // Section spec: read to the matching "]".
                var level = 0
                while let d = peek, !isLineEnd(d) {
                    if d == UInt8(ascii: "[") { level += 1 }
                    if d == UInt8(ascii: "]") { level -= 1; if level == 0 { i += 1; break } }
                    i += 1
                }
                continue
            }
            if c == 0x20 || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: "\"")
                || c == UInt8(ascii: "{") || isLineEnd(c) || c < 0x20 || c == 0x7F {
                break
            }
            if stopAtBracket && c == UInt8(ascii: "]") { break }
            i += 1
        }
        return begin..<i
    }

    private mutating func restOfLine() -> String {
        let begin = i
        while let c = peek, !isLineEnd(c) { i += 1 }
        return String(decoding: bytes[begin..<i], as: UTF8.self)
    }

    private mutating func skipSpaces() {
        while peek == 0x20 { i += 1 }
    }

    private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }
    private func isLineEnd(_ c: UInt8) -> Bool { c == 0x0D || c == 0x0A }

    private var preview: String {
        String(decoding: bytes.prefix(120).filter { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
    }
}
