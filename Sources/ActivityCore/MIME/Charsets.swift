import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Byte-to-text conversion for mail headers.
///
/// UTF-8, US-ASCII, ISO-8859-1 and Windows-1252 are decoded natively (no dependency on the
/// gconv modules being installed); everything else goes through glibc iconv.
public enum Charsets {
    /// Decode bytes in a named charset with glibc iconv (UTF-8, GBK, GB2312 -> decode as GB18030 superset, GB18030, Big5,
    /// ISO-8859-1, Windows-1252, Shift_JIS, EUC-KR, KOI8-R ... whatever iconv knows).
    /// nil if unknown charset or invalid bytes.
    public static func decode(_ bytes: [UInt8], charset: String) -> String? {
        guard let target = resolve(charset) else { return nil }
        switch target {
        case .utf8:
            return String(validating: bytes, as: UTF8.self)
        case .asciiLenient:
            // Mail labelled us-ascii routinely carries 8-bit bytes; decode them the way raw headers are decoded.
            return decodeHeaderBytes(bytes)
        case .latin1:
            return latin1(bytes)
        case .windows1252:
            return windows1252(bytes)
        case .iconv(let names):
            for name in names {
                switch convert(bytes, from: name) {
                case .success(let text): return text
                case .invalidInput: continue   // a later, wider candidate may still accept it
                case .unknownCharset: continue
                }
            }
            return nil
        }
    }

    /// Raw 8-bit header bytes: UTF-8 if valid (RFC 6532), else GB18030 (what Chinese mailers send undeclared),
    /// else Latin-1. Never fails.
    public static func decodeHeaderBytes(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { decodeHeaderBytes($0) }
    }

    static func decodeHeaderBytes(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if ByteText.isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        if case .success(let text) = convert(Array(bytes), from: "GB18030") { return text }
        return latin1(bytes)
    }

    // MARK: - Charset names

    enum Target: Equatable {
        case utf8
        case asciiLenient
        case latin1
        case windows1252
        case iconv([String])
    }

    /// Maps a MIME charset label to a decoder. nil for labels that cannot be a charset name.
    static func resolve(_ label: String) -> Target? {
        // A label that is already a known name (as encoded words give them) normalises to itself.
        if let known = aliases[label] { return known }
        var label = label
        var name: String
        if let ascii = label.withUTF8({ b in ByteText.isASCII(b) ? asciiName(b) : nil }) {
            name = ascii
        } else {
            name = label.trimmedWhitespace
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
                name = String(name.dropFirst().dropLast())
            }
            // RFC 2231 language suffix: "utf-8*en".
            if let star = name.firstIndex(of: "*") { name = String(name[..<star]) }
            name = name.lowercased()
        }
        guard !name.isEmpty, name.utf8.count <= 40 else { return nil }
        // Only characters that occur in real charset names; this also keeps "//TRANSLIT" and friends away from iconv.
        for byte in name.utf8 {
            let ok = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E || byte == 0x3A || byte == 0x2B
            if !ok { return nil }
        }
        if let known = aliases[name] { return known }
        if name.hasPrefix("x-"), let known = aliases[String(name.dropFirst(2))] { return known }
        return .iconv([name.uppercased()])
    }

    /// `resolve`'s normalisation of an ASCII label, on bytes: white space trimmed, surrounding quotes removed, cut at
    /// "*", lower-cased.
    private static func asciiName(_ b: UnsafeBufferPointer<UInt8>) -> String {
        var start = 0
        var end = b.count
        while start < end, ByteText.isASCIIWhitespace(b[start]) { start += 1 }
        while end > start, ByteText.isASCIIWhitespace(b[end - 1]) { end -= 1 }
        if end - start >= 2, b[start] == 0x22, b[end - 1] == 0x22 {
            start += 1
            end -= 1
        }
        var star = start
        while star < end, b[star] != 0x2A { star += 1 }
        return ByteText.lowercasedASCII(b, start..<star)
    }

    private static let gb18030: Target = .iconv(["GB18030"])
    private static let big5: Target = .iconv(["CP950", "BIG5-HKSCS", "BIG5"])
    private static let shiftJIS: Target = .iconv(["CP932", "SHIFT_JIS"])
    private static let eucKR: Target = .iconv(["CP949", "EUC-KR"])
    private static let eucJP: Target = .iconv(["EUC-JP-MS", "EUC-JP"])

    private static let aliases: [String: Target] = [
        "utf-8": .utf8, "utf8": .utf8, "unicode-1-1-utf-8": .utf8, "unicode-2-0-utf-8": .utf8, "unicode20utf8": .utf8,

        "us-ascii": .asciiLenient, "ascii": .asciiLenient, "us": .asciiLenient, "ansi_x3.4-1968": .asciiLenient,
        "iso646-us": .asciiLenient, "iso-ir-6": .asciiLenient, "csascii": .asciiLenient,
        "unknown": .asciiLenient, "unknown-8bit": .asciiLenient, "8bit": .asciiLenient, "default": .asciiLenient,

        "iso-8859-1": .latin1, "iso8859-1": .latin1, "iso_8859-1": .latin1, "iso_8859-1:1987": .latin1,
        "iso88591": .latin1, "latin1": .latin1, "latin-1": .latin1, "l1": .latin1, "cp819": .latin1,
        "ibm819": .latin1, "iso-ir-100": .latin1, "csisolatin1": .latin1,

        "windows-1252": .windows1252, "cp1252": .windows1252, "cp-1252": .windows1252, "win-1252": .windows1252,
        "ms-ansi": .windows1252,

        "gb2312": gb18030, "gb_2312": gb18030, "gb_2312-80": gb18030, "gbk": gb18030, "gb18030": gb18030,
        "gb-18030": gb18030, "cp936": gb18030, "ms936": gb18030, "windows-936": gb18030, "euc-cn": gb18030,
        "euccn": gb18030, "chinese": gb18030, "csgb2312": gb18030, "iso-ir-58": gb18030, "gb2312-80": gb18030,
        "csgb231280": gb18030, "csiso58gb231280": gb18030,

        "big5": big5, "big-5": big5, "big-five": big5, "bigfive": big5, "cn-big5": big5, "csbig5": big5,
        "cp950": big5, "windows-950": big5, "x-x-big5": big5, "big5-hkscs": .iconv(["BIG5-HKSCS", "CP950"]),

        "shift_jis": shiftJIS, "shift-jis": shiftJIS, "sjis": shiftJIS, "ms_kanji": shiftJIS, "csshiftjis": shiftJIS,
        "windows-31j": shiftJIS, "cp932": shiftJIS, "ms932": shiftJIS, "x-sjis": shiftJIS,
        "euc-jp": eucJP, "eucjp": eucJP, "cseucpkdfmtjapanese": eucJP,

        "euc-kr": eucKR, "euckr": eucKR, "ks_c_5601-1987": eucKR, "ks_c_5601": eucKR, "ks_c_5601-1989": eucKR,
        "ksc5601": eucKR, "ksc_5601": eucKR, "korean": eucKR, "cseuckr": eucKR, "cp949": eucKR,
        "windows-949": eucKR, "uhc": eucKR,

        "windows-874": .iconv(["CP874", "TIS-620"]), "tis-620": .iconv(["TIS-620", "CP874"]),
    ]

    // MARK: - Native decoders

    static func latin1(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { latin1($0) }
    }

    static func latin1(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
        return String(scalars)
    }

    /// Windows-1252; the five unassigned bytes map to the C1 code point of the same value (as WHATWG does).
    static func windows1252(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte >= 0x80 && byte <= 0x9F, let scalar = Unicode.Scalar(cp1252High[Int(byte - 0x80)]) {
                scalars.append(scalar)
            } else {
                scalars.append(Unicode.Scalar(byte))
            }
        }
        return String(scalars)
    }

    private static let cp1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    // MARK: - iconv

    enum Conversion {
        case success(String)
        case invalidInput
        case unknownCharset
    }

    #if canImport(Glibc)
    /// Converts `bytes` from the iconv charset `name` to UTF-8. Invalid or truncated input fails; nothing is substituted.
    static func convert(_ bytes: [UInt8], from name: String) -> Conversion {
        guard let cd = IconvPool.shared.take(name) else { return .unknownCharset }
        defer { IconvPool.shared.give(back: cd, name) }
        if bytes.isEmpty { return .success("") }

        var input = bytes
        var output = [UInt8](repeating: 0, count: max(64, bytes.count * 2 + 16))
        var produced = 0
        let failed: Bool = input.withUnsafeMutableBytes { inRaw -> Bool in
            guard let inBase = inRaw.baseAddress?.assumingMemoryBound(to: CChar.self) else { return true }
            var inPtr: UnsafeMutablePointer<CChar>? = inBase
            var inLeft = inRaw.count
            var flushed = false
            while true {
                let status: Int = output.withUnsafeMutableBytes { outRaw -> Int in
                    guard let outBase = outRaw.baseAddress?.assumingMemoryBound(to: CChar.self) else { return -2 }
                    var outPtr: UnsafeMutablePointer<CChar>? = outBase + produced
                    var outLeft = outRaw.count - produced
                    let result: Int
                    if inLeft > 0 {
                        result = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    } else {
                        // Emit any shift sequence / pending state (stateful encodings such as ISO-2022-JP).
                        result = iconv(cd, nil, nil, &outPtr, &outLeft)
                    }
                    produced = outRaw.count - outLeft
                    if result == -1 { return Int(errno) }
                    return 0
                }
                if status == 0 {
                    if inLeft > 0 { continue }
                    if flushed { return false }
                    flushed = true
                    continue
                }
                if status == Int(E2BIG) {
                    output.append(contentsOf: repeatElement(0, count: output.count))
                    continue
                }
                // EILSEQ (invalid sequence), EINVAL (truncated sequence) or anything else.
                return true
            }
        }
        if failed { return .invalidInput }
        guard let text = String(validating: output[0..<produced], as: UTF8.self) else { return .invalidInput }
        return .success(text)
    }

    /// Open conversion descriptors to UTF-8, by source charset: opening one costs more than most conversions.
    /// A descriptor is used by one caller at a time and reset before it is given out again.
    private final class IconvPool: @unchecked Sendable {
        static let shared = IconvPool()
        private let lock = NSLock()
        private var idle: [String: [iconv_t]] = [:]
        private var idleCount = 0
        private static let maxIdle = 32

        func take(_ name: String) -> iconv_t? {
            lock.lock()
            let cached = idle[name]?.popLast()
            if cached != nil { idleCount -= 1 }
            lock.unlock()
            if let cached {
                _ = iconv(cached, nil, nil, nil, nil)   // back to the initial shift state
                return cached
            }
            guard let cd = iconv_open("UTF-8", name), Int(bitPattern: cd) != -1 else { return nil }
            return cd
        }

        func give(back cd: iconv_t, _ name: String) {
            lock.lock()
            let keep = idleCount < Self.maxIdle
            if keep {
                idle[name, default: []].append(cd)
                idleCount += 1
            }
            lock.unlock()
            if !keep { iconv_close(cd) }
        }
    }
    #else
    /// Without glibc, fall back to the encodings Foundation itself can decode.
    static func convert(_ bytes: [UInt8], from name: String) -> Conversion {
        let table: [String: String.Encoding] = [
            "SHIFT_JIS": .shiftJIS, "CP932": .shiftJIS, "EUC-JP": .japaneseEUC, "EUC-JP-MS": .japaneseEUC,
            "ISO-2022-JP": .iso2022JP, "CP1250": .windowsCP1250, "WINDOWS-1250": .windowsCP1250,
            "CP1251": .windowsCP1251, "WINDOWS-1251": .windowsCP1251, "CP1253": .windowsCP1253,
            "WINDOWS-1253": .windowsCP1253, "CP1254": .windowsCP1254, "WINDOWS-1254": .windowsCP1254,
            "ISO-8859-2": .isoLatin2, "UTF-16": .utf16, "UTF-16BE": .utf16BigEndian, "UTF-16LE": .utf16LittleEndian,
            "UTF-32": .utf32, "UTF-32BE": .utf32BigEndian, "UTF-32LE": .utf32LittleEndian,
        ]
        guard let encoding = table[name] else { return .unknownCharset }
        guard let text = String(bytes: bytes, encoding: encoding) else { return .invalidInput }
        return .success(text)
    }
    #endif
}
