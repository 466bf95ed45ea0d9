import Foundation

/// RFC 2047 encoded words.
public enum EncodedWords {
    /// RFC 2047: =?charset?B|Q?...?= (charset may carry *lang per RFC 2231), case-insensitive B/Q; Q has _ as space;
    /// whitespace between two adjacent encoded words dropped; an encoded word that fails to decode is left as is;
    /// multi-word splits in the middle of a multibyte character (common with GBK and UTF-8 B-encoding) must still
    /// decode: concatenate the bytes of adjacent words with the same charset before converting.
    ///
    /// Encoded words are also recognised when glued to surrounding text ("Re:=?utf-8?B?...?="), as mailers write them.
    /// Work is linear in the length of `s`.
    public static func decode(_ s: String) -> String {
        var text = s
        return text.withUTF8 { decode($0) } ?? s
    }

    /// `decode` on UTF-8 bytes; nil when there is nothing that could start an encoded word (the text stays as is).
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard containsMarker(bytes) else { return nil }

        var out = ""
        var run = Run()
        var literalStart = 0     // start of text not yet emitted
        var lastWasWord = false  // the previous token was a decodable encoded word (only whitespace since)
        var i = 0
        while i + 1 < bytes.count {
            guard bytes[i] == 0x3D, bytes[i + 1] == 0x3F, let word = match(bytes, at: i) else {
                i += 1
                continue
            }
            let gap = literalStart..<word.range.lowerBound
            guard let decodedBytes = transferDecode(bytes, word) else {
                // Not decodable: it stays literal text, like anything else around it.
                i = word.range.upperBound
                continue
            }
            let joinsPrevious = lastWasWord && isWhitespace(bytes, gap)
            let charset = ByteText.lowercasedASCII(bytes, word.charset)
            if joinsPrevious && run.charset == charset {
                run.append(gap: gap, raw: word.range, decoded: decodedBytes)
            } else {
                run.flush(into: &out, source: bytes)
                if !joinsPrevious { out += text(bytes, gap) }
                run.start(charset: charset, gap: gap, raw: word.range, decoded: decodedBytes)
            }
            lastWasWord = true
            literalStart = word.range.upperBound
            i = word.range.upperBound
        }
        run.flush(into: &out, source: bytes)
        out += text(bytes, literalStart..<bytes.count)
        return out
    }

    // MARK: - Matching

    struct Word {
        var range: Range<Int>      // the whole =?...?=
        var charset: Range<Int>    // ASCII, RFC 2231 language removed (not yet lower-cased)
        var isBase64: Bool
        var text: Range<Int>       // encoded text
    }

    static let maxCharsetLength = 64

    /// Matches an encoded word starting at `start` (which must point at "=?"). Scans at most up to the third "?" after
    /// `start`, which keeps repeated attempts over hostile input linear overall.
    static func match(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> Word? {
        guard start + 1 < b.count, b[start] == 0x3D, b[start + 1] == 0x3F else { return nil }
        var i = start + 2
        let charsetStart = i
        while i < b.count, b[i] != 0x3F {
            let c = b[i]
            if c <= 0x20 || c >= 0x7F || c == 0x3D || c == 0x22 || c == 0x28 || c == 0x29 || c == 0x3C || c == 0x3E
                || c == 0x2C || c == 0x3B { return nil }
            i += 1
            if i - charsetStart > maxCharsetLength { return nil }
        }
        guard i < b.count, i > charsetStart else { return nil }
        let charsetEnd = i
        // "?" encoding "?"
        guard i + 2 < b.count, b[i + 2] == 0x3F else { return nil }
        let isBase64: Bool
        switch b[i + 1] {
        case 0x42, 0x62: isBase64 = true
        case 0x51, 0x71: isBase64 = false
        default: return nil
        }
        i += 3
        let textStart = i
        while i < b.count, b[i] != 0x3F {
            if b[i] <= 0x20 || b[i] == 0x7F { return nil }
            i += 1
        }
        guard i + 1 < b.count, b[i + 1] == 0x3D else { return nil }
        // The charset bytes are ASCII (checked above); RFC 2231 language removed.
        var star = charsetStart
        while star < charsetEnd, b[star] != 0x2A { star += 1 }
        guard star > charsetStart else { return nil }
        return Word(range: start..<(i + 2), charset: charsetStart..<star, isBase64: isBase64, text: textStart..<i)
    }

    static func transferDecode(_ b: UnsafeBufferPointer<UInt8>, _ word: Word) -> [UInt8]? {
        let text = UnsafeBufferPointer(rebasing: b[word.text])
        return word.isBase64 ? TransferEncoding.base64(text, strict: true) : quotedPrintable(text)
    }

    /// RFC 2047 Q: "_" is a space, "=XX" a byte; a stray "=" stays literal.
    static func quotedPrintable(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == 0x5F {
                out.append(0x20)
            } else if c == 0x3D, i + 2 < text.endIndex, let byte = Hex.byte(text[i + 1], text[i + 2]) {
                out.append(byte)
                i += 3
                continue
            } else {
                out.append(c)
            }
            i += 1
        }
        return out
    }

    // MARK: - Runs of adjacent words in one charset

    private struct Run {
        struct Item {
            var gap: Range<Int>
            var raw: Range<Int>
            var decoded: Range<Int>   // in `bytes`
        }
        var charset = ""
        /// The decoded bytes of the run's words, one after the other.
        var bytes: [UInt8] = []
        var first: Item?
        var more: [Item] = []

        mutating func start(charset: String, gap: Range<Int>, raw: Range<Int>, decoded: [UInt8]) {
            self.charset = charset
            bytes = decoded
            first = Item(gap: gap, raw: raw, decoded: 0..<decoded.count)
            more.removeAll(keepingCapacity: true)
        }

        mutating func append(gap: Range<Int>, raw: Range<Int>, decoded: [UInt8]) {
            let start = bytes.count
            bytes += decoded
            more.append(Item(gap: gap, raw: raw, decoded: start..<bytes.count))
        }

        mutating func flush(into out: inout String, source: UnsafeBufferPointer<UInt8>) {
            guard let first else { return }
            defer {
                self.first = nil
                more.removeAll(keepingCapacity: true)
            }
            if more.isEmpty {
                out += Charsets.decode(bytes, charset: charset) ?? EncodedWords.text(source, first.raw)
                return
            }
            if let text = Charsets.decode(bytes, charset: charset) {
                out += text
                return
            }
            // Word by word; a word that does not convert stays as written, with the whitespace around it.
            var previousFailed = false
            for (index, item) in ([first] + more).enumerated() {
                let decoded = Charsets.decode(Array(bytes[item.decoded]), charset: charset)
                if index > 0 && (previousFailed || decoded == nil) {
                    out += EncodedWords.text(source, item.gap)
                }
                out += decoded ?? EncodedWords.text(source, item.raw)
                previousFailed = decoded == nil
            }
        }
    }

    // MARK: - Helpers

    static func containsMarker(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count >= 2 else { return false }
        var i = 0
        while i + 1 < b.count {
            if b[i + 1] == 0x3F {
                if b[i] == 0x3D { return true }
                i += 1
            } else if b[i + 1] == 0x3D {
                i += 1
            } else {
                i += 2
            }
        }
        return false
    }

    static func isWhitespace(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        for i in range where !ByteText.isWSP(b[i]) { return false }
        return true
    }

    static func text(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        ByteText.string(b, range)
    }
}
