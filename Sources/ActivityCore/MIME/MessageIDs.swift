import Foundation

/// Message-ID, In-Reply-To and References values.
public enum MessageIDs {
    /// All <...> ids in a Message-ID / In-Reply-To / References value, in order, without angle brackets; bare ids
    /// without brackets when the header has no brackets at all.
    ///
    /// Comments and quoted strings between ids are skipped (old In-Reply-To values carry phrases); whitespace inside
    /// an id (left by folding) is removed; empty "<>" is dropped; an unclosed "<" runs to the end of the value.
    /// Bare ids are whitespace- or comma-separated words containing "@". Duplicates are kept. Work is linear.
    public static func parse(_ value: String) -> [String] {
        parse(value, limit: .max)
    }

    /// The first id of `parse(value)`, reading no further.
    static func first(_ value: String) -> String? {
        parse(value, limit: 1).first
    }

    /// The first `limit` ids.
    static func parse(_ value: String, limit: Int) -> [String] {
        var value = value
        return value.withUTF8 { b in
            guard b.contains(0x3C) else { return bare(b, limit: limit) }
            return bracketed(b, limit: limit)
        }
    }

    private static func bracketed(_ b: UnsafeBufferPointer<UInt8>, limit: Int) -> [String] {
        var ids: [String] = []
        var id: [UInt8] = []     // the id's bytes once whitespace inside it had to be left out
        var i = 0
        while i < b.count && ids.count < limit {
            switch b[i] {
            case 0x3C: // <
                i += 1
                var start = i        // while `inPlace`, the id is b[start..<i]
                var inPlace = true
                id.removeAll(keepingCapacity: true)
                while i < b.count, b[i] != 0x3E {
                    let c = b[i]
                    if c == 0x3C {
                        // "<<id>" or a stray "<": restart
                        id.removeAll(keepingCapacity: true)
                        inPlace = true
                        start = i + 1
                    } else if c > 0x20 && c != 0x7F {
                        if !inPlace { id.append(c) }
                    } else if inPlace {
                        id.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<i]))
                        inPlace = false
                    }
                    i += 1
                }
                let end = i
                i += 1
                if inPlace {
                    if end > start { ids.append(ByteText.string(b, start..<end)) }
                } else if !id.isEmpty {
                    ids.append(String(decoding: id, as: UTF8.self))
                }
            case 0x28: // ( comment
                var depth = 0
                while i < b.count {
                    if b[i] == 0x5C { i += 2; continue }
                    if b[i] == 0x28 { depth += 1 }
                    if b[i] == 0x29 { depth -= 1; if depth == 0 { i += 1; break } }
                    i += 1
                }
            case 0x22: // " quoted string
                i += 1
                while i < b.count, b[i] != 0x22 {
                    if b[i] == 0x5C { i += 1 }
                    i += 1
                }
                i += 1
            default:
                i += 1
            }
        }
        return ids
    }

    private static func bare(_ b: UnsafeBufferPointer<UInt8>, limit: Int) -> [String] {
        var ids: [String] = []
        var wordStart = 0   // the current word is b[wordStart..<i]
        var hasAt = false
        var depth = 0
        func flush(_ end: Int) {
            if hasAt && ids.count < limit { ids.append(ByteText.string(b, wordStart..<end)) }
            hasAt = false
        }
        for i in 0..<b.count {
            let c = b[i]
            if depth > 0 {
                if c == 0x28 { depth += 1 } else if c == 0x29 { depth -= 1 }
                wordStart = i + 1
                continue
            }
            if c == 0x28 {
                flush(i)
                depth = 1
                wordStart = i + 1
            } else if c <= 0x20 || c == 0x7F || c == 0x2C || c == 0x3E {
                flush(i)
                wordStart = i + 1
            } else if c == 0x40 {
                hasAt = true
            }
        }
        flush(b.count)
        return ids
    }
}
