import Foundation

/// A web view session as stored: the token itself is never kept, only its SHA-256.
public struct WebSession: Sendable, Equatable {
    public var login: String
    public var csrf: String
    public var expires: Date

    public init(login: String, csrf: String, expires: Date) {
        self.login = login
        self.csrf = csrf
        self.expires = expires
    }
}

/// The web view's sessions (migration 8 on both engines), in plain SQL.
extension Store {
    public func createWebSession(tokenHash: String, _ session: WebSession, now: Date = Date()) throws {
        try db.prepare("INSERT INTO web_session (token_hash, login, csrf, created, expires) VALUES (?, ?, ?, ?, ?)")
            .bind(.text(tokenHash), .text(session.login), .text(session.csrf),
                  .int(Int(now.timeIntervalSince1970)), .int(Int(session.expires.timeIntervalSince1970)))
            .run()
    }

    /// A row of `web_session` as the web view reads it.
    enum SessionColumn: Int32, Columns { case login, csrf, expires }

    /// The session of a token's hash, if it has not expired.
    public func webSession(tokenHash: String, now: Date = Date()) throws -> WebSession? {
        typealias C = SessionColumn
        return try db.prepare("SELECT \(C.list()) FROM web_session WHERE token_hash = ? AND expires > ?")
            .bind(.text(tokenHash), .int(Int(now.timeIntervalSince1970)))
            .first { WebSession(login: $0.text(C.login), csrf: $0.text(C.csrf), expires: $0.date(C.expires)) }
    }

    public func deleteWebSession(tokenHash: String) throws {
        try db.prepare("DELETE FROM web_session WHERE token_hash = ?").bind(.text(tokenHash)).run()
    }

    /// Removes expired sessions; returns how many.
    @discardableResult
    public func purgeWebSessions(now: Date = Date()) throws -> Int {
        try db.prepare("DELETE FROM web_session WHERE expires <= ?").bind(.int(Int(now.timeIntervalSince1970))).run()
    }

    /// Shortens a session (tests: an expired session).
    public func expireWebSessions(login: String, at: Date) throws {
        try db.prepare("UPDATE web_session SET expires = ? WHERE login = ?")
            .bind(.int(Int(at.timeIntervalSince1970)), .text(login)).run()
    }
}
