import Foundation

/// A raw RFC 5322 header block (bytes up to the blank line), unfolded, names case-insensitive.
///
/// Field values are decoded from bytes per field with `Charsets.decodeHeaderBytes` (UTF-8 per RFC 6532, else GB18030,
/// else Latin-1), so one field in a stray charset does not spoil the others. Lines that are not fields (an mbox
/// "From " line, garbage without a colon, a name with spaces or control characters) are skipped together with their
/// continuation lines.
public struct MessageHeaders: Sendable {
    struct Field: Sendable {
        var name: String
        var key: String     // lower-cased name
        var keyHash: UInt32 // `hash(key)`: most lookups are settled without comparing strings
        var value: String
    }

    private let storage: [Field]

    /// Offset of the first byte after the blank line that ends the header block (`raw.count` when there is none).
    public let bodyOffset: Int

    /// Parses a header block; also accepts a full message and stops at the first empty line (CRLF CRLF or LF LF).
    public init(raw: [UInt8]) {
        (storage, bodyOffset) = raw.withUnsafeBufferPointer { Self.parse($0) }
    }

    private static func parse(_ raw: UnsafeBufferPointer<UInt8>) -> ([Field], Int) {
        var fields: [Field] = []
        fields.reserveCapacity(16)
        var name: Range<Int>? = nil
        // The value's bytes: a range of `raw` while the field is one line, `folded` once it has continuations.
        var value = 0..<0
        var folded: [UInt8] = []
        var isFolded = false
        var lineStart = 0
        var end = raw.count
        let n = raw.count

        func finish() {
            if let nameRange = name {
                let text: String
                if isFolded {
                    text = folded.withUnsafeBufferPointer { decodeValue($0, 0..<$0.count) }
                } else {
                    text = decodeValue(raw, value)
                }
                fields.append(Field(name: ByteText.string(raw, nameRange), key: ByteText.lowercasedASCII(raw, nameRange),
                                    keyHash: hash(raw, nameRange), value: text))
            }
            name = nil
            isFolded = false
        }

        while lineStart < n {
            let lineEnd = memchr(raw.baseAddress! + lineStart, 0x0A, n - lineStart)
                .map { UnsafeRawPointer($0) - UnsafeRawPointer(raw.baseAddress!) } ?? n
            let next = lineEnd < n ? lineEnd + 1 : lineEnd
            var contentEnd = lineEnd
            if contentEnd > lineStart, raw[contentEnd - 1] == 0x0D { contentEnd -= 1 }

            if contentEnd == lineStart {
                // The empty line ends the header block.
                end = next
                break
            }
            let first = raw[lineStart]
            if first == 0x20 || first == 0x09 {
                // Continuation: unfolding removes only the line break, the leading whitespace stays.
                if name != nil {
                    if !isFolded {
                        folded.removeAll(keepingCapacity: true)
                        folded.append(contentsOf: UnsafeBufferPointer(rebasing: raw[value]))
                        isFolded = true
                    }
                    folded.append(contentsOf: UnsafeBufferPointer(rebasing: raw[lineStart..<contentEnd]))
                }
            } else {
                finish()
                var colon = lineStart
                while colon < contentEnd, raw[colon] != 0x3A { colon += 1 }
                if colon < contentEnd {
                    var nameEnd = colon
                    while nameEnd > lineStart, raw[nameEnd - 1] == 0x20 || raw[nameEnd - 1] == 0x09 { nameEnd -= 1 }
                    if nameEnd > lineStart, Self.isFieldName(raw, lineStart..<nameEnd) {
                        name = lineStart..<nameEnd
                        value = (colon + 1)..<contentEnd
                    }
                }
            }
            lineStart = next
        }
        finish()
        return (fields, end)
    }

    /// A field value: WSP and line breaks trimmed (they are ASCII in every charset the decoder tries, so trimming
    /// the bytes equals trimming the text), then decoded.
    private static func decodeValue(_ raw: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        let trimmed = ByteText.trimWSP(raw, range)
        return Charsets.decodeHeaderBytes(UnsafeBufferPointer(rebasing: raw[trimmed]))
    }

    /// Convenience for text already in memory.
    public init(string: String) {
        self.init(raw: Array(string.utf8))
    }

    /// In order; value unfolded (CRLF+WSP -> WSP), raw (not 2047-decoded), leading/trailing WSP trimmed.
    public var fields: [(name: String, value: String)] {
        storage.map { (name: $0.name, value: $0.value) }
    }

    /// All values of the field `name` (case-insensitive), in order.
    public func values(_ name: String) -> [String] {
        values(Key(name))
    }

    /// The first value of the field `name` (case-insensitive).
    public func first(_ name: String) -> String? {
        first(Key(name))
    }

    /// A field name prepared for lookups: lower-cased and hashed once.
    struct Key: Sendable {
        let name: String
        let hash: UInt32

        init(_ name: String) {
            self.name = ByteText.lowercased(name)
            hash = MessageHeaders.hash(self.name)
        }
    }

    // By index: a field is read in place, not copied (with its three strings) for every comparison.
    func values(_ key: Key) -> [String] {
        var out: [String] = []
        for i in storage.indices where storage[i].keyHash == key.hash && storage[i].key == key.name {
            out.append(storage[i].value)
        }
        return out
    }

    func first(_ key: Key) -> String? {
        for i in storage.indices where storage[i].keyHash == key.hash && storage[i].key == key.name { return storage[i].value }
        return nil
    }

    /// FNV-1a of the lower-cased name's bytes.
    private static func hash(_ key: String) -> UInt32 {
        var key = key
        return key.withUTF8 { hash($0, 0..<$0.count) }
    }

    /// FNV-1a of the bytes lower-cased (ASCII).
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt32 {
        var h = FNV1a32()
        for i in range { h.add(ByteText.lowerASCII(bytes[i])) }
        return h.value
    }

    /// First value with RFC 2047 encoded words decoded (for Subject etc.).
    public func decoded(_ name: String) -> String? {
        first(name).map(EncodedWords.decode)
    }

    /// Whether the field occurs at all.
    public func contains(_ name: String) -> Bool {
        first(name) != nil
    }

    // MARK: - Helpers

    /// RFC 5322 field-name: printable US-ASCII except colon.
    private static func isFieldName(_ raw: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        for i in range where raw[i] < 0x21 || raw[i] > 0x7E { return false }
        return true
    }

    static func trimWSP(_ s: String) -> String {
        let scalars = s.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        func isWSP(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" || c == "\n" }
        while start < end, isWSP(scalars[start]) { start = scalars.index(after: start) }
        while end > start, isWSP(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }
}
