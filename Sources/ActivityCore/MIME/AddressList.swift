import Foundation

/// One mailbox from an address header.
public struct MailAddress: Hashable, Sendable {
    /// Display name, 2047-decoded, quotes removed, nil if none.
    public var name: String?
    /// addr-spec, lower-cased, trimmed.
    public var address: String

    /// `address` is trimmed and lower-cased; an empty or all-whitespace `name` becomes nil.
    public init(name: String?, address: String) {
        self.init(name: name, normalizedAddress: ByteText.lowercased(address.trimmedWhitespace))
    }

    /// `address` already trimmed and lower-cased.
    init(name: String?, normalizedAddress address: String) {
        let trimmedName = name.map(\.trimmedWhitespace)
        self.name = (trimmedName?.isEmpty ?? true) ? nil : trimmedName
        self.address = address
    }

    /// The part before the last "@" (the whole address when there is none).
    public var localPart: String {
        guard let at = address.lastIndex(of: "@") else { return address }
        return String(address[..<at])
    }

    /// The part after the last "@", lower-cased; "" if none.
    public var domain: String {
        guard let at = address.lastIndex(of: "@") else { return "" }
        return String(address[address.index(after: at)...]).lowercased()
    }
}

/// RFC 5322 address lists, parsed leniently.
public enum AddressList {
    /// RFC 5322 address-list: "Name" <a@b>, =?GBK?B?...?= <a@b>, a@b (Comment), groups "Team: a@b, c@d;",
    /// undisclosed-recipients:;, quoted local parts, commas inside quotes, angle-addr with route, obsolete forms;
    /// garbage yields what can be salvaged, never a crash.
    ///
    /// Also accepted: ";" as a list separator outside groups (Outlook users type it), "<mailto:a@b>", a display name
    /// without brackets before a bare address ("John Doe john@x.com"), the comment as the name when there is no
    /// phrase. A mailbox without any address, or a bare word without "@", yields nothing. Work is linear.
    public static func parse(_ value: String) -> [MailAddress] {
        var workspace = Workspace()
        return parse(value, &workspace)
    }

    /// Buffers a parse works in, kept for the next one (the address fields of one message).
    struct Workspace {
        var tokens: [Token] = []
        var current: [Token] = []
        var scratch: [UInt8] = []   // rendering buffer
    }

    static func parse(_ value: String, _ workspace: inout Workspace) -> [MailAddress] {
        let cacheable = value.utf8.count <= ParseCache.maxValueLength
        if cacheable, let known = ParseCache.shared[value] { return known }
        var text = value
        let parsed = text.withUTF8 { parse($0, &workspace) }
        if cacheable { ParseCache.shared[value] = parsed }
        return parsed
    }

    /// Address lists parsed lately, by value: a mailbox's From, To and Cc values repeat (the same correspondents,
    /// the same rep), and parsing is a pure function of the value. Bounded; emptied when full.
    private final class ParseCache: @unchecked Sendable {
        static let shared = ParseCache()
        static let maxValueLength = 512
        private static let maxEntries = 16_384
        private let lock = NSLock()
        private var entries: [String: [MailAddress]] = [:]

        subscript(value: String) -> [MailAddress]? {
            get {
                lock.lock()
                defer { lock.unlock() }
                return entries[value]
            }
            set {
                lock.lock()
                defer { lock.unlock() }
                if entries.count >= Self.maxEntries { entries.removeAll(keepingCapacity: true) }
                entries[value] = newValue
            }
        }
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ workspace: inout Workspace) -> [MailAddress] {
        // Moved out of the workspace while in use (no copies), put back at the end.
        var tokens = workspace.tokens
        var current = workspace.current
        var scratch = workspace.scratch
        workspace = Workspace()
        defer {
            tokens.removeAll(keepingCapacity: true)
            current.removeAll(keepingCapacity: true)
            workspace = Workspace(tokens: tokens, current: current, scratch: scratch)
        }
        tokenize(bytes, into: &tokens)
        var result: [MailAddress] = []
        var inAngle = false
        var angleIsRoute = false
        var angleHasContent = false

        func finish() {
            if let mailbox = mailbox(current, bytes, &scratch) { result.append(mailbox) }
            current.removeAll(keepingCapacity: true)
            inAngle = false
        }

        for token in tokens {
            if inAngle {
                switch token {
                case .special(0x3E): // >
                    inAngle = false
                    current.append(token)
                case .special(0x2C), .special(0x3B): // , ; inside <...>: a route list, else an unclosed bracket
                    if angleIsRoute {
                        current.append(token)
                    } else {
                        finish()
                    }
                case .space, .comment:
                    current.append(token)
                default:
                    if !angleHasContent, case .special(0x40) = token { angleIsRoute = true }
                    angleHasContent = true
                    current.append(token)
                }
                continue
            }
            switch token {
            case .special(0x2C), .special(0x3B): // , ;
                finish()
            case .special(0x3A): // : opens a group; what came before is its name
                current.removeAll(keepingCapacity: true)
            case .special(0x3C): // <
                inAngle = true
                angleIsRoute = false
                angleHasContent = false
                current.append(token)
            case .special(0x3E): // stray >
                break
            default:
                current.append(token)
            }
        }
        finish()
        return result
    }

    // MARK: - Tokens

    /// Quoted strings, comments and domain literals hold the range of their content (without the delimiters);
    /// `content` removes the escapes.
    enum Token {
        case atom(Range<Int>)
        case quoted(Range<Int>)
        case comment(Range<Int>)
        case domainLiteral(Range<Int>)
        case special(UInt8)
        case space
    }

    static func isSpecial(_ c: UInt8) -> Bool {
        switch c {
        case 0x28, 0x29, 0x3C, 0x3E, 0x5B, 0x5D, 0x3A, 0x3B, 0x40, 0x2C, 0x2E, 0x22: return true
        default: return false
        }
    }

    static func isSpaceLike(_ c: UInt8) -> Bool {
        c <= 0x20 || c == 0x7F
    }

    static func tokenize(_ b: UnsafeBufferPointer<UInt8>, into tokens: inout [Token]) {
        var quotesBalanced = true // false once a quote was found unterminated: later quotes are ignored (stays linear)
        var i = 0
        while i < b.count {
            let c = b[i]
            if isSpaceLike(c) {
                while i < b.count, isSpaceLike(b[i]) { i += 1 }
                tokens.append(.space)
            } else if c == 0x22 && !quotesBalanced {
                i += 1
            } else if c == 0x22 { // "
                var j = i + 1
                while j < b.count, b[j] != 0x22 {
                    if b[j] == 0x5C, j + 1 < b.count { j += 1 }
                    j += 1
                }
                if j < b.count {
                    tokens.append(.quoted((i + 1)..<j))
                    i = j + 1
                } else {
                    // Unterminated: drop the quote mark and read on as if it were not there.
                    quotesBalanced = false
                    i += 1
                }
            } else if c == 0x28 { // ( comment, nesting counted, never recursed
                var depth = 1
                i += 1
                let start = i
                while i < b.count {
                    let d = b[i]
                    if d == 0x5C, i + 1 < b.count {
                        i += 2
                        continue
                    }
                    if d == 0x28 { depth += 1 }
                    if d == 0x29 {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    i += 1
                }
                tokens.append(.comment(start..<min(i, b.count)))
                i += 1
            } else if c == 0x5B { // [ domain literal
                i += 1
                let start = i
                while i < b.count, b[i] != 0x5D {
                    if b[i] == 0x5C, i + 1 < b.count { i += 1 }
                    i += 1
                }
                tokens.append(.domainLiteral(start..<min(i, b.count)))
                i += 1
            } else if isSpecial(c) {
                tokens.append(.special(c))
                i += 1
            } else {
                let start = i
                while i < b.count {
                    let d = b[i]
                    if d == 0x3D, i + 1 < b.count, b[i + 1] == 0x3F, let word = EncodedWords.match(b, at: i) {
                        // An encoded word is one atom even when its text holds specials.
                        i = word.range.upperBound
                        continue
                    }
                    if isSpaceLike(d) || isSpecial(d) { break }
                    i += 1
                }
                tokens.append(.atom(start..<i))
            }
        }
    }

    /// The content of a quoted string, comment or domain literal with the escapes removed (and, in a quoted string,
    /// line breaks), appended to `out` as well-formed UTF-8 (each token is decoded on its own, as text).
    static func appendContent(_ token: Token, _ b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        switch token {
        case .atom(let r):
            appendText(UnsafeBufferPointer(rebasing: b[r]), to: &out)
        case .quoted(let r), .comment(let r), .domainLiteral(let r):
            var isQuoted = false
            if case .quoted = token { isQuoted = true }
            var plain = true
            for i in r where b[i] == 0x5C || b[i] >= 0x80 || (isQuoted && (b[i] == 0x0D || b[i] == 0x0A)) {
                plain = false
                break
            }
            if plain {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[r]))
                return
            }
            var content: [UInt8] = []
            content.reserveCapacity(r.count)
            var i = r.lowerBound
            while i < r.upperBound {
                if b[i] == 0x5C, i + 1 < r.upperBound { i += 1 }
                if !isQuoted || (b[i] != 0x0D && b[i] != 0x0A) { content.append(b[i]) }
                i += 1
            }
            content.withUnsafeBufferPointer { appendText($0, to: &out) }
        case .special(let c):
            out.append(c)
        case .space:
            out.append(0x20)
        }
    }

    /// Bytes as text: ASCII as is, anything else through UTF-8 decoding (ill-formed sequences repaired).
    private static func appendText(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if ByteText.isASCII(bytes) {
            out.append(contentsOf: bytes)
        } else {
            out.append(contentsOf: String(decoding: bytes, as: UTF8.self).utf8)
        }
    }

    static func contentString(_ token: Token, _ b: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        appendContent(token, b, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Mailboxes

    static func mailbox(_ tokens: [Token], _ b: UnsafeBufferPointer<UInt8>, _ scratch: inout [UInt8]) -> MailAddress? {
        if let open = tokens.firstIndex(where: { if case .special(0x3C) = $0 { return true } else { return false } }) {
            // name-addr: phrase <[route:]addr-spec>
            var angleStart = open + 1
            var angleEnd = tokens.count
            var i = angleStart
            while i < tokens.count {
                if case .special(let c) = tokens[i] {
                    if c == 0x3E { angleEnd = i; break }
                    if c == 0x3C { angleStart = i + 1 }
                    if c == 0x3A { angleStart = i + 1 } // route "@a,@b:" or "mailto:"
                }
                i += 1
            }
            guard let address = addrSpec(tokens[angleStart..<angleEnd], b, &scratch) else { return nil }
            var name = phrase(tokens[0..<open], b, &scratch)
            if name == nil {
                name = firstComment(tokens[0..<open], b, &scratch)
                    ?? firstComment(tokens[min(angleEnd, tokens.count)...], b, &scratch)
            }
            return address.mailbox(name: name)
        }

        // addr-spec, possibly with a comment, possibly preceded by an unbracketed name: words are runs of tokens
        // (whitespace and comments dropped) that "." and "@" hold together.
        var kept: [Token] = []
        kept.reserveCapacity(tokens.count)
        var words: [Range<Int>] = []
        var wordStart = 0
        var pendingSpace = false
        for token in tokens {
            switch token {
            case .space, .comment:
                pendingSpace = true
            default:
                if pendingSpace, let last = kept.last, kept.count > wordStart, !isGlue(last), !isGlue(token) {
                    words.append(wordStart..<kept.count)
                    wordStart = kept.count
                }
                pendingSpace = false
                kept.append(token)
            }
        }
        if kept.count > wordStart { words.append(wordStart..<kept.count) }
        guard let index = words.lastIndex(where: { kept[$0].contains { if case .special(0x40) = $0 { return true } else { return false } } })
        else { return nil }
        guard let address = addrSpec(kept[words[index]], b, &scratch), address.hasAt else { return nil }
        var nameTokens: [Token] = []
        for w in words[..<index] {
            if !nameTokens.isEmpty { nameTokens.append(.space) }
            nameTokens += kept[w]
        }
        let name = phrase(nameTokens[...], b, &scratch) ?? firstComment(tokens[...], b, &scratch)
        return address.mailbox(name: name)
    }

    /// "." and "@" hold the words around them together across whitespace (obsolete addr-spec CFWS).
    private static func isGlue(_ token: Token) -> Bool {
        if case .special(let c) = token { return c == 0x2E || c == 0x40 }
        return false
    }

    /// A rendered addr-spec, trimmed and lower-cased.
    struct AddrSpec {
        var text: String
        /// `text` is ASCII (so trimming and lower-casing it again would change nothing).
        var isASCII: Bool
        var hasAt: Bool

        func mailbox(name: String?) -> MailAddress {
            isASCII ? MailAddress(name: name, normalizedAddress: text) : MailAddress(name: name, address: text)
        }
    }

    /// Renders an addr-spec: whitespace and comments dropped, a quoted local part kept quoted only when it must be;
    /// nil when that leaves nothing.
    static func addrSpec(_ tokens: ArraySlice<Token>, _ b: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) -> AddrSpec? {
        out.removeAll(keepingCapacity: true)
        for token in tokens {
            switch token {
            case .atom:
                appendContent(token, b, to: &out)
            case .quoted:
                let s = contentString(token, b)
                if isDotAtom(s) {
                    out.append(contentsOf: s.utf8)
                } else {
                    out.append(0x22)
                    out.append(contentsOf: escapeQuoted(s).utf8)
                    out.append(0x22)
                }
            case .domainLiteral:
                out.append(0x5B)
                appendContent(token, b, to: &out)
                out.append(0x5D)
            case .special(let c) where c == 0x2E || c == 0x40:
                out.append(c)
            default:
                break
            }
        }
        let spec: AddrSpec = out.withUnsafeBufferPointer { o in
            if ByteText.isASCII(o) {
                var start = 0
                var end = o.count
                while start < end, ByteText.isASCIIWhitespace(o[start]) { start += 1 }
                while end > start, ByteText.isASCIIWhitespace(o[end - 1]) { end -= 1 }
                return AddrSpec(text: ByteText.lowercasedASCII(o, start..<end), isASCII: true,
                                hasAt: o[start..<end].contains(0x40))
            }
            let text = String(decoding: o, as: UTF8.self).trimmedWhitespace.lowercased()
            return AddrSpec(text: text, isASCII: false, hasAt: text.contains("@"))
        }
        return spec.text.isEmpty ? nil : spec
    }

    /// Renders a display-name phrase: words joined by single spaces, encoded words decoded, surrounding quotes removed.
    static func phrase(_ tokens: ArraySlice<Token>, _ b: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) -> String? {
        // The usual phrase is one atom (an encoded word, a name): read it where it stands.
        var only: Range<Int>?
        var count = 0
        for token in tokens {
            switch token {
            case .space, .comment: continue
            case .atom(let r): only = r
            default: only = nil
            }
            count += 1
        }
        if count == 1, let r = only, ByteText.isASCII(UnsafeBufferPointer(rebasing: b[r])) {
            return decodedName(UnsafeBufferPointer(rebasing: b[r]))
        }
        out.removeAll(keepingCapacity: true)
        var pendingSpace = false
        for token in tokens {
            switch token {
            case .space, .comment:
                pendingSpace = true
                continue
            case .domainLiteral:
                if pendingSpace && !out.isEmpty { out.append(0x20) }
                out.append(0x5B)
                appendContent(token, b, to: &out)
                out.append(0x5D)
            default:
                if pendingSpace && !out.isEmpty { out.append(0x20) }
                appendContent(token, b, to: &out)
            }
            pendingSpace = false
        }
        return out.withUnsafeBufferPointer { decodedName($0) }
    }

    private static func firstComment(_ tokens: ArraySlice<Token>, _ b: UnsafeBufferPointer<UInt8>,
                                     _ out: inout [UInt8]) -> String? {
        for token in tokens {
            if case .comment = token {
                out.removeAll(keepingCapacity: true)
                appendContent(token, b, to: &out)
                if let name = out.withUnsafeBufferPointer({ decodedName($0) }) { return name }
            }
        }
        return nil
    }

    /// Well-formed UTF-8 text with its encoded words decoded, then cleaned as a name.
    private static func decodedName(_ text: UnsafeBufferPointer<UInt8>) -> String? {
        cleanName(EncodedWords.decode(text) ?? String(decoding: text, as: UTF8.self))
    }

    /// The name without surrounding WSP and without one pair of surrounding quotes (double, then single); nil if empty.
    private static func cleanName(_ s: String) -> String? {
        var text = s
        guard let range = text.withUTF8({ cleanRange($0) }) else { return cleanNameByCharacters(s) }
        if range.isEmpty { return nil }
        if range.count == s.utf8.count { return s }
        return text.withUTF8 { ByteText.string($0, range) }
    }

    /// `cleanName` on bytes; nil when a quote mark borders a non-ASCII byte, which might combine with it into a
    /// character that is not a quote mark.
    private static func cleanRange(_ b: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var r = ByteText.trimWSP(b, 0..<b.count)
        for quote: UInt8 in [0x22, 0x27] where r.count >= 2 && b[r.lowerBound] == quote && b[r.upperBound - 1] == quote {
            guard b[r.lowerBound + 1] < 0x80, b[r.upperBound - 2] < 0x80 else { return nil }
            r = ByteText.trimWSP(b, (r.lowerBound + 1)..<(r.upperBound - 1))
        }
        return r
    }

    private static func cleanNameByCharacters(_ s: String) -> String? {
        var name = MessageHeaders.trimWSP(s)
        for quote in ["\"", "'"] where name.count >= 2 && name.hasPrefix(quote) && name.hasSuffix(quote) {
            name = MessageHeaders.trimWSP(String(name.dropFirst().dropLast()))
        }
        return name.isEmpty ? nil : name
    }

    private static func isDotAtom(_ s: String) -> Bool {
        guard !s.isEmpty, !s.hasPrefix("."), !s.hasSuffix("."), !s.contains("..") else { return false }
        for c in s.utf8 {
            if c == 0x2E || c >= 0x80 { continue }
            if isSpaceLike(c) || isSpecial(c) || c == 0x5C { return false }
        }
        return true
    }

    private static func escapeQuoted(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "\"" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
