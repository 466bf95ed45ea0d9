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
