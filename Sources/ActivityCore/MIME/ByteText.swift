/// Byte-level text helpers for the header and calendar parsers: ASCII fast paths that give exactly
/// what the corresponding `String` operation gives, and fall back to it when a byte is not ASCII.
enum ByteText {
    /// `Character.isWhitespace` for an ASCII byte: tab, LF, VT, FF, CR and space.
    @inline(__always)
    static func isASCIIWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || (b >= 0x09 && b <= 0x0D)
    }

    /// RFC 5322 WSP and line breaks: space, tab, CR, LF.
    @inline(__always)
    static func isWSP(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A
    }

    @inline(__always)
    static func lowerASCII(_ b: UInt8) -> UInt8 {
        b >= 0x41 && b <= 0x5A ? b | 0x20 : b
    }

    @inline(__always)
    static func upperASCII(_ b: UInt8) -> UInt8 {
        b >= 0x61 && b <= 0x7A ? b & 0xDF : b
    }

    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        // Eight bytes at a time while there are eight.
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                i += 8
            }
        }
        while i < n {
            if bytes[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// The range of `bytes` without leading and trailing RFC 5322 WSP and line breaks.
    static func trimWSP(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end, isWSP(bytes[start]) { start += 1 }
        while end > start, isWSP(bytes[end - 1]) { end -= 1 }
        return start..<end
    }

    /// A string from bytes; ASCII goes straight in, anything else is decoded as UTF-8 with repair.
    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        range.isEmpty ? "" : String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// ASCII bytes lower-cased into a string (the caller guarantees they are ASCII).
    static func lowercasedASCII(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        mapped(bytes, range, lowerASCII)
    }

    /// ASCII bytes upper-cased into a string (the caller guarantees they are ASCII).
    static func uppercasedASCII(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        mapped(bytes, range, upperASCII)
    }

    @inline(__always)
    private static func mapped(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ map: (UInt8) -> UInt8) -> String {
        if range.isEmpty { return "" }
        return String(unsafeUninitializedCapacity: range.count) { out in
            var k = 0
            for i in range {
                out[k] = map(bytes[i])
                k += 1
            }
            return k
        }
    }

    /// `s.lowercased()`, without the Unicode machinery when `s` is ASCII.
    static func lowercased(_ s: String) -> String {
        var s = s
        return s.withUTF8 { b in
            isASCII(b) ? lowercasedASCII(b, 0..<b.count) : String(decoding: b, as: UTF8.self).lowercased()
        }
    }

    /// Whether `s` surely has no white space (Unicode's, whole characters) to trim at either end,
    /// seen from its first and last bytes (see `String.trimmedWhitespace`).
    static func hasNothingToTrim(_ s: String) -> Bool {
        var text = s
        return text.withUTF8 { b in
            b.isEmpty || (startsWithNonWhitespace(b) && endsWithNonWhitespace(b))
        }
    }

    /// Whether the first character is not white space (`Character.isWhitespace` reads the first scalar).
    private static func startsWithNonWhitespace(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let first = b[0]
        if first < 0x80 { return !isASCIIWhitespace(first) }
        var parser = UTF8.ForwardParser()
        var bytes = b.makeIterator()
        guard case .valid(let encoded) = parser.parseScalar(from: &bytes) else { return true }  // U+FFFD
        return !isNonASCIIWhitespace(UTF8.decode(encoded))
    }

    /// Whether the last character is known not to be white space; false when that takes grapheme breaking.
    private static func endsWithNonWhitespace(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let last = b[b.count - 1]
        // An ASCII byte that is not white space ends a character that is not: it is the character's first scalar,
        // or a Prepend scalar is (no white-space scalar combines with a following ASCII scalar).
        if last < 0x80 { return !isASCIIWhitespace(last) }
        // Likewise for a scalar that neither extends the character before it nor is white space itself: letters of
        // the Latin supplements, CJK ideographs, kana, Hangul syllables.
        var k = b.count - 1
        while k > 0, b.count - k < 4, b[k] & 0xC0 == 0x80 { k -= 1 }
        var parser = UTF8.ForwardParser()
        var bytes = UnsafeBufferPointer(rebasing: b[k...]).makeIterator()
        guard case .valid(let encoded) = parser.parseScalar(from: &bytes), k + encoded.count == b.count else { return false }
        switch UTF8.decode(encoded).value {
        case 0xC0...0x24F, 0x3041...0x3096, 0x30A1...0x30FA, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3: return true
        default: return false
        }
    }

    /// White_Space scalars outside ASCII.
    private static func isNonASCIIWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    // MARK: - Foundation's `.whitespaces`

    /// `s.trimmingCharacters(in: .whitespaces)` without Foundation: the scalars trimmed are tab and the space
    /// separators (Zs) Foundation's set holds, U+200B included.
    static func trimmingSpaces(_ s: String) -> String {
        var text = s
        return text.withUTF8 { b in
            let r = trimSpaces(b, 0..<b.count)
            return r.count == b.count ? nil : string(b, r)
        } ?? s
    }

    /// The range without leading and trailing `.whitespaces` scalars. The bytes need not be valid UTF-8: a
    /// complete encoding of a space scalar is that scalar whatever precedes or follows it.
    static func trimSpaces(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end {
            let n = spaceLength(b, at: start, end: end)
            if n == 0 { break }
            start += n
        }
        while end > start {
            let n = spaceLength(b, endingAt: end, start: start)
            if n == 0 { break }
            end -= n
        }
        return start..<end
    }

    /// The length of the `.whitespaces` scalar that starts at `i` (before `end`), 0 if there is none.
    private static func spaceLength(_ b: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> Int {
        let c = b[i]
        if c == 0x20 || c == 0x09 { return 1 }
        if c < 0x80 { return 0 }
        if end - i >= 2, isSpace2(b[i], b[i + 1]) { return 2 }
        if end - i >= 3, isSpace3(b[i], b[i + 1], b[i + 2]) { return 3 }
        return 0
    }

    /// The length of the `.whitespaces` scalar that ends at `end` (after `start`), 0 if there is none.
    private static func spaceLength(_ b: UnsafeBufferPointer<UInt8>, endingAt end: Int, start: Int) -> Int {
        let c = b[end - 1]
        if c == 0x20 || c == 0x09 { return 1 }
        if c < 0x80 { return 0 }
        if end - start >= 2, isSpace2(b[end - 2], c) { return 2 }
        if end - start >= 3, isSpace3(b[end - 3], b[end - 2], c) { return 3 }
        return 0
    }

    /// U+00A0.
    private static func isSpace2(_ a: UInt8, _ b: UInt8) -> Bool { a == 0xC2 && b == 0xA0 }

    /// U+1680, U+2000–U+200B, U+202F, U+205F, U+3000.
    private static func isSpace3(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool {
        switch (a, b) {
        case (0xE1, 0x9A): return c == 0x80
        case (0xE2, 0x80): return (c >= 0x80 && c <= 0x8B) || c == 0xAF
        case (0xE2, 0x81): return c == 0x9F
        case (0xE3, 0x80): return c == 0x80
        default: return false
        }
    }
}
