import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivityTransport

/// Signs that a mailbox shows IMAP less than the rep's mail, with no error anywhere: webmail
/// settings that narrow the IMAP view (QQ, Exmail and NetEase's 收取范围 "last 30 days",
/// 保存已发送邮件到服务器 off). A sync cannot tell; `config check` (on the server) and `status`
/// (from the store) say so, as warnings.
public enum UnderCounting {
    /// The fetch ranges hosts offer are 30 days or less ("最近30天"): an oldest message younger
    /// than this, with a lookback longer than it, looks like one.
    public static let narrowViewDays = 31.0

    /// Warnings for one account, read from the server: INBOX's oldest message, Sent's size.
    /// `c` is a live `IMAPConnection` or a replayed session (the tests).
    public static func check(session c: any IMAPSession, folders: [IMAPFolder], sent: IMAPFolder?,
                             account: Config.Account, config: Config, now: Date = Date()) throws -> [String] {
        var out: [String] = []
        var inboxMessages = 0
        if let inbox = folders.first(where: { $0.name.uppercased() == "INBOX" }) {
            let status = try c.examine(inbox)
            inboxMessages = status.messages
            if status.messages > 0, let text = try c.firstInternalDate(), let oldest = MailDate.parse(text),
               let warning = oldestWarning(folder: "INBOX", oldest: oldest, lookbackDays: config.leadLookbackDays, now: now) {
                out.append(warning)
            }
        }
        if let sent, folders.contains(where: { $0.wireName == sent.wireName }) {
            let status = try c.examine(sent)
            if status.messages == 0 && inboxMessages > 0 {
                out.append("warning: \(sent.name) is empty while INBOX has \(inboxMessages) messages: the rep's sent mail (visits, quotes, follow-ups) would not count; switch on 保存已发送邮件到服务器 (save sent mail on the server) in webmail, or name the folder the mail client saves sent mail in")
            }
        }
        return out
    }

    public static func oldestWarning(folder: String, oldest: Date, lookbackDays: Int, now: Date) -> String? {
        let age = now.timeIntervalSince(oldest) / 86_400
        guard Double(lookbackDays) > narrowViewDays, age >= 0, age < narrowViewDays else { return nil }
        let day = ISO8601DateFormatter.string(from: oldest, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate, .withDashSeparatorInDate])
        return "warning: the oldest message in \(folder) is from \(day) (\(Int(age)) days ago) while lead_lookback_days is \(lookbackDays): if webmail limits what IMAP shows (收取范围 or 收取邮件的时长 \"last 30 days\" on QQ, Exmail and NetEase), set it to all mail (全部), or older visits and leads are missing"
    }

    /// Warnings from the store, per account: its oldest stored mail, and a Sent folder with none
    /// of the rep's mail while INBOX holds replies (`Re:`, `回复:`) to the rep's mail.
    public static func fromStore(_ store: Store, config: Config, now: Date = Date()) throws -> [(account: String, warning: String)] {
        var out: [(String, String)] = []
        for a in config.accounts where a.kind == .imap {
            let summary = try store.mailSummary(account: a.id, repAddresses: config.rep(a.rep)?.emails ?? [])
            guard summary.count > 0 else { continue }
            if let oldest = summary.oldest,
               let w = oldestWarning(folder: "this account's mail", oldest: oldest, lookbackDays: config.leadLookbackDays, now: now) {
                out.append((a.id, w))
            }
            if summary.fromRep == 0 && summary.repliesInInbox > 0 {
                out.append((a.id, "warning: none of the rep's own mail is stored while INBOX holds \(summary.repliesInInbox) replies: the sent folder is empty or not found; check `activity config check` and 保存已发送邮件到服务器 (save sent mail on the server) in webmail"))
            }
        }
        return out
    }
}
