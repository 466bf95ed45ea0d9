import Foundation
import Testing

/// Webmail settings that shrink what IMAP shows, without any error (QQ, Exmail and NetEase's
/// 收取范围 "last 30 days", 保存已发送邮件到服务器 off): `config check` and `status` say so.
@Suite("Under-counting guards", .serialized)
struct UnderCountingTests {
    /// A maildir for alice whose INBOX holds only the last `days` days: customers' replies
    /// (`Re:`) to mail she sent, and an empty Sent folder.
    static func narrowMailbox(days: [Int]) -> TempDir {
        let src = TempDir("activity-narrow")
        let now = Int(Date().timeIntervalSince1970)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        for (i, d) in days.enumerated() {
            let t = now - d * 86_400
            let date = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(t)))
            src.write("alice/Maildir/cur/\(t).M\(i)P1.fixture:2,S", """
                Date: \(date)\r
                From: Chen Jie <chenjie@customer\(i).com.cn>\r
                To: Alice <alice@hxsoft.cn>\r
                Subject: Re: 报价单 \(i)\r
                Message-ID: <reply-\(i)@customer\(i).com.cn>\r
                In-Reply-To: <quote-\(i)@hxsoft.cn>\r
                \r
                Thanks.\r

                """)
        }
        for sub in ["cur", "new", "tmp"] {
            try? FileManager.default.createDirectory(atPath: src.file("alice/Maildir/.Sent/\(sub)"), withIntermediateDirectories: true)
            try? FileManager.default.createDirectory(atPath: src.file("alice/Maildir/\(sub)"), withIntermediateDirectories: true)
        }
        return src
    }

    func aliceOnly(_ text: String) -> String {
        // The fixture config without bob's and carol's accounts.
        text.components(separatedBy: "[[account]]").filter { !$0.contains("id = \"bob-mail\"") && !$0.contains("id = \"carol-mail\"") }
            .joined(separator: "[[account]]")
    }

    @Test("INBOX with only the last weeks and an empty Sent: config check and status warn, naming the settings")
    func narrowViewWarns() throws {
        let src = Self.narrowMailbox(days: [20, 12, 5])
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: src.path)
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", edit: aliceOnly)
        let check = try team.activity(["config", "check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("warning: the oldest message in INBOX is from"), "\(check.stdout)")
        #expect(check.stdout.contains("(20 days ago) while lead_lookback_days is 365") && check.stdout.contains("收取范围"), "\(check.stdout)")
        #expect(check.stdout.contains("warning: Sent is empty while INBOX has 3 messages") && check.stdout.contains("保存已发送邮件到服务器"), "\(check.stdout)")

        #expect(try team.activity(["sync", "--once"]).status == 0)
        let status = try team.activity(["status"])
        #expect(status.stdout.contains("Possible under-counting"), "\(status.stdout)")
        #expect(status.stdout.contains("none of the rep's own mail is stored while INBOX holds 3 replies"), "\(status.stdout)")
        let json = try team.activity(["status", "--format", "json"])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let warnings = try #require(parsed["under_counting"] as? [[String: String]])
        #expect(warnings.count == 2 && warnings.allSatisfy { $0["account"] == "alice-mail" }, "\(warnings)")
    }

    @Test("a mailbox with a year of mail and sent mail of its own gives no warning")
    func fullViewIsQuiet() throws {
        let src = Self.narrowMailbox(days: [300, 100, 5])
        src.write("alice/Maildir/.Sent/cur/\(Int(Date().timeIntervalSince1970) - 86_400 * 90).M9P1.fixture:2,S", """
            Date: Mon, 07 Sep 2026 10:00:00 +0800\r
            From: Alice <alice@hxsoft.cn>\r
            To: Chen Jie <chenjie@customer1.com.cn>\r
            Subject: 报价单 1\r
            Message-ID: <quote-1@hxsoft.cn>\r
            \r
            Quote attached.\r

            """)
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: src.path)
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", edit: aliceOnly)
        let check = try team.activity(["config", "check"])
        #expect(check.status == 0 && !check.stdout.contains("warning:"), "\(check.stdout)")
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let status = try team.activity(["status"])
        #expect(!status.stdout.contains("Possible under-counting"), "\(status.stdout)")
    }

    @Test("no sent folder by flag or name: config check lists the folders the server has")
    func noSentFolderListsFolders() throws {
        let src = Self.narrowMailbox(days: [300])
        try FileManager.default.moveItem(atPath: src.file("alice/Maildir/.Sent"), toPath: src.file("alice/Maildir/.Outgoing"))
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: src.path)
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", edit: aliceOnly)
        let check = try team.activity(["config", "check"])
        #expect(check.stdout.contains("sent folder: none; warning: no sent folder found"), "\(check.stdout)")
        #expect(check.stdout.contains("the server has: INBOX, Outgoing") || check.stdout.contains("the server has: Outgoing, INBOX"), "\(check.stdout)")
    }
}
