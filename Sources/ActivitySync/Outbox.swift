import Foundation
import ActivityCore
import ActivityConfig
import ActivityTransport

/// Where the digest hands its messages: `Outbox` (the SMTP server), or in the tests a
/// recording stand-in. `send` throws `Outbox.Failure` when a message was not taken.
public protocol MessageOutbox: AnyObject {
    func send(_ message: [UInt8], from: String, to recipients: [String]) throws
    /// Connections opened so far.
    var connections: Int { get }
    /// Messages accepted so far.
    var sent: Int { get }
}

/// `[mail]`'s SMTP server as the digest sends through it: one session for a run, so that every
/// message of the run shares one connection while all goes well (see `SMTPSession`). The CLI
/// builds and records the messages; only this side of Sync speaks to the server, so that the
/// CLI needs no Transport type.
public final class Outbox: MessageOutbox {
    private let session: SMTPSession

    /// Reads `[mail]`'s secret (or obtains its OAuth 2.0 access token) and prepares the session;
    /// nothing is connected before the first message.
    public init(_ mail: Config.Mail, credentials: CredentialSource) throws {
        session = try SMTPSession(endpoint: try Outbox.endpoint(mail, credentials: credentials))
    }

    /// Connections opened so far.
    public var connections: Int { session.connections }
    /// Messages the server accepted so far.
    public var sent: Int { session.sent }

    /// Sends one message; throws `Outbox.Failure` when the server did not take it.
    public func send(_ message: [UInt8], from: String, to recipients: [String]) throws {
        do {
            try session.send(message, from: from, to: recipients)
        } catch let f as SMTPFailure {
            throw Failure(f)
        }
    }

    /// Why a message was not sent, as the digest records it and the exit code reports it.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        let smtp: SMTPFailure

        init(_ smtp: SMTPFailure) { self.smtp = smtp }

        /// A 5xx refusal (a recipient or a message the server does not accept): sending again
        /// fails the same way. Otherwise a later try may succeed.
        public var permanent: Bool { smtp.permanent }
        public var message: String { smtp.message }
        /// What the failure means for the exit code (75 temporary, 77 login refused, 69 unreachable, 65 refused).
        public var error: ActivityError { smtp.error }
        /// No connection or no login: every other message of the run would fail the same way.
        public var serverDown: Bool { smtp.replyCode == 0 || smtp.error.code == .noPermission }
        public var description: String { message }
    }

    /// `[mail]` resolved: its secret read (or its OAuth 2.0 access token obtained).
    static func endpoint(_ mail: Config.Mail, credentials: CredentialSource) throws -> SMTPEndpoint {
        let credential: SMTPEndpoint.Credential
        if mail.secret == .none && mail.oauth2 == nil {
            credential = .none
        } else {
            switch try credentials.imapCredential(mail.credentialAccount) {
            case .password(let p): credential = .password(p)
            case .bearer(let t): credential = .bearer(t)
            }
        }
        return SMTPEndpoint(url: mail.smtpURL, username: mail.username, credential: credential, caFile: mail.caFile,
                            timeout: mail.timeout)
    }
}
