import ActivityTransport

/// Which server folders the configured `folders` mean. A special-use name (`\Sent`) is the
/// folder with that attribute (RFC 6154, or Gmail's XLIST-era flags in plain LIST) first; for
/// `\Sent` on a server without SPECIAL-USE (QQ, Exmail, Courier, NetEase without it), a folder
/// whose last name level is a sent folder's name in one of the languages these hosts use,
/// shallow ones first (`Sent Messages`, `INBOX.Sent`, `[Gmail]/Sent Mail`, `已发送`). A plain name
/// is looked up as given, then inside the personal namespace (`Sent` → `INBOX.Sent` on Courier
/// and Cyrus). Folders that repeat other folders' mail (Gmail's All Mail and Important) or hold
/// junk are never picked by a special-use name or a name table, only when named exactly.
public enum FolderDiscovery {
    /// Names of a sent folder, lower case, most common first.
    public static let sentNames: [String] = [
        "sent", "sent messages", "sent items", "sent mail", "sent-mail",
        "已发送", "已发送邮件", "已发邮件", "已寄出", "寄件备份",
        "寄件備份", "已傳送郵件", "已寄出郵件", "已傳送",
        "送信済み", "送信済みメール", "送信済みアイテム", "보낸편지함",
        "gesendet", "gesendete elemente", "gesendete objekte", "envoyés", "éléments envoyés", "messages envoyés",
        "enviados", "elementos enviados", "itens enviados", "posta inviata", "verzonden", "verzonden items",
        "skickat", "skickade objekt", "отправленные", "wysłane",
    ]

    /// Attributes of folders that are never a sent folder by inference, and never synced unless
    /// a person names them: they repeat every message (`\All`, Gmail's `\Important`) or hold
    /// what is not activity.
    static let excludedAttributes: Set<String> = ["\\ALL", "\\IMPORTANT", "\\JUNK", "\\TRASH", "\\DRAFTS", "\\FLAGGED", "\\ARCHIVE"]

    /// Names of such folders, for servers without the attributes.
    static let excludedNames: Set<String> = [
        "all mail", "important", "starred", "spam", "junk", "trash", "drafts", "bin",
        "垃圾邮件", "病毒文件夹", "已删除", "草稿箱", "广告邮件", "订阅邮件",
    ]

    public static func isExcluded(_ f: IMAPFolder) -> Bool {
        !f.attributes.isDisjoint(with: excludedAttributes) || excludedNames.contains(f.leafName.lowercased())
    }

    /// The sent folder among `all`: by attribute, then by name.
    public static func sent(among all: [IMAPFolder], namespace: String? = nil) -> IMAPFolder? {
        let selectable = all.filter { $0.isSelectable }
        if let flagged = selectable.filter({ $0.attributes.contains("\\SENT") && !$0.attributes.contains("\\ALL") })
            .min(by: { $0.depth < $1.depth }) {
            return flagged
        }
        func rank(_ f: IMAPFolder) -> (Int, Int)? {
            guard !isExcluded(f), let i = sentNames.firstIndex(of: f.leafName.lowercased()) else { return nil }
            // Top level, or one level under the personal namespace (`INBOX.`) or `[Gmail]`.
            var depth = f.depth
            if depth == 1, let d = f.delimiter {
                let parent = String(f.name.dropLast(f.leafName.count + d.count))
                if parent.uppercased() == "INBOX" || parent.hasPrefix("[") || (namespace.map { $0 == parent + d } ?? false) { depth = 0 }
            }
            return (depth, i)
        }
        return selectable.compactMap { f in rank(f).map { (f, $0) } }.min { $0.1 < $1.1 }?.0
    }

    public struct Resolution {
        /// The folders to sync, in the configured order, each once.
        public var found: [IMAPFolder]
        /// Plain names the server does not have.
        public var missing: [String]
        /// Special-use names no folder answers to (`\Sent`).
        public var unresolved: [String]
    }

    public static func resolve(_ wanted: [String], among all: [IMAPFolder], namespace: String? = nil) -> Resolution {
        var out = Resolution(found: [], missing: [], unresolved: [])
        for name in wanted {
            let found: IMAPFolder?
            if name.hasPrefix("\\") {
                let attribute = name.uppercased()
                found = attribute == "\\SENT" ? sent(among: all, namespace: namespace)
                    : all.first { $0.attributes.contains(attribute) && $0.isSelectable }
                if found == nil { out.unresolved.append(name) }
            } else if name.uppercased() == "INBOX" {
                found = all.first { $0.name.uppercased() == "INBOX" } ?? IMAPFolder(name: "INBOX", wireName: "INBOX", attributes: [])
            } else {
                let inNamespace = namespace.flatMap { ns in ns.isEmpty || name.hasPrefix(ns) ? nil : ns + name }
                found = all.first { ($0.name == name || $0.wireName == name) && $0.isSelectable }
                    ?? inNamespace.flatMap { n in all.first { $0.name == n && $0.isSelectable } }
                if found == nil { out.missing.append(name) }
            }
            if let found, !out.found.contains(where: { $0.wireName == found.wireName }) { out.found.append(found) }
        }
        return out
    }

    /// The folders a server listed, for a message: selectable ones by name, the others marked.
    public static func describe(_ all: [IMAPFolder]) -> String {
        all.map { f in
            let flags = f.attributes.filter { ["\\SENT", "\\ALL", "\\IMPORTANT", "\\JUNK", "\\TRASH", "\\DRAFTS"].contains($0) }.sorted()
            return f.name + (f.isSelectable ? "" : " (not selectable)") + (flags.isEmpty ? "" : " " + flags.joined(separator: " "))
        }.joined(separator: ", ")
    }
}
