import Foundation

/// One mailbox from an address header.
public struct MailAddress: Hashable, Sendable {
    /// Display name, 2047-decoded, quotes removed, nil if none.
    public var name: String?
    /// addr-spec, lower-cased, trimmed.
    public var address: String

    /// `address` is trimmed and lower-cased; an empty or all-whitespace `name` becomes nil.
    public init(name: String?, address: String) {
        let trimmedName = name?.trimmedWhitespace
        self.name = (trimmedName?.isEmpty ?? true) ? nil : trimmedName
        self.address = address.trimmedWhitespace.lowercased()
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
        let bytes = Array(value.utf8)
        let tokens = tokenize(bytes)
        var result: [MailAddress] = []
        var current: [Token] = []
        var inAngle = false
        var angleIsRoute = false
        var angleHasContent = false

        func finish() {
            if let mailbox = mailbox(current, bytes) { result.append(mailbox) }
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

    enum Token {
        case atom(Range<Int>)
        case quoted(String)
        case comment(String)
        case domainLiteral(String)
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

    static func tokenize(_ b: [UInt8]) -> [Token] {
        var tokens: [Token] = []
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
                var content: [UInt8] = []
                var j = i + 1
                while j < b.count, b[j] != 0x22 {
                    if b[j] == 0x5C, j + 1 < b.count { j += 1 }
                    if b[j] != 0x0D && b[j] != 0x0A { content.append(b[j]) }
                    j += 1
                }
                if j < b.count {
                    tokens.append(.quoted(String(decoding: content, as: UTF8.self)))
                    i = j + 1
                } else {
                    // Unterminated: drop the quote mark and read on as if it were not there.
                    quotesBalanced = false
                    i += 1
                }
            } else if c == 0x28 { // ( comment, nesting counted, never recursed
                var content: [UInt8] = []
                var depth = 1
                i += 1
                while i < b.count {
                    let d = b[i]
                    if d == 0x5C, i + 1 < b.count {
                        content.append(b[i + 1])
                        i += 2
                        continue
                    }
                    if d == 0x28 { depth += 1 }
                    if d == 0x29 {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    content.append(d)
                    i += 1
                }
                i += 1
                tokens.append(.comment(String(decoding: content, as: UTF8.self)))
            } else if c == 0x5B { // [ domain literal
                var content: [UInt8] = []
                i += 1
                while i < b.count, b[i] != 0x5D {
                    if b[i] == 0x5C, i + 1 < b.count { i += 1 }
                    content.append(b[i])
                    i += 1
                }
                i += 1
                tokens.append(.domainLiteral(String(decoding: content, as: UTF8.self)))
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
        return tokens
    }

    // MARK: - Mailboxes

    static func mailbox(_ tokens: [Token], _ b: [UInt8]) -> MailAddress? {
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
            let address = addrSpec(tokens[angleStart..<angleEnd], b)
            guard !address.isEmpty else { return nil }
            var name = phrase(tokens[0..<open], b)
            if name == nil {
                name = firstComment(tokens[0..<open]) ?? firstComment(tokens[min(angleEnd, tokens.count)...])
            }
            return MailAddress(name: name, address: address)
        }

        // addr-spec, possibly with a comment, possibly preceded by an unbracketed name.
        var words: [[Token]] = []
        var word: [Token] = []
        var pendingSpace = false
        for token in tokens {
            switch token {
            case .space, .comment:
                pendingSpace = true
            default:
                if pendingSpace, let last = word.last, !isGlue(last), !isGlue(token) {
                    words.append(word)
                    word = []
                }
                pendingSpace = false
                word.append(token)
            }
        }
        if !word.isEmpty { words.append(word) }
        guard let index = words.lastIndex(where: { $0.contains { if case .special(0x40) = $0 { return true } else { return false } } })
        else { return nil }
        let address = addrSpec(words[index][...], b)
        guard address.contains("@") else { return nil }
        var nameTokens: [Token] = []
        for w in words[..<index] {
            if !nameTokens.isEmpty { nameTokens.append(.space) }
            nameTokens += w
        }
        let name = phrase(nameTokens[...], b) ?? firstComment(tokens[...])
        return MailAddress(name: name, address: address)
    }

    /// "." and "@" hold the words around them together across whitespace (obsolete addr-spec CFWS).
    private static func isGlue(_ token: Token) -> Bool {
        if case .special(let c) = token { return c == 0x2E || c == 0x40 }
        return false
    }

    /// Renders an addr-spec: whitespace and comments dropped, a quoted local part kept quoted only when it must be.
    static func addrSpec(_ tokens: ArraySlice<Token>, _ b: [UInt8]) -> String {
        var out = ""
        for token in tokens {
            switch token {
            case .atom(let r): out += String(decoding: b[r], as: UTF8.self)
            case .quoted(let s): out += isDotAtom(s) ? s : "\"" + escapeQuoted(s) + "\""
            case .domainLiteral(let s): out += "[" + s + "]"
            case .special(let c) where c == 0x2E || c == 0x40: out.unicodeScalars.append(Unicode.Scalar(c))
            default: break
            }
        }
        return out.trimmedWhitespace.lowercased()
    }

    /// Renders a display-name phrase: words joined by single spaces, encoded words decoded, surrounding quotes removed.
    static func phrase(_ tokens: ArraySlice<Token>, _ b: [UInt8]) -> String? {
        var out = ""
        var pendingSpace = false
        for token in tokens {
            var piece: String
            switch token {
            case .space, .comment:
                pendingSpace = true
                continue
            case .atom(let r): piece = String(decoding: b[r], as: UTF8.self)
            case .quoted(let s): piece = s
            case .domainLiteral(let s): piece = "[" + s + "]"
            case .special(let c): piece = String(Unicode.Scalar(c))
            }
            if pendingSpace && !out.isEmpty { out += " " }
            pendingSpace = false
            out += piece
        }
        return cleanName(EncodedWords.decode(out))
    }

    private static func firstComment(_ tokens: ArraySlice<Token>) -> String? {
        for token in tokens {
            if case .comment(let s) = token, let name = cleanName(EncodedWords.decode(s)) { return name }
        }
        return nil
    }

    private static func cleanName(_ s: String) -> String? {
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
