import Foundation
import CCurl
import ActivityCore

/// Where and how to send mail: `[mail]` of the config, resolved.
public struct SMTPEndpoint: Sendable {
    public enum Credential: Sendable {
        case none
        case password(String)
        /// An OAuth 2.0 access token, sent with SASL XOAUTH2.
        case bearer(String)
    }

    /// `smtps://host:465` (implicit TLS) or `smtp://host:587` (STARTTLS, required unless the host
    /// is loopback).
    public var url: String
    public var username: String?
    public var credential: Credential
    public var caFile: String?
    public var timeout: Double

    public init(url: String, username: String?, credential: Credential, caFile: String? = nil, timeout: Double = 60) {
        self.url = url
        self.username = username
        self.credential = credential
        self.caFile = caFile
        self.timeout = timeout
    }

    /// `host:port`, for messages.
    public var server: String { HostPort.of(url: url) ?? "(unparsable URL)" }

    var isLoopback: Bool { HostPort.of(url: url).map(HostPort.isLoopback) ?? false }
}

/// Why a message was not sent. `permanent`: the server refused it with a 5xx (a recipient it does
/// not accept, a message it rejects): sending it again will fail the same way. Otherwise (4xx,
/// no connection, a timeout) a later attempt may succeed.
public struct SMTPFailure: Error, CustomStringConvertible, Sendable {
    public var permanent: Bool
    /// The server's reply code, 0 when none came (no connection).
    public var replyCode: Int
    public var message: String
    /// What the failure means for the exit code (75 temporary, 77 login refused, 69 unreachable, 65 refused).
    public var error: ActivityError
    public var description: String { message }
}

/// One SMTP session over libcurl for all the messages of a run: one easy handle, whose connection
/// cache keeps the connection open between messages (EHLO, STARTTLS and AUTH once; each message
/// is MAIL FROM, RCPT TO, DATA on the same connection; QUIT when the session goes). libcurl closes
/// the connection after a failed transaction (a refused recipient, a 4xx), and the next message
/// opens a fresh one, so one message's failure never leaves the next in a half-done transaction.
/// No secret ever appears in a message; only the server's own reply lines do.
public final class SMTPSession {
    public let endpoint: SMTPEndpoint
    private let curl: CurlEasy
    /// Connections opened so far (CURLINFO_NUM_CONNECTS summed over the messages).
    public private(set) var connections = 0
    /// Messages the server accepted on this session.
    public private(set) var sent = 0

    public init(endpoint: SMTPEndpoint) throws {
        self.endpoint = endpoint
        curl = try CurlEasy()
        try SMTPSession.configure(curl, endpoint)
    }

    /// What every transfer of the handle shares: URL, TLS, timeouts, login.
    static func configure(_ curl: CurlEasy, _ endpoint: SMTPEndpoint) throws {
        try curl.set(CURLOPT_URL, endpoint.url)
        try curl.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        if endpoint.url.lowercased().hasPrefix("smtp://") {
            // STARTTLS is required, except to a server on this host (a local relay, the tests).
            try curl.set(CURLOPT_USE_SSL, Int(endpoint.isLoopback ? CURLUSESSL_TRY.rawValue : CURLUSESSL_ALL.rawValue))
        }
        try curl.verifyTLS(alsoTrusting: endpoint.caFile, account: "[mail]")
        try curl.giveUp(after: endpoint.timeout)
        if let username = endpoint.username { try curl.set(CURLOPT_USERNAME, username) }
        switch endpoint.credential {
        case .none: break
        case .password(let p): try curl.set(CURLOPT_PASSWORD, p)
        case .bearer(let token): try curl.logIn(bearer: token)
        }
    }

    /// Sends one message: on the open connection if there is one, else on a new one.
    public func send(_ message: [UInt8], from: String, to recipients: [String]) throws {
        try curl.set(CURLOPT_MAIL_FROM, "<\(from)>")
        try curl.set(CURLOPT_MAIL_RCPT, headers: recipients.map { "<\($0)>" })
        try curl.set(CURLOPT_UPLOAD, 1)
        let source = MessageSource(message)
        try curl.set(CURLOPT_READFUNCTION, callback: { buffer, size, count, user in
            let source = Unmanaged<MessageSource>.fromOpaque(user!).takeUnretainedValue()
            let n = min(size * count, source.bytes.count - source.offset)
            guard n > 0, let buffer else { return 0 }
            source.bytes.withUnsafeBufferPointer { b in
                UnsafeMutableRawPointer(buffer).copyMemory(from: b.baseAddress! + source.offset, byteCount: n)
            }
            source.offset += n
            return n
        })
        try curl.set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(source).toOpaque())
        let transcript = try curl.recordServerLines()
        curl.clearError()
        let rc = withExtendedLifetime((source, transcript)) { curl_easy_perform(curl.handle) }
        try curl.set(CURLOPT_READDATA, pointer: nil)
        try curl.stopRecordingServerLines()
        connections += curl.infoLong(CURLINFO_NUM_CONNECTS)
        guard rc != CURLE_OK else {
            sent += 1
            return
        }
        throw SMTPSession.failure(rc, curl: curl, transcript: transcript, server: endpoint.server)
    }

    /// Connects, reads the greeting, EHLO, STARTTLS (or implicit TLS) and AUTH when [mail] has a
    /// username — everything but a message (`CURLOPT_CONNECT_ONLY`), then QUIT. For `config check`.
    /// Returns what was checked, e.g. `logged in as activity`.
    public static func check(_ endpoint: SMTPEndpoint) throws -> String {
        let curl = try CurlEasy()
        try configure(curl, endpoint)
        try curl.set(CURLOPT_CONNECT_ONLY, 1)
        let transcript = try curl.recordServerLines()
        let rc = withExtendedLifetime(transcript) { curl_easy_perform(curl.handle) }
        try curl.stopRecordingServerLines()
        guard rc == CURLE_OK else {
            if rc == CURLE_OPERATION_TIMEDOUT {
                // The session never came up (TCP, TLS, greeting or login hung): unreachable.
                let m = "mail server \(endpoint.server): no answer within \(Int(endpoint.timeout)) s while connecting (\(curl.errorText(rc))); is the server running and [mail] smtp_url right?"
                throw SMTPFailure(permanent: false, replyCode: 0, message: m, error: ActivityError(.unavailable, m))
            }
            throw failure(rc, curl: curl, transcript: transcript, server: endpoint.server)
        }
        let tls = endpoint.url.lowercased().hasPrefix("smtps://") ? "TLS"
            : endpoint.isLoopback ? "loopback (STARTTLS when offered)" : "STARTTLS"
        let login: String
        switch endpoint.credential {
        case .none: login = endpoint.username.map { "connected as \($0) without a password" } ?? "connected (no AUTH: [mail] has no username)"
        case .password: login = "logged in as \(endpoint.username ?? "")"
        case .bearer: login = "logged in as \(endpoint.username ?? "") with OAuth 2.0"
        }
        return "\(login); \(tls); no message sent"
    }

    /// A libcurl failure as the digest and `config check` report it, naming the server and what to do.
    static func failure(_ rc: CURLcode, curl: CurlEasy, transcript: ServerLines, server: String) -> SMTPFailure {
        let reply = curl.infoLong(CURLINFO_RESPONSE_CODE)
        let detail = curl.errorText(rc)
        let last = transcript.lines.last { $0.count >= 3 && $0.prefix(3).allSatisfy(\.isNumber) }.map { String($0.prefix(200)) }
        let said = last.map { "; the server said \"\($0)\"" } ?? ""
        let prefix = "mail server \(server): "
        if rc == CURLE_USE_SSL_FAILED {
            let m = prefix + "does not offer STARTTLS, and the digest is not sent in clear to a host that is not loopback; use smtps:// or a server with STARTTLS in [mail] smtp_url"
            return SMTPFailure(permanent: false, replyCode: 0, message: m, error: ActivityError(.config, m))
        }
        if rc == CURLE_LOGIN_DENIED {
            return SMTPFailure(permanent: false, replyCode: reply, message: prefix + "login refused (\(detail))\(said)",
                               error: ActivityError(.noPermission, prefix + "login refused (\(detail))\(said); check [mail] username and its password"))
        }
        if (500..<600).contains(reply) {
            let m = prefix + "refused (\(detail))\(said)"
            return SMTPFailure(permanent: true, replyCode: reply, message: m, error: ActivityError(.dataError, m))
        }
        if reply == 0 {
            let e = curlFailure(rc, detail: detail, server: server, account: "[mail]")
            return SMTPFailure(permanent: false, replyCode: 0, message: e.message, error: e)
        }
        let m = prefix + "temporary failure (\(detail))\(said); retried later"
        return SMTPFailure(permanent: false, replyCode: reply, message: m, error: ActivityError(.tempFail, m))
    }

    private final class MessageSource {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }
}

/// Sends one message on a connection of its own (see `SMTPSession` for many).
public enum SMTPClient {
    public static func send(_ message: [UInt8], from: String, to recipients: [String], endpoint: SMTPEndpoint) throws {
        try SMTPSession(endpoint: endpoint).send(message, from: from, to: recipients)
    }
}
