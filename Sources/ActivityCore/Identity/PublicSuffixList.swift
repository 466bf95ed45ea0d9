/// The Public Suffix List (publicsuffix.org), as Debian's `publicsuffix` package ships it at
/// /usr/share/publicsuffix/public_suffix_list.dat. Parsing is pure; reading the file is the
/// caller's job. Algorithm of publicsuffix.org/list: the longest matching rule wins, exception
/// rules (`!`) beat wildcards (`*`), and an unlisted TLD is its own public suffix.
public struct PublicSuffixList: Sendable {
    private var rules: Set<String> = []
    private var wildcards: Set<String> = []   // "ck" for "*.ck"
    private var exceptions: Set<String> = []  // "www.ck" for "!www.ck"

    public static let debianPath = "/usr/share/publicsuffix/public_suffix_list.dat"

    public init(text: String) {
        self.init(bytes: Array(text.utf8))
    }

    /// The list as the file's UTF-8 bytes. Every command that classifies reads the whole list
    /// (about 10,000 rules), so it is cut on bytes: lines, comments and the first
    /// whitespace-free run of each line, lower-cased without Unicode tables when ASCII.
    public init(bytes: [UInt8]) {
        rules.reserveCapacity(bytes.count / 16)
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                var end = i
                while end < b.count, b[end] != 0x0A, b[end] != 0x0D { end += 1 }
                // The rule: the line's first run without space or tab.
                var start = i
                while start < end, b[start] == 0x20 || b[start] == 0x09 { start += 1 }
                var stop = start
                while stop < end, b[stop] != 0x20, b[stop] != 0x09 { stop += 1 }
                i = end + 1
                guard stop > start, !(stop - start >= 2 && b[start] == 0x2F && b[start + 1] == 0x2F) else { continue }
                let rule = ByteText.isASCII(UnsafeBufferPointer(rebasing: b[start..<stop]))
                    ? ByteText.lowercasedASCII(b, start..<stop)
                    : String(decoding: b[start..<stop], as: UTF8.self).lowercased()
                if rule.hasPrefix("!") {
                    exceptions.insert(String(rule.dropFirst()))
                } else if rule.hasPrefix("*.") {
                    wildcards.insert(String(rule.dropFirst(2)))
                } else {
                    rules.insert(rule)
                }
            }
        }
    }

    public var isEmpty: Bool { rules.isEmpty && wildcards.isEmpty }

    /// The public suffix of a domain: `com.cn` for `sales.acme.com.cn`.
    public func publicSuffix(of domain: String) -> String {
        let labels = domain.lowercased().split(separator: ".", omittingEmptySubsequences: true)
        guard !labels.isEmpty else { return "" }
        // Walk from the longest candidate to the shortest; the first match is the longest.
        for start in 0..<labels.count {
            let candidate = labels[start...].joined(separator: ".")
            if exceptions.contains(candidate) {
                // An exception rule: the public suffix is the rule minus its leftmost label.
                return labels[(start + 1)...].joined(separator: ".")
            }
            if rules.contains(candidate) { return candidate }
            if start + 1 < labels.count {
                let parent = labels[(start + 1)...].joined(separator: ".")
                if wildcards.contains(parent) && !exceptions.contains(candidate) { return candidate }
            }
        }
        return String(labels[labels.count - 1])  // the implicit "*" rule
    }

    /// The registrable domain (public suffix plus one label), or nil if the domain is itself a
    /// public suffix.
    public func registrableDomain(_ domain: String) -> String? {
        let d = domain.lowercased().trimmingDots()
        let suffix = publicSuffix(of: d)
        guard !suffix.isEmpty, d.count > suffix.count else { return nil }
        let head = d.dropLast(suffix.count + 1)
        let label = head.split(separator: ".").last.map(String.init) ?? String(head)
        return label.isEmpty ? nil : "\(label).\(suffix)"
    }
}

extension String {
    func trimmingDots() -> String {
        var s = Substring(self)
        while s.first == "." { s = s.dropFirst() }
        while s.last == "." { s = s.dropLast() }
        return String(s)
    }
}
