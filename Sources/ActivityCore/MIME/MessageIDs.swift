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
        let b = Array(value.utf8)
        guard b.contains(0x3C) else { return bare(b) }
        var ids: [String] = []
        var i = 0
        while i < b.count {
            switch b[i] {
            case 0x3C: // <
                var id: [UInt8] = []
                i += 1
                while i < b.count, b[i] != 0x3E {
                    if b[i] == 0x3C {
                        id.removeAll(keepingCapacity: true) // "<<id>" or a stray "<": restart
                    } else if b[i] > 0x20 && b[i] != 0x7F {
                        id.append(b[i])
                    }
                    i += 1
                }
                i += 1
                if !id.isEmpty { ids.append(String(decoding: id, as: UTF8.self)) }
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

    private static func bare(_ b: [UInt8]) -> [String] {
        var ids: [String] = []
        var word: [UInt8] = []
        var depth = 0
        func flush() {
            if word.contains(0x40) { ids.append(String(decoding: word, as: UTF8.self)) }
            word.removeAll(keepingCapacity: true)
        }
        for c in b {
            if depth > 0 {
                if c == 0x28 { depth += 1 } else if c == 0x29 { depth -= 1 }
                continue
            }
            if c == 0x28 {
                flush()
                depth = 1
            } else if c <= 0x20 || c == 0x7F || c == 0x2C || c == 0x3E {
                flush()
            } else {
                word.append(c)
            }
        }
        flush()
        return ids
    }
}
