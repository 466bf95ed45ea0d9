/// An error a user can meet: it carries the sysexits code it ends the program with and a message
/// that names the account, server, file, line or key involved and says what to do.
public struct ActivityError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The sysexits(3) classes of INTERFACE.md.
    public enum Code: Int32, Sendable {
        case usage = 64
        case dataError = 65
        case noInput = 66
        case unavailable = 69
        case software = 70
        case cantCreate = 73
        case ioError = 74
        case tempFail = 75
        case noPermission = 77
        case config = 78
    }

    public var code: Code
    public var message: String
    /// A server refused the credentials (an IMAP login, an HTTP 401): the daemon waits longer before
    /// trying again, and a password_command's access token is suspected. Decided where the refusal is
    /// read, never by searching the message.
    public var isRefusedLogin = false

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A refused login (exit 77, `isRefusedLogin`).
    public static func refusedLogin(_ message: String) -> ActivityError {
        var e = ActivityError(.noPermission, message)
        e.isRefusedLogin = true
        return e
    }

    public var description: String { message }
    public var exitCode: Int32 { code.rawValue }

    /// Whether retrying later may succeed (used by sync's backoff and by the worst-of exit code).
    public var isTransient: Bool { code == .tempFail || code == .unavailable }

    /// The worse of two failures for a summary exit code: the higher sysexits severity wins,
    /// with configuration and permission problems (which need a person) above transient ones.
    public static func worst(_ a: ActivityError?, _ b: ActivityError?) -> ActivityError? {
        guard let a else { return b }
        guard let b else { return a }
        return a.severity >= b.severity ? a : b
    }

    private var severity: Int {
        switch code {
        case .tempFail: return 1
        case .unavailable: return 2
        case .dataError, .noInput, .ioError, .cantCreate: return 3
        case .noPermission: return 4
        case .config, .usage: return 5
        case .software: return 6
        }
    }
}
