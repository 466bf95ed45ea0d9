/// Small string helpers used on every message, kept off Foundation's NSString bridge (which
/// costs an allocation and a copy per call in the sync's hot path).
extension StringProtocol {
    /// The string without leading and trailing white space and line breaks (Unicode's sense).
    public var trimmedWhitespace: String {
        var s = self[...]
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    /// The same, without a copy when there is nothing to trim (the usual case for header
    /// values and addresses).
    public var trimmedWhitespace: String {
        ByteText.hasNothingToTrim(self) ? self : self[...].trimmedWhitespace
    }
}

extension String {
    /// The string as character data or an attribute value in XML and HTML: `&`, `<`, `>`, `"`
    /// and `'` escaped (the last as `&#39;`, which both read; HTML 4 has no `&apos;`).
    public var markupEscaped: String {
        // Most strings have nothing to escape (an export's 90,000 deals are some 500,000 cells).
        if !utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) { return self }
        var out = ""
        out.reserveCapacity(utf8.count)
        for c in unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
