/// Hexadecimal digits, both ways: the one home of reading `%XX` and `=XX` escapes (URLs,
/// quoted-printable, RFC 2047 Q) and of writing digests, tokens and percent escapes.
public enum Hex {
    /// The value of one hex digit (`0`–`9`, `a`–`f`, `A`–`F`); nil for any other byte.
    @inline(__always)
    public static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The byte two hex digits write (`4F` → 0x4F); nil unless both are hex digits.
    @inline(__always)
    public static func byte(_ high: UInt8, _ low: UInt8) -> UInt8? {
        guard let h = value(high), let l = value(low) else { return nil }
        return h << 4 | l
    }

    /// Two lower-case digits a byte (`[0x0a, 0xff]` → `0aff`).
    public static func lowercase<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var i = 0
            for b in bytes {
                out[i] = digit(b >> 4, upper: false)
                out[i + 1] = digit(b & 0xF, upper: false)
                i += 2
            }
            return i
        }
    }

    /// The 16 lower-case digits of a 64-bit value, most significant first.
    public static func lowercase(_ value: UInt64) -> String {
        withUnsafeBytes(of: value.bigEndian) { lowercase($0) }
    }

    /// `%XX` with upper-case digits (RFC 3986's preferred form).
    public static func percentEscape(_ byte: UInt8) -> String {
        String(unsafeUninitializedCapacity: 3) { out in
            out[0] = UInt8(ascii: "%")
            out[1] = digit(byte >> 4, upper: true)
            out[2] = digit(byte & 0xF, upper: true)
            return 3
        }
    }

    @inline(__always)
    static func digit(_ nibble: UInt8, upper: Bool) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : (upper ? UInt8(ascii: "A") : UInt8(ascii: "a")) + nibble - 10
    }
}
