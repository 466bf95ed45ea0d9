/// Who is on the other side of a mail or meeting: internal colleagues, automated senders, and
/// external organisations keyed by registrable domain (or the whole address for freemail).
public struct OrgIdentity: Sendable {
    public var internalDomains: Set<String>
    public var freemailDomains: Set<String>
    public var suffixes: PublicSuffixList

    /// DOMAIN.md's list: many small customers write from a personal mailbox.
    public static let builtInFreemail: [String] = [
        "qq.com", "163.com", "126.com", "yeah.net", "sina.com", "sohu.com", "foxmail.com", "aliyun.com",
        "gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com",
    ]

    /// Local parts that are never people. DOMAIN.md names the first five; the other spellings
    /// are the same thing written differently by real senders.
    public static let automatedLocalParts: Set<String> = [
        "noreply", "no-reply", "mailer-daemon", "postmaster", "notifications",
        "no_reply", "donotreply", "do-not-reply", "do_not_reply",
    ]

    public init(internalDomains: [String], extraFreemail: [String] = [], suffixes: PublicSuffixList) {
        self.internalDomains = Set(internalDomains.map { $0.lowercased() })
        self.freemailDomains = Set((OrgIdentity.builtInFreemail + extraFreemail).map { $0.lowercased() })
        self.suffixes = suffixes
    }

    public func isInternal(_ address: String) -> Bool {
        let domain = OrgIdentity.domain(of: address)
        return OrgIdentity.matches(domain, in: internalDomains)
    }

    public func isAutomated(_ address: String) -> Bool {
        let local = OrgIdentity.localPart(of: address)
        return OrgIdentity.automatedLocalParts.contains(local)
    }

    /// The organisation key of an external party, or nil for internal, automated or malformed
    /// addresses.
    public func org(of address: String) -> String? {
        let a = ByteText.lowercased(address)
        let domain = OrgIdentity.domain(of: a)
        guard !domain.isEmpty, !OrgIdentity.localPart(of: a).isEmpty else { return nil }
        if isInternal(a) || isAutomated(a) { return nil }
        if OrgIdentity.matches(domain, in: freemailDomains) { return a }
        return suffixes.registrableDomain(domain) ?? domain
    }

    /// A domain matches a list entry when it is the entry or a subdomain of it (vip.qq.com).
    static func matches(_ domain: String, in set: Set<String>) -> Bool {
        if set.contains(domain) { return true }
        var d = Substring(domain)
        while let dot = d.firstIndex(of: ".") {
            d = d[d.index(after: dot)...]
            if set.contains(String(d)) { return true }
        }
        return false
    }

    static func domain(of address: String) -> String {
        var text = address
        let ascii = text.withUTF8 { b -> String? in
            guard ByteText.isASCII(b) else { return nil }
            guard let at = b.lastIndex(of: UInt8(ascii: "@")) else { return "" }
            var lo = at + 1, hi = b.count
            while lo < hi, b[lo] == UInt8(ascii: ".") { lo += 1 }
            while hi > lo, b[hi - 1] == UInt8(ascii: ".") { hi -= 1 }
            return ByteText.lowercasedASCII(b, lo..<hi)
        }
        if let ascii { return ascii }
        guard let at = address.lastIndex(of: "@") else { return "" }
        return String(address[address.index(after: at)...]).lowercased().trimmingDots()
    }

    static func localPart(of address: String) -> String {
        var text = address
        let ascii = text.withUTF8 { b -> String? in
            guard ByteText.isASCII(b) else { return nil }
            guard let at = b.lastIndex(of: UInt8(ascii: "@")) else { return ByteText.lowercasedASCII(b, 0..<b.count) }
            // Sub-addressing (noreply+bounces@) is the same sender.
            let end = b[..<at].firstIndex(of: UInt8(ascii: "+")) ?? at
            return ByteText.lowercasedASCII(b, 0..<end)
        }
        if let ascii { return ascii }
        guard let at = address.lastIndex(of: "@") else { return address.lowercased() }
        var local = address[..<at].lowercased()
        // Sub-addressing (noreply+bounces@) is the same sender.
        if let plus = local.firstIndex(of: "+") { local = String(local[..<plus]) }
        return local
    }
}
