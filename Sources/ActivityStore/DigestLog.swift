import Foundation
import ActivityCore

/// One user's digest for one week, as the store remembers it (migration 7 on both engines, `digest_sent`).
public struct DigestRecord: Sendable, Equatable {
    public enum State: String, Sendable {
        /// The SMTP transaction began and its outcome was not recorded (a crash, or still running).
        case sending
        case sent
        /// A temporary failure (4xx, no connection): the next poll tries again.
        case failed
        /// The server refused it for good (5xx): not sent again unless forced or the address changes.
        case refused
    }

    public var login: String
    public var week: String
    public var email: String
    public var messageID: String
    public var state: State
    public var attempts: Int
    public var lastAttempt: Date?
    public var sentAt: Date?
    public var lastError: String?
}

/// The digest log: plain SQL on `digest_sent`.
extension Store {
    public func digestRecord(login: String, week: String) throws -> DigestRecord? {
        try db.prepare("SELECT \(DigestColumn.list()) FROM digest_sent WHERE login = ? AND week = ?")
            .bind(.text(login), .text(week)).first(Store.digestRow)
    }

    /// Every record, newest week first (for `status`).
    public func digestRecords() throws -> [DigestRecord] {
        try db.prepare("SELECT \(DigestColumn.list()) FROM digest_sent ORDER BY week DESC, login").map(Store.digestRow)
    }

    /// Marks the start of a send, before the first byte goes to the server (committed at once).
    public func digestSending(login: String, week: String, email: String, messageID: String, at: Date) throws {
        try db.prepare("""
            INSERT INTO digest_sent (login, week, email, message_id, state, attempts, last_attempt) VALUES (?, ?, ?, ?, 'sending', 1, ?)
            ON CONFLICT (login, week) DO UPDATE SET email = excluded.email, message_id = excluded.message_id,
                state = 'sending', attempts = digest_sent.attempts + 1, last_attempt = excluded.last_attempt
            """).bind(.text(login), .text(week), .text(email), .text(messageID), .int(Int64(at.timeIntervalSince1970))).run()
    }

    /// Records a digest that was not tried because the mail server was unavailable for this run
    /// (no connection, login refused): `failed`, so that `status` shows who waits and why and the
    /// next run or poll tries again. Attempts stay as they were; a digest already sent stays sent.
    public func digestNotTried(login: String, week: String, email: String, messageID: String, error: String, at: Date) throws {
        try db.prepare("""
            INSERT INTO digest_sent (login, week, email, message_id, state, attempts, last_attempt, last_error)
            VALUES (?, ?, ?, ?, 'failed', 0, ?, ?)
            ON CONFLICT (login, week) DO UPDATE SET state = 'failed', last_error = excluded.last_error
            WHERE digest_sent.state <> 'sent'
            """).bind(.text(login), .text(week), .text(email), .text(messageID), .int(Int64(at.timeIntervalSince1970)),
                      .text(error)).run()
    }

    /// Records the outcome of the send begun with `digestSending`.
    public func digestFinished(login: String, week: String, state: DigestRecord.State, error: String?, at: Date) throws {
        try db.prepare("""
            UPDATE digest_sent SET state = ?, last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
            WHERE login = ? AND week = ?
            """).bind(.text(state.rawValue), error.map(SQLValue.text), .text(state.rawValue),
                      .int(Int64(at.timeIntervalSince1970)), .text(login), .text(week)).run()
    }

    /// A row of `digest_sent`, and its one mapping.
    enum DigestColumn: Int32, Columns { case login, week, email, messageID, state, attempts, lastAttempt, sentAt, lastError }

    static func digestRow(_ row: any Row) -> DigestRecord {
        typealias C = DigestColumn
        return DigestRecord(login: row.text(C.login), week: row.text(C.week), email: row.text(C.email), messageID: row.text(C.messageID),
                            state: DigestRecord.State(rawValue: row.text(C.state)) ?? .failed, attempts: Int(row.int(C.attempts)),
                            lastAttempt: row.optionalDate(C.lastAttempt), sentAt: row.optionalDate(C.sentAt),
                            lastError: row.optionalText(C.lastError))
    }
}
