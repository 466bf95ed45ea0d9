/// Content-Transfer-Encoding (RFC 2045 §6): base64 and quoted-printable; anything else is
/// identity. Lenient as mail readers are: junk characters in base64 are skipped, a broken
/// `=XY` in quoted-printable is kept as written.
public enum TransferEncoding {
    public static func decode(_ bytes: [UInt8], encoding: String) -> [UInt8] {
        switch encoding.lowercased() {
        case "base64": return base64(bytes)
        case "quoted-printable": return quotedPrintable(bytes)
        default: return bytes
        }
    }

    public static func base64(_ bytes: [UInt8]) -> [UInt8] {
        base64(bytes, strict: false) ?? []
    }

    /// Base64, stopping at the first "=". Lenient: characters outside the alphabet (line breaks,
    /// junk) are skipped, and the URL-safe "-" and "_" accepted. Strict: the standard alphabet
    /// only; anything else makes the result nil.
    public static func base64<C: Collection>(_ bytes: C, strict: Bool) -> [UInt8]? where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in bytes {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            case UInt8(ascii: "-") where !strict: v = 62
            case UInt8(ascii: "_") where !strict: v = 63
            case UInt8(ascii: "="): return out
            default:
                if strict { return nil }
                continue
            }
            acc = (acc << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }

    public static func quotedPrintable(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "=") {
                // Soft line break: "=" CRLF (or bare LF).
                if i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 2; continue }
                if i + 2 < bytes.count && bytes[i + 1] == 0x0D && bytes[i + 2] == 0x0A { i += 3; continue }
                if i + 2 < bytes.count, let byte = Hex.byte(bytes[i + 1], bytes[i + 2]) {
                    out.append(byte)
                    i += 3
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return out
    }
}
