/// What the sync needs of an authenticated IMAP session: one command at a time, its untagged
/// answers handed over as they arrive. `IMAPConnection` is the real one (libcurl); the replay
/// tests serve answers recorded from real servers (Fixtures/transcripts). The mailbox commands
/// (IMAPMailbox.swift) are built on this alone, so a replayed session reads the recorded bytes
/// with the same parser and the same FETCH decoding as a live one.
public protocol IMAPSession: AnyObject {
    var endpoint: IMAPEndpoint { get }
    /// CAPABILITY after login (upper-cased).
    var capabilities: Set<String> { get }
    /// Whether this session identified itself with RFC 2971 ID.
    var sentID: Bool { get }
    /// Sends ID once per session (see `IMAPConnection.identify`).
    func identify() throws
    /// Sends `command` and hands every untagged response to `untagged` until the tagged
    /// completion; NO or BAD throw `IMAPCommandError` (see `IMAPConnection.run`).
    @discardableResult
    func run(_ command: String, untagged: (IMAPResponse) throws -> Void,
             unreadable: (([UInt8], IMAPProtocolError) throws -> Void)?) throws -> IMAPResponse
    /// Drops the session without a LOGOUT (in the middle of a FETCH, say).
    func abandon()
    func logout() throws
}

extension IMAPSession {
    public func has(_ capability: String) -> Bool { capabilities.contains(capability.uppercased()) }

    @discardableResult
    public func run(_ command: String, untagged: (IMAPResponse) throws -> Void = { _ in }) throws -> IMAPResponse {
        try run(command, untagged: untagged, unreadable: nil)
    }
}
