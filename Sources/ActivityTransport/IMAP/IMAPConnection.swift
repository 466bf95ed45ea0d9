import CCurl
import ActivityCore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Where and how to reach one IMAP account.
public struct IMAPEndpoint: Sendable {
    public enum Credential: Sendable {
        case password(String)
        /// An OAuth 2.0 access token, sent with SASL XOAUTH2.
        case bearer(String)
    }

    /// `imap://host:port/` or `imaps://host:port/`.
    public var url: String
    public var username: String
    public var credential: Credential
    /// A PEM file whose certificates are trusted in addition to the system's.
    public var caFile: String?
    /// The account id from the config, for messages.
    public var account: String
    /// Seconds a connection may stay silent before it is given up.
    public var timeout: Double
    /// The `provider` preset the account names, if any (for host-aware advice).
    public var provider: String?

    public init(url: String, username: String, credential: Credential, caFile: String? = nil, account: String, timeout: Double = 60,
                provider: String? = nil) {
        self.url = url
        self.username = username
        self.credential = credential
        self.caFile = caFile
        self.account = account
        self.timeout = timeout
        self.provider = provider
    }

    /// `host:port` for messages: never the username or secrets.
    public var server: String { HostPort.of(url: url) ?? "(unparsable URL)" }
}

/// A failed command: the server answered NO or BAD.
public struct IMAPCommandError: Error, CustomStringConvertible, Sendable {
    public var command: String
    public var status: IMAPStatus
    public var code: IMAPResponseCode?
    public var text: String
    public var description: String { "\(command) failed: \(status.rawValue) \(text)" }
}

/// An authenticated IMAP session. libcurl does TCP, TLS, CAPABILITY and login
/// (`CURLOPT_CONNECT_ONLY`); from there on we speak IMAP ourselves over `curl_easy_send` and
/// `curl_easy_recv`, because libcurl's own IMAP commands cannot stream a large FETCH.
public final class IMAPConnection: IMAPSession {
    public let endpoint: IMAPEndpoint
    public private(set) var capabilities: Set<String> = []
    private let curl: CurlEasy
    private var framer = IMAPResponseFramer()
    private var tagCounter = 0
    private var closed = false
    private let logger: Logger
    private var receiveBuffer = [UInt8](repeating: 0, count: 1 << 16)
    /// Bytes received so far on this connection (for progress and benchmarks).
    public private(set) var bytesReceived = 0
    /// Whether this session identified itself with RFC 2971 ID.
    public private(set) var sentID = false
    /// The server's greeting (what libcurl read before logging in), for host-aware advice.
    public private(set) var greeting = ""
    /// The longest wait a throttled command may ask for, and how many times it is sent again.
    public static let maxThrottleWait = 30.0
    public static let maxThrottleRetries = 3
    /// What the client says about itself in ID (RFC 2971): NetEase refuses to open a folder
    /// without it; 163's help shows these fields.
    public static let identity: [(String, String)] = [("name", "activity"), ("version", "1.0"), ("vendor", "activity")]

    public init(endpoint: IMAPEndpoint, logger: Logger = Logger(label: "activity.imap")) throws {
        self.endpoint = endpoint
        self.logger = logger
        curl = try CurlEasy()
        try curl.set(CURLOPT_URL, endpoint.url)
        try curl.set(CURLOPT_CONNECT_ONLY, 1)
        try curl.set(CURLOPT_USERNAME, endpoint.username)
        switch endpoint.credential {
        case .password(let p):
            try curl.set(CURLOPT_PASSWORD, p)
        case .bearer(let token):
            try curl.logIn(bearer: token)
        }
        if endpoint.url.lowercased().hasPrefix("imap://") {
            // Upgrade with STARTTLS when the server offers it.
            try curl.set(CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        }
        try curl.verifyTLS(alsoTrusting: endpoint.caFile, account: endpoint.account)
        try curl.giveUp(after: endpoint.timeout)
        // The server's lines during connect and login (greeting, the LOGIN refusal's own words),
        // which libcurl's error codes leave out.
        let transcript = try curl.recordServerLines()
        let rc = withExtendedLifetime(transcript) { curl_easy_perform(curl.handle) }
        try curl.stopRecordingServerLines()
        greeting = transcript.lines.first ?? ""
        guard rc == CURLE_OK else {
            if rc == CURLE_OPERATION_TIMEDOUT {
                // The session never came up (TCP, TLS, greeting or login hung): unreachable.
                throw ActivityError(.unavailable, "account \(endpoint.account): \(endpoint.server): no answer within \(Int(endpoint.timeout)) s while connecting (\(curl.errorText(rc))); is the server running and the URL right?")
            }
            if rc == CURLE_LOGIN_DENIED {
                throw IMAPConnection.loginRefused(endpoint, detail: curl.errorText(rc), transcript: transcript.lines)
            }
            throw curlFailure(rc, detail: curl.errorText(rc), server: endpoint.server, account: endpoint.account)
        }
        logger.debug("connected", metadata: ["imap.account": "\(endpoint.account)", "imap.server": "\(endpoint.server)"])
        do {
            try readCapabilities()
            if has("ID") { try identify() }
        } catch let e as IMAPCommandError where IMAPRefusal.isNotConnected(e.text) {
            closed = true
            throw notConnected(e)
        }
    }

    /// CAPABILITY again: what a server offers after login can differ from its greeting (QQ).
    private func readCapabilities() throws {
        try run("CAPABILITY") { response in
            if case .data("CAPABILITY", let values) = response {
                self.capabilities = Set(values.compactMap { $0.atom?.uppercased() })
            }
        }
    }

    /// RFC 2971 ID: `ID ("name" "activity" "version" "1.0" "vendor" "activity")`, a well-formed
    /// list of quoted strings (NetEase answers `BAD Parse command error` to anything looser). The
    /// server's own ID answer is not needed. Sent once per session.
    public func identify() throws {
        guard !sentID else { return }
        sentID = true
        let fields = IMAPConnection.identity.map { "\(IMAPConnection.quote($0.0)) \(IMAPConnection.quote($0.1))" }
        do {
            try run("ID (\(fields.joined(separator: " ")))")
        } catch let e as IMAPCommandError where !IMAPRefusal.isNotConnected(e.text) {
            // A courtesy to every other server: a refusal is logged and the session goes on (a
            // host that insists refuses the EXAMINE, which says so).
            logger.notice("the server refused ID", metadata: ["imap.account": "\(endpoint.account)", "error": "\(e.description)"])
        }
    }

    /// A refused login as exit 77, with the server's own words and what the host needs.
    static func loginRefused(_ endpoint: IMAPEndpoint, detail: String, transcript: [String]) -> ActivityError {
        // The last tagged NO/BAD (libcurl's tags are `A001`…); an untagged BYE or NO otherwise
        // (Outlook.com says why in the tagged NO, then signs off with a BYE).
        func refusing(_ line: String, tagged: Bool) -> Bool {
            let words = line.split(separator: " ", maxSplits: 2)
            return words.count >= 2 && (words[0] != "*") == tagged && ["NO", "BAD", "BYE"].contains(words[1].uppercased())
        }
        let refusal = (transcript.last { refusing($0, tagged: true) } ?? transcript.last { refusing($0, tagged: false) }).map { line -> String in
            line.split(separator: " ", maxSplits: 1).dropFirst().joined()
        }
        let said = refusal.map { "the server said \"\($0)\"" } ?? detail
        let host = MailHost.recognise(provider: endpoint.provider, server: endpoint.server,
                                      serverText: (transcript.first ?? "") + " " + (refusal ?? ""))
        let advice: String
        if let host {
            advice = "\(host.displayName): \(host.loginAdvice)"
        } else if case .bearer = endpoint.credential {
            advice = "the access token was refused; check oauth2_scope (the server must grant IMAP) and that the refresh token is still valid"
        } else {
            advice = "check the username and password of this account (hosted mail usually needs IMAP switched on in webmail and an app password or authorization code, not the web password)"
        }
        return ActivityError.refusedLogin("account \(endpoint.account): \(endpoint.server): login refused (\(said)); \(advice). Not retried until the next poll.")
    }

    deinit {
        if !closed { try? logout() }
    }

    /// Sends `command` with a fresh tag and hands every untagged response to `untagged` until the
    /// tagged completion arrives. Throws `IMAPCommandError` on NO or BAD, `ActivityError` on
    /// transport failures. An untagged response that is framed but cannot be parsed goes to
    /// `unreadable` when given (the framing is intact, so the session can go on); without it, it
    /// ends the session like any unreadable answer.
    /// A command that Exchange answers `Request is throttled. Suggested Backoff Time: N
    /// milliseconds` is sent again after that wait (at most `maxThrottleWait` s, at most
    /// `maxThrottleRetries` times); then the refusal stands.
    @discardableResult
    public func run(_ command: String, untagged: (IMAPResponse) throws -> Void = { _ in },
                    unreadable: (([UInt8], IMAPProtocolError) throws -> Void)? = nil) throws -> IMAPResponse {
        var tries = 0
        while true {
            do {
                return try runOnce(command, untagged: untagged, unreadable: unreadable)
            } catch let e as IMAPCommandError {
                guard tries < IMAPConnection.maxThrottleRetries, let wait = IMAPRefusal.throttleBackoff(e.text) else { throw e }
                tries += 1
                let seconds = min(max(wait, 0.01), IMAPConnection.maxThrottleWait)
                logger.notice("server throttled a command; waiting as it asks", metadata: [
                    "imap.account": "\(endpoint.account)", "imap.command": "\(e.command)", "wait_ms": "\(Int(seconds * 1000))"])
                usleep(UInt32(seconds * 1_000_000))
            }
        }
    }

    private func runOnce(_ command: String, untagged: (IMAPResponse) throws -> Void,
                         unreadable: (([UInt8], IMAPProtocolError) throws -> Void)?) throws -> IMAPResponse {
        guard !closed else {
            throw ActivityError(.tempFail, "account \(endpoint.account): \(endpoint.server): the connection is closed")
        }
        tagCounter += 1
        let tag = "s\(tagCounter)"
        try send(Array("\(tag) \(command)\r\n".utf8))
        let verb = command.split(separator: " ").prefix(2).joined(separator: " ")
        while true {
            let response: IMAPResponse
            switch try nextResponse() {
            case .response(let r):
                response = r
            case .unreadable(let raw, let e):
                guard let unreadable, raw.count > 2, raw[0] == UInt8(ascii: "*"), raw[1] == 0x20 else {
                    closed = true
                    throw ActivityError(.tempFail, "account \(endpoint.account): \(endpoint.server): unreadable response to \(verb) (\(e.message))")
                }
                logger.warning("unreadable response skipped", metadata: [
                    "imap.account": "\(endpoint.account)", "imap.command": "\(verb)", "error": "\(e.message)"])
                try unreadable(raw, e)
                continue
            }
            switch response {
            case .tagged(let t, let status, let code, let text) where t == tag:
                if status != .ok {
                    throw IMAPCommandError(command: verb, status: status, code: code, text: text)
                }
                return response
            case .untaggedStatus(.bye, _, let text):
                closed = true
                throw ActivityError(.tempFail, "account \(endpoint.account): \(endpoint.server): the server ended the session (BYE \(text)) during \(verb); retry later")
            default:
                try untagged(response)
            }
        }
    }

    /// Drops the connection without a LOGOUT (in the middle of a FETCH, say): the socket closes
    /// when the connection goes away.
    public func abandon() {
        closed = true
    }

    public func logout() throws {
        guard !closed else { return }
        defer { closed = true }
        _ = try? run("LOGOUT")
    }

    // MARK: - Bytes on the wire

    private enum Framed {
        case response(IMAPResponse)
        /// A whole response (framing intact) that the parser rejected.
        case unreadable([UInt8], IMAPProtocolError)
    }

    private func nextResponse() throws -> Framed {
        while true {
            let framed: Framed?
            do {
                // Parsed where the framer holds it: the response's bytes are copied only when
                // the parser rejects them.
                framed = try framer.next { bytes -> Framed in
                    do {
                        return .response(try IMAPResponseParser.parse(bytes))
                    } catch let e as IMAPProtocolError {
                        return .unreadable(Array(bytes), e)
                    }
                }
            } catch let e as IMAPProtocolError {
                // The framing itself is lost: nothing after this can be trusted.
                closed = true
                throw ActivityError(.tempFail, "account \(endpoint.account): \(endpoint.server): \(e.message); the connection was dropped")
            }
            if let framed { return framed }
            try receive()
        }
    }

    private func receive() throws {
        while true {
            var n = 0
            let rc = receiveBuffer.withUnsafeMutableBytes { buf in
                curl_easy_recv(curl.handle, buf.baseAddress, buf.count, &n)
            }
            if rc == CURLE_OK {
                if n == 0 {
                    closed = true
                    throw ActivityError(.tempFail, "account \(endpoint.account): \(endpoint.server): the server closed the connection; retry later")
                }
                bytesReceived += n
                framer.append(receiveBuffer[0..<n])
                return
            }
            if rc == CURLE_AGAIN {
                try wait(for: Int16(POLLIN))
                continue
            }
            closed = true
            throw curlFailure(rc, detail: curl.errorText(rc), server: endpoint.server, account: endpoint.account)
        }
    }

    private func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            var n = 0
            let rc = bytes.withUnsafeBytes { buf in
                curl_easy_send(curl.handle, buf.baseAddress! + offset, buf.count - offset, &n)
            }
            if rc == CURLE_OK {
                offset += n
            } else if rc == CURLE_AGAIN {
                try wait(for: Int16(POLLOUT))
            } else {
                closed = true
                throw curlFailure(rc, detail: curl.errorText(rc), server: endpoint.server, account: endpoint.account)
            }
        }
    }

    private func wait(for events: Int16) throws {
        guard let socket = curl.activeSocket() else {
            closed = true
            throw ActivityError(.tempFail, "account \(endpoint.account): \(endpoint.server): the connection is gone; retry later")
        }
        var fd = pollfd(fd: socket, events: events, revents: 0)
        let timeoutMs = Int32(max(1, endpoint.timeout * 1000))
        while true {
            let r = poll(&fd, 1, timeoutMs)
            if r > 0 { return }
            if r == 0 {
                closed = true
                throw ActivityError(.tempFail, "account \(endpoint.account): \(endpoint.server): no answer for \(Int(endpoint.timeout)) s; retry later")
            }
            if errno == EINTR { continue }
            closed = true
            throw ActivityError(.tempFail, "account \(endpoint.account): \(endpoint.server): poll failed (errno \(errno))")
        }
    }
}
