import Foundation

/// Writes an outgoing message (the weekly digest) as RFC 5322 + MIME bytes: the *writer* that
/// matches our reader (`MessageHeaders`, `EncodedWords`, `AddressList`, `MailItem`).
///
/// The shape is fixed: `multipart/mixed` of a `multipart/alternative` (text/plain and text/html,
/// both UTF-8 in base64) and the attachments (base64). Every line ends in CRLF and no line is
/// longer than 76 characters: header fields are folded, non-ASCII text in headers is written as
/// RFC 2047 `B` encoded words (each ≤ 75 characters, never splitting a character), attachment
/// names as RFC 2231 `filename*` parameters with continuations. Pure: the same input gives the
/// same bytes (the boundary is derived from the Message-ID), so a digest sent twice is the same
/// message.
public struct ComposedMail: Sendable {
    public struct Attachment: Sendable {
        public var filename: String
        public var contentType: String
        public var data: [UInt8]
        public init(filename: String, contentType: String, data: [UInt8]) {
            self.filename = filename
            self.contentType = contentType
            self.data = data
        }
    }

    public var from: MailAddress
    public var to: [MailAddress]
    public var subject: String
    public var date: Date
    public var timeZone: TimeZone
    /// Without angle brackets: `digest.2026-W47.0123abcd@example.com`.
    public var messageID: String
    public var text: String
    public var html: String
    public var attachments: [Attachment]

    public init(from: MailAddress, to: [MailAddress], subject: String, date: Date, timeZone: TimeZone, messageID: String,
                text: String, html: String, attachments: [Attachment] = []) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.timeZone = timeZone
        self.messageID = messageID
        self.text = text
        self.html = html
        self.attachments = attachments
    }

    /// The whole message, CRLF line ends.
    public func render() -> [UInt8] {
        var digest = Digest()
        digest.add(messageID)
        let mixed = "=_activity_mixed_\(digest.hex)"
        let alternative = "=_activity_alt_\(digest.hex)"
        var out = ""
        out += MailComposer.field("From", MailComposer.mailbox(from))
        out += MailComposer.field("To", to.map(MailComposer.mailbox).joined(separator: ", "))
        out += MailComposer.unstructuredField("Subject", subject)
        out += "Date: \(MailComposer.rfc5322Date(date, in: timeZone))\r\n"
        out += "Message-ID: <\(messageID)>\r\n"
        out += "MIME-Version: 1.0\r\n"
        out += "Auto-Submitted: auto-generated\r\n"
        out += "Content-Type: multipart/mixed;\r\n boundary=\"\(mixed)\"\r\n"
        out += "\r\n"
        out += "This is a multi-part message in MIME format.\r\n"
        out += "--\(mixed)\r\n"
        out += "Content-Type: multipart/alternative;\r\n boundary=\"\(alternative)\"\r\n\r\n"
        out += "--\(alternative)\r\n"
        out += "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        out += MailComposer.base64Lines(Array(MailComposer.crlf(text).utf8))
        out += "--\(alternative)\r\n"
        out += "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        out += MailComposer.base64Lines(Array(MailComposer.crlf(html).utf8))
        out += "--\(alternative)--\r\n"
        for a in attachments {
            out += "--\(mixed)\r\n"
            let type = "Content-Type: \(a.contentType)"
            out += (type.utf8.count > MailComposer.lineLimit ? "Content-Type:\r\n \(a.contentType)" : type) + "\r\n"
            out += "Content-Disposition: attachment;\r\n" + MailComposer.filenameParameters(a.filename) + "\r\n"
            out += "Content-Transfer-Encoding: base64\r\n\r\n"
            out += MailComposer.base64Lines(a.data)
        }
        out += "--\(mixed)--\r\n"
        return Array(out.utf8)
    }
}

/// The encodings `ComposedMail` writes with, public for tests and the fuzz harness.
public enum MailComposer {
    /// The longest line written (RFC 2045's limit for encoded bodies; RFC 5322 recommends 78).
    public static let lineLimit = 76
    /// Bytes of UTF-8 per encoded word: 39 bytes are 52 base64 characters, 64 with `=?UTF-8?B?` and `?=`.
    static let wordBytes = 39

    /// What a header keeps of a text: control characters (CR, LF, TAB, NUL…) and the Unicode line
    /// separators become spaces. A header never carries a line break of the caller's.
    public static func headerText(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F || u.value == 0x2028 || u.value == 0x2029 || (0x80..<0xA0).contains(u.value) {
                out.append(" ")
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    /// What a display name keeps, so that readers give back exactly this: `headerText`, then
    /// what our own reader (`AddressList`) would make of it — surrounding whitespace and one pair
    /// of surrounding quotes go — repeated until the name reads back as itself ("" when it never
    /// does, or when nothing is left: then no name is written).
    public static func displayName(_ s: String) -> String {
        var name = headerText(s)
        for _ in 0..<8 {
            if name.isEmpty { return "" }
            // As a reader sees the field: unfolded.
            let field = encodeMailbox(name: name, address: "x@example.com").replacingOccurrences(of: "\r\n", with: "")
            let read = AddressList.parse(field).first?.name ?? ""
            if read == name { return name }
            name = read
        }
        return ""
    }

    /// `Name: value` where value is already folded at safe places (or short), CRLF-terminated.
    static func field(_ name: String, _ value: String) -> String {
        // Fold a list at ", " when the line would pass the limit.
        var lines: [String] = []
        var line = name + ":"
        for (i, part) in value.components(separatedBy: "\r\n ").enumerated() {
            // Parts of a value already folded by `mailbox` (encoded words) stay on their own lines.
            if i == 0 {
                line += " " + part
            } else {
                lines.append(line)
                line = " " + part
            }
        }
        lines.append(line)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// An unstructured field (Subject): plain when it is short printable ASCII that cannot be
    /// mistaken for an encoded word, else RFC 2047 encoded words, one per line.
    static func unstructuredField(_ name: String, _ value: String) -> String {
        let text = headerText(value)
        if text.isEmpty { return "\(name): \r\n" }
        if isPlainASCII(text) && name.count + 2 + text.utf8.count <= lineLimit {
            return "\(name): \(text)\r\n"
        }
        return "\(name): " + encodedWords(text).joined(separator: "\r\n ") + "\r\n"
    }

    static func isPlainASCII(_ s: String) -> Bool {
        guard !s.isEmpty, !s.contains("=?"), s.first != " ", s.last != " ", !s.contains("  ") else { return false }
        return s.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// RFC 2047 `B` encoded words of UTF-8 text, each ≤ 75 characters and holding whole characters.
    public static func encodedWords(_ s: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for u in s.unicodeScalars {
            let bytes = Array(String(u).utf8)
            if chunk.count + bytes.count > wordBytes {
                words.append(word(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(word(chunk)) }
        return words
    }

    static func word(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// `Name <addr>`: the name as atoms when it is plain ASCII words, a quoted string when it
    /// has specials, encoded words (folded) when it is not ASCII.
    static func mailbox(_ m: MailAddress) -> String {
        encodeMailbox(name: m.name.map(displayName) ?? "", address: m.address)
    }

    static func encodeMailbox(name raw: String, address: String) -> String {
        guard !raw.isEmpty else { return "<\(address)>" }
        let atext = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
        if raw.unicodeScalars.allSatisfy({ atext.contains($0) }) && !raw.contains("=?") && !raw.contains("  ") && raw.utf8.count <= 40 {
            return "\(raw) <\(address)>"
        }
        // Specials but no quote or backslash: a quoted string. Those two (readers disagree on
        // escapes) and anything not ASCII: encoded words.
        if isPlainASCII(raw) && raw.utf8.count <= 40 && !raw.contains("\"") && !raw.contains("\\") {
            return "\"\(raw)\" <\(address)>"
        }
        return encodedWords(raw).joined(separator: "\r\n ") + "\r\n <\(address)>"
    }

    /// `Mon, 23 Nov 2026 08:30:00 +0800`.
    public static func rfc5322Date(_ date: Date, in zone: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }

    /// Text with every line break as CRLF.
    static func crlf(_ s: String) -> String {
        s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
    }

    /// Base64 in lines of 76 characters, each ended by CRLF.
    static func base64Lines(_ bytes: [UInt8]) -> String {
        let b64 = Data(bytes).base64EncodedString()
        var out = ""
        out.reserveCapacity(b64.utf8.count + b64.utf8.count / 38 + 2)
        var i = b64.startIndex
        while i < b64.endIndex {
            let j = b64.index(i, offsetBy: lineLimit, limitedBy: b64.endIndex) ?? b64.endIndex
            out += b64[i..<j]
            out += "\r\n"
            i = j
        }
        return out
    }

    /// RFC 2231 ` filename*0*=UTF-8''…; filename*1*=…` continuations, each on a line of its own
    /// (no CRLF after the last). No ASCII `filename=` beside it: readers that find both may take
    /// the fallback (Python's email package does) and lose the Chinese name.
    public static func filenameParameters(_ name: String) -> String {
        var clean = headerText(name)
        if clean.isEmpty { clean = "attachment" }
        var pieces: [String] = []
        var current = ""
        for b in clean.utf8 {
            let unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
            let enc = unreserved ? String(UnicodeScalar(b)) : Hex.percentEscape(b)
            if current.utf8.count + enc.utf8.count > 45 {
                pieces.append(current)
                current = ""
            }
            current += enc
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(current) }
        return pieces.enumerated().map { i, p in " filename*\(i)*=\(i == 0 ? "UTF-8''" : "")\(p)" }.joined(separator: ";\r\n")
    }
}
