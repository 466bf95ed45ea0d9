import Foundation

/// IMAP mailbox-name encoding (RFC 3501 5.1.3).
public enum ModifiedUTF7 {
    /// RFC 3501 5.1.3 mailbox names: "&XfJT0ZAB-" <-> "已发送", "&-" <-> "&". nil if malformed: a byte outside
    /// printable US-ASCII, an "&" run without its closing "-", a character outside the modified base64 alphabet,
    /// left-over bits that are not zero, an odd number of bytes, an unpaired surrogate, or an encoded NUL.
    /// (Lenient about encoder style: needlessly encoded ASCII and adjacent encoded runs are accepted.)
    public static func decode(_ s: String) -> String? {
        let b = Array(s.utf8)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            let c = b[i]
            guard c >= 0x20 && c <= 0x7E else { return nil }
            if c != 0x26 {
                out.append(Unicode.Scalar(c))
                i += 1
                continue
            }
            i += 1
            guard i < b.count else { return nil }
            if b[i] == 0x2D {
                out.append("&")
                i += 1
                continue
            }
            var bytes: [UInt8] = []
            var acc: UInt32 = 0
            var bits = 0
            while i < b.count, b[i] != 0x2D {
                guard let v = value(b[i]) else { return nil }
                acc = (acc << 6) | v
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    bytes.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                    acc &= (1 << UInt32(bits)) - 1
                }
                i += 1
            }
            guard i < b.count else { return nil }   // no closing "-"
            i += 1
            guard bits < 6, acc == 0, !bytes.isEmpty, bytes.count % 2 == 0 else { return nil }
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var k = 0
            while k < bytes.count {
                units.append(UInt16(bytes[k]) << 8 | UInt16(bytes[k + 1]))
                k += 2
            }
            var iterator = units.makeIterator()
            var utf16 = UTF16()
            decoding: while true {
                switch utf16.decode(&iterator) {
                case .scalarValue(let scalar):
                    guard scalar.value != 0 else { return nil }
                    out.append(scalar)
                case .emptyInput: break decoding
                case .error: return nil
                }
            }
        }
        return String(out)
    }

    /// Printable US-ASCII stands for itself ("&" as "&-"); every other run becomes "&" + modified base64 of its
    /// UTF-16BE + "-".
    public static func encode(_ s: String) -> String {
        var out = ""
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(pending.count * 2)
            for unit in pending {
                bytes.append(UInt8(unit >> 8))
                bytes.append(UInt8(unit & 0xFF))
            }
            out += "&"
            var acc: UInt32 = 0
            var bits = 0
            for byte in bytes {
                acc = (acc << 8) | UInt32(byte)
                bits += 8
                while bits >= 6 {
                    bits -= 6
                    out.unicodeScalars.append(alphabet[Int((acc >> UInt32(bits)) & 0x3F)])
                }
                acc &= (1 << UInt32(bits)) - 1
            }
            if bits > 0 {
                out.unicodeScalars.append(alphabet[Int((acc << UInt32(6 - bits)) & 0x3F)])
            }
            out += "-"
            pending.removeAll(keepingCapacity: true)
        }
        for scalar in s.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                out += scalar == "&" ? "&-" : String(scalar)
            } else {
                pending.append(contentsOf: String(scalar).utf16)
            }
        }
        flush()
        return out
    }

    private static let alphabet: [Unicode.Scalar] =
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".unicodeScalars)

    private static func value(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x41...0x5A: return UInt32(c - 0x41)
        case 0x61...0x7A: return UInt32(c - 0x61 + 26)
        case 0x30...0x39: return UInt32(c - 0x30 + 52)
        case 0x2B: return 62
        case 0x2C: return 63
        default: return nil
        }
    }
}
