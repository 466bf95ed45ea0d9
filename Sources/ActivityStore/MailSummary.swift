import Foundation

/// What `status` needs to spot a mailbox that shows IMAP less than the rep's mail.
public struct MailSummary: Sendable, Equatable {
    /// Mail stored from this account.
    public var count: Int
    /// The date of its oldest mail.
    public var oldest: Date?
    /// Mail from one of the rep's own addresses (what a sent folder holds).
    public var fromRep: Int
    /// Mail in INBOX whose subject marks it a reply (`Re:`, `回复:`, `答复:`, `AW:`).
    public var repliesInInbox: Int
}

extension Store {
    public func mailSummary(account: String, repAddresses: [String]) throws -> MailSummary {
        let row = try db.prepare("SELECT count(*), min(date) FROM mail WHERE account = ?").bind(.text(account))
            .first { (Int($0.int(0)), $0.optionalInt(1)) } ?? (0, nil)
        var fromRep = 0
        for address in Set(repAddresses.map { $0.lowercased() }) {
            fromRep += try db.prepare("SELECT count(*) FROM mail WHERE account = ? AND lower(from_addr) = ?")
                .bind(.text(account), .text(address)).first { Int($0.int(0)) } ?? 0
        }
        let replies = try db.prepare("""
            SELECT count(*) FROM mail m JOIN mail_location l ON l.mail_id = m.id
            WHERE l.account = ? AND upper(l.folder) = 'INBOX'
              AND (lower(m.subject) LIKE 're:%' OR m.subject LIKE '回复%' OR m.subject LIKE '答复%' OR lower(m.subject) LIKE 'aw:%')
            """).bind(.text(account)).first { Int($0.int(0)) } ?? 0
        return MailSummary(count: row.0, oldest: row.1.map { Date(timeIntervalSince1970: TimeInterval($0)) },
                           fromRep: fromRep, repliesInInbox: replies)
    }
}
