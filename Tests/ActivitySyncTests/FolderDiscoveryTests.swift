import Testing
import ActivityTransport
@testable import ActivitySync

/// Which folder is Sent on the hosts sales teams use, from their LIST answers (HOSTS.md).
@Suite("Folder discovery")
struct FolderDiscoveryTests {
    func folder(_ name: String, _ attributes: [String] = [], delimiter: String = "/") -> IMAPFolder {
        IMAPFolder(name: name, wireName: name, attributes: Set(attributes), delimiter: delimiter)
    }

    @Test("Gmail: Sent is [Gmail]/Sent Mail by its flag; All Mail and Important are never picked")
    func gmail() {
        let all = [folder("INBOX"), folder("[Gmail]", ["\\NOSELECT"]), folder("[Gmail]/All Mail", ["\\ALL"]),
                   folder("[Gmail]/Important", ["\\IMPORTANT"]), folder("[Gmail]/Sent Mail", ["\\SENT"]), folder("[Gmail]/Spam", ["\\JUNK"])]
        let r = FolderDiscovery.resolve(["INBOX", "\\Sent"], among: all)
        #expect(r.found.map(\.name) == ["INBOX", "[Gmail]/Sent Mail"])
        // Without the flags (an old server or a localized account), the name still finds it.
        let bare = all.map { folder($0.name, $0.attributes.contains("\\NOSELECT") ? ["\\NOSELECT"] : []) }
        #expect(FolderDiscovery.sent(among: bare)?.name == "[Gmail]/Sent Mail")
        #expect(FolderDiscovery.resolve(["\\All"], among: all).found.map(\.name) == ["[Gmail]/All Mail"], "only when named")
    }

    @Test("QQ Mail: Sent Messages without any flag, beside the non-selectable 其他文件夹 and its children")
    func qq() {
        let all = [folder("INBOX"), folder("Sent Messages"), folder("Drafts"), folder("Deleted Messages"), folder("Junk"),
                   folder("其他文件夹", ["\\NOSELECT", "\\HASCHILDREN"]), folder("其他文件夹/QQ邮件订阅")]
        #expect(FolderDiscovery.sent(among: all)?.name == "Sent Messages")
    }

    @Test("Courier and Cyrus: INBOX.Sent under the INBOX. namespace, and a configured Sent finds it")
    func courier() {
        let all = [folder("INBOX", delimiter: "."), folder("INBOX.Sent", delimiter: "."), folder("INBOX.Trash", delimiter: "."),
                   folder("INBOX.Customers.Sent", delimiter: ".")]
        #expect(FolderDiscovery.sent(among: all, namespace: "INBOX.")?.name == "INBOX.Sent")
        let r = FolderDiscovery.resolve(["INBOX", "Sent"], among: all, namespace: "INBOX.")
        #expect(r.found.map(\.name) == ["INBOX", "INBOX.Sent"] && r.missing.isEmpty)
        #expect(FolderDiscovery.resolve(["Sent"], among: all).missing == ["Sent"], "without the namespace it is missing")
    }

    @Test("NetEase: 已发送 by name, never the virus or junk folders")
    func netease() {
        let all = [folder("INBOX"), folder("草稿箱", ["\\DRAFTS"]), folder("已发送"), folder("已删除", ["\\TRASH"]),
                   folder("垃圾邮件", ["\\JUNK"]), folder("病毒文件夹")]
        #expect(FolderDiscovery.sent(among: all)?.name == "已发送")
        #expect(FolderDiscovery.isExcluded(folder("病毒文件夹")) && FolderDiscovery.isExcluded(folder("垃圾邮件")))
    }

    @Test("Exchange in French and a Japanese host: the name table covers their languages")
    func languages() {
        #expect(FolderDiscovery.sent(among: [folder("INBOX"), folder("Éléments envoyés")])?.name == "Éléments envoyés")
        #expect(FolderDiscovery.sent(among: [folder("INBOX"), folder("送信済みアイテム")])?.name == "送信済みアイテム")
        #expect(FolderDiscovery.sent(among: [folder("INBOX"), folder("Projects/Sent"), folder("Sent Items")])?.name == "Sent Items",
                "a top-level folder before a deeper one")
    }

    @Test("no sent folder: the resolution says so and the description lists what the server has")
    func none() {
        let all = [folder("INBOX"), folder("Archive", ["\\ARCHIVE"]), folder("其他文件夹", ["\\NOSELECT"])]
        let r = FolderDiscovery.resolve(["INBOX", "\\Sent"], among: all)
        #expect(r.unresolved == ["\\Sent"])
        #expect(FolderDiscovery.describe(all) == "INBOX, Archive, 其他文件夹 (not selectable)")
    }
}
