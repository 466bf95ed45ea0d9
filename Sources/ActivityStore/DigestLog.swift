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
        try db.prepare("""
            SELECT login, week, email, message_id, state, attempts, last_attempt, sent_at, last_error
            FROM digest_sent WHERE login = ? AND week = ?
            """).bind(.text(login), .text(week)).first(Store.digestRow)
    }

    /// Every record, newest week first (for `status`).
    public func digestRecords() throws -> [DigestRecord] {
        try db.prepare("""
            SELECT login, week, email, message_id, state, attempts, last_attempt, sent_at, last_error
            FROM digest_sent ORDER BY week DESC, login
            """).map(Store.digestRow)
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

    static func digestRow(_ row: any Row) -> DigestRecord {
        DigestRecord(login: row.text(0), week: row.text(1), email: row.text(2), messageID: row.text(3),
                     state: DigestRecord.State(rawValue: row.text(4)) ?? .failed, attempts: Int(row.int(5)),
                     lastAttempt: row.optionalInt(6).map { Date(timeIntervalSince1970: TimeInterval($0)) },
                     sentAt: row.optionalInt(7).map { Date(timeIntervalSince1970: TimeInterval($0)) },
                     lastError: row.optionalText(8))
    }
}
