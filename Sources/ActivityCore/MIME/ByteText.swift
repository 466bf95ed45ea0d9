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
        if range.isEmpty { return "" }
        return String(unsafeUninitializedCapacity: range.count) { out in
            var k = 0
            for i in range {
                out[k] = lowerASCII(bytes[i])
                k += 1
            }
            return k
        }
    }

    /// ASCII bytes upper-cased into a string (the caller guarantees they are ASCII).
    static func uppercasedASCII(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        if range.isEmpty { return "" }
        return String(unsafeUninitializedCapacity: range.count) { out in
            var k = 0
            for i in range {
                out[k] = upperASCII(bytes[i])
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

    /// `s.trimmedWhitespace` (Unicode white space, whole characters) without a copy when there is nothing to trim.
    static func trimmedWhitespace(_ s: String) -> String {
        let utf8 = s.utf8
        guard let first = utf8.first, let last = utf8.last else { return s }
        // `Character.isWhitespace` reads the character's first scalar. An ASCII byte that is not white space settles
        // it at either end: it is the first scalar there, or it ends a character whose first scalar is a Prepend
        // (no white-space scalar combines with a following ASCII scalar).
        let headClean = first < 0x80 ? !isASCIIWhitespace(first) : !(s.first?.isWhitespace ?? false)
        let tailClean = last < 0x80 ? !isASCIIWhitespace(last) : !(s.last?.isWhitespace ?? false)
        return headClean && tailClean ? s : s.trimmedWhitespace
    }
}
