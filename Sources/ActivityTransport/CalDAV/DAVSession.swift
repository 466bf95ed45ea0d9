import CCurl
import ActivityCore

/// What libcurl hands to the write and header callbacks of one request.
final class DAVResponseSink: CurlBodySink {
    /// Header lines of the last response block (a 401 probe or a 100 Continue starts a new one).
    var headerLines: [String] = []
    /// Status lines seen: one per HTTP round trip within a perform.
    var statusLines = 0

    init() { super.init(limit: 0) }

    func reset(limit: Int) {
        body = []
        self.limit = limit
        overflowed = false
        headerLines = []
        statusLines = 0
    }
}

/// HTTP over one reused libcurl easy handle: WebDAV methods with XML bodies, auth, and the
/// mapping of transport failures onto `ActivityError`.
///
/// Keep-alive works with Xandikos (aiohttp: one connection for a whole sync). Radicale's
/// built-in server (wsgiref) answers HTTP/1.0 and closes after every answer, so there each
/// request opens a connection; nothing to do about it on this side.
final class DAVSession {
    struct Response {
        var status: Int
        var body: [UInt8]
        var headers: [String]
        /// libcurl's resolution of `Location` against the request URL.
        var redirectURL: String?

        func header(_ name: String) -> String? {
            let prefix = name.lowercased() + ":"
            for line in headers.reversed() where line.lowercased().hasPrefix(prefix) {
                return String(line.dropFirst(prefix.count)).trimmingWhitespace()
            }
            return nil
        }
    }

    /// Largest answer accepted; a calendar bigger than this is not a sales rep's calendar.
    static let responseLimit = 256 << 20

    let endpoint: CalDAVEndpoint
    /// `scheme://host:port` of the configured URL.
    let origin: String
    /// Canonical path of the configured URL.
    let startPath: String
    /// `host:port` for messages: never the username or password.
    let server: String

    private let curl: CurlEasy
    private let sink = DAVResponseSink()
    private let sinkRef: Unmanaged<DAVResponseSink>

    /// libcurl's CURLAUTH_* bits (macros with casts, which Swift does not import).
    private static let authBasic = 1 << 0
    private static let authDigest = 1 << 1
    private static let authBearer = 1 << 6
    private var authMode: Int

    /// Origins (`scheme://host:port`, lower-cased) credentials may go to: the configured URL's,
    /// and https origins the server itself named during discovery (iCloud hands a principal
    /// over to its pNN-caldav.icloud.com partition). Every request is checked against it, so
    /// the password never goes to a host nobody named, and never in clear to another host.
    private(set) var allowedOrigins: Set<String>

    private(set) var requests = 0
    private(set) var connections = 0
    private(set) var bytesReceived = 0

    /// Where requests go instead of libcurl (the replay tests); nil: the network.
    var transport: (any DAVTransport)? = nil
    /// The file every exchange is appended to (`ACTIVITY_DAV_RECORD`, see `DAVTranscript`).
    var recordTo: String? = DAVTranscript.recordingPath

    init(endpoint: CalDAVEndpoint) throws {
        self.endpoint = endpoint
        guard let (origin, path) = DAVPath.split(url: endpoint.url) else {
            // The URL is not shown: it may hold credentials (`https://user:secret@host/`).
            throw ActivityError(.config, "account \(endpoint.account): the url is not an http:// or https:// URL with a host; check the url of this account")
        }
        self.origin = origin
        allowedOrigins = [origin.lowercased()]
        startPath = path
        server = HostPort.of(url: origin)!
        curl = try CurlEasy()
        sinkRef = Unmanaged.passUnretained(sink)

        try curl.verifyTLS(alsoTrusting: endpoint.caFile, account: endpoint.account)
        let timeout = max(1, endpoint.timeout)
        try curl.set(CURLOPT_CONNECTTIMEOUT_MS, Int(timeout * 1000))
        // A stall, not a slow big answer, is what times out: under 1 byte/s for `timeout` s.
        try curl.set(CURLOPT_LOW_SPEED_LIMIT, 1)
        try curl.set(CURLOPT_LOW_SPEED_TIME, Int(timeout.rounded(.up)))
        try curl.set(CURLOPT_TCP_KEEPALIVE, 1)
        try curl.set(CURLOPT_ACCEPT_ENCODING, "")
        try curl.set(CURLOPT_USERAGENT, "activity-caldav/1")
        try curl.set(CURLOPT_FOLLOWLOCATION, 0)
        try curl.set(CURLOPT_PROTOCOLS_STR, "http,https")

        // Redirects are followed by the client itself (CalDAVClient), never by libcurl, and
        // CURLOPT_UNRESTRICTED_AUTH stays off: credentials go only where `allowedOrigins` says.
        if let bearer = endpoint.bearerToken {
            guard origin.lowercased().hasPrefix("https://") || HostPort.isLoopback(server) else {
                throw ActivityError(.config, "account \(endpoint.account): OAuth 2.0 over http:// would send the access token in clear to \(server); use an https:// url")
            }
            try curl.set(CURLOPT_XOAUTH2_BEARER, bearer)
            authMode = DAVSession.authBearer
            try curl.set(CURLOPT_HTTPAUTH, authMode)
        } else {
            try curl.set(CURLOPT_USERNAME, endpoint.username)
            try curl.set(CURLOPT_PASSWORD, endpoint.password)
            authMode = 0
        }
        // Over TLS or loopback, Basic goes out with the first request. Asking libcurl for
        // "Basic or Digest" makes it send the first request of the handle without credentials
        // to learn which one the server wants (measured against Radicale: 3 round trips for a
        // discovery instead of 2; later requests on the handle reuse the method it picked). A
        // server that answers 401 offering Digest gets Digest from then on (see `send`);
        // libcurl then reuses the nonce, one round trip per request after the first. Over
        // plain http to another host the password must not go out in clear before the server
        // has said it only takes Basic, so there libcurl negotiates.
        if endpoint.bearerToken == nil {
            let lowerOrigin = origin.lowercased()
            authMode = lowerOrigin.hasPrefix("https://") || HostPort.isLoopback(server)
                ? DAVSession.authBasic : DAVSession.authBasic | DAVSession.authDigest
            try curl.set(CURLOPT_HTTPAUTH, authMode)
        }

        try curl.writeBody(into: sink)
        try curl.set(CURLOPT_HEADERFUNCTION, callback: { ptr, size, count, userdata in
            let sink = Unmanaged<DAVResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
            let n = size * count
            guard let ptr, n > 0 else { return n }
            var line = ptr.withMemoryRebound(to: UInt8.self, capacity: n) { String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self) }
            // By scalars: "\r\n" is one Character, which `hasSuffix("\n")` does not match.
            while let end = line.unicodeScalars.last, end == "\n" || end == "\r" { line.unicodeScalars.removeLast() }
            if line.hasPrefix("HTTP/") {
                sink.statusLines += 1
                sink.headerLines = []
            }
            if !line.isEmpty { sink.headerLines.append(line) }
            return n
        })
        try curl.set(CURLOPT_HEADERDATA, pointer: sinkRef.toOpaque())
    }

    /// Lets credentials go to the origin of `url`, a host the server named (a calendar-home-set
    /// or a redirect on another host): only over https. Returns false (and allows nothing) for
    /// an http:// origin other than the configured one.
    func allowHandOff(to url: String) -> Bool {
        guard let to = DAVPath.split(url: url)?.origin.lowercased() else { return false }
        if allowedOrigins.contains(to) { return true }
        guard to.hasPrefix("https://") else { return false }
        allowedOrigins.insert(to)
        return true
    }

    /// Sends one request and returns whatever HTTP status came back; throws only for transport
    /// failures (no connection, TLS, timeout, oversized answer) and for a URL on an origin
    /// credentials may not go to. `depth` is always sent: WeCom answers 403
    /// (`propfind-finite-depth`) to a PROPFIND or REPORT without one.
    func send(_ method: String, url: String, depth: String, body: String) throws -> Response {
        guard let to = DAVPath.split(url: url)?.origin.lowercased(), allowedOrigins.contains(to) else {
            let host = DAVPath.split(url: url).map { String($0.origin[$0.origin.range(of: "://")!.upperBound...]) } ?? "?"
            throw ActivityError(.config, prefix + "the server points to \(host), which it did not hand this account over to over https; not sending the credentials there")
        }
        if let transport {
            let e = try transport.send(method, url: url, depth: depth, body: body)
            requests += 1
            return Response(status: e.status, body: e.body, headers: e.headers, redirectURL: e.redirectURL)
        }
        var response = try perform(method, url: url, depth: depth, body: body)
        if response.status == 401, authMode == DAVSession.authBasic,
           response.headers.contains(where: { $0.lowercased().hasPrefix("www-authenticate:") && $0.lowercased().contains("digest") }) {
            // The server wants Digest: switch for this and all later requests. libcurl then
            // answers the 401 challenge itself and reuses the nonce on later requests.
            authMode = DAVSession.authDigest
            try curl.set(CURLOPT_HTTPAUTH, authMode)
            response = try perform(method, url: url, depth: depth, body: body)
        }
        if let recordTo {
            DAVTranscript.append(DAVExchange(method: method, url: url, depth: depth, request: body, status: response.status,
                                             headers: response.headers, redirectURL: response.redirectURL, body: response.body),
                                 to: recordTo)
        }
        return response
    }

    private func perform(_ method: String, url: String, depth: String, body: String) throws -> Response {
        try curl.set(CURLOPT_URL, url)
        try curl.set(CURLOPT_CUSTOMREQUEST, method)
        // Xandikos answers 415 to a PROPFIND or REPORT body without this Content-Type.
        var headers = ["Content-Type: application/xml; charset=utf-8",
                       // Radicale (wsgiref, HTTP/1.0) never answers "100 Continue", so an
                       // Expect costs a second's wait (libcurl's expect timeout) per request.
                       // libcurl 7.88 adds it to bodies over 1 MiB (older ones: over 1 KiB).
                       "Expect:"]
        headers.append("Depth: \(depth)")
        try curl.set(CURLOPT_HTTPHEADER, headers: headers)
        var bytes = Array(body.utf8)
        try curl.set(CURLOPT_POSTFIELDSIZE, bytes.count)
        try bytes.withUnsafeMutableBytes { buf in
            try curl.set(CURLOPT_COPYPOSTFIELDS, pointer: buf.baseAddress)
        }
        sink.reset(limit: DAVSession.responseLimit)
        curl.clearError()
        let rc = curl_easy_perform(curl.handle)
        requests += max(1, sink.statusLines)
        connections += curl.infoLong(CURLINFO_NUM_CONNECTS)
        bytesReceived += sink.body.count
        if sink.overflowed {
            throw ActivityError(.dataError, prefix + "the answer to \(method) \(DAVPath.readable(pathOf(url))) is larger than \(DAVSession.responseLimit >> 20) MB; not reading it")
        }
        guard rc == CURLE_OK else {
            if rc == CURLE_OPERATION_TIMEDOUT && sink.statusLines == 0 {
                // Not a byte of an answer: the server is not there (or stuck in TCP or TLS).
                throw ActivityError(.unavailable, prefix + "no answer within \(Int(max(1, endpoint.timeout))) s (\(curl.errorText(rc))); is the server running and the URL right?")
            }
            throw curlFailure(rc, detail: curl.errorText(rc), server: server, account: endpoint.account)
        }
        return Response(status: curl.infoLong(CURLINFO_RESPONSE_CODE), body: sink.body,
                        headers: sink.headerLines, redirectURL: curl.infoString(CURLINFO_REDIRECT_URL))
    }

    /// `account A: host:port: `, the start of every message.
    var prefix: String { "account \(endpoint.account): \(server): " }

    /// Absolute URL for a canonical path on this server.
    func url(for path: String) -> String { origin + path }

    func pathOf(_ url: String) -> String { DAVPath.split(url: url)?.path ?? url }

    /// The error for an HTTP status that the caller has no better meaning for.
    func failure(_ response: Response, _ method: String, url: String) -> ActivityError {
        let what = "\(method) \(DAVPath.readable(pathOf(url)))"
        let status = response.status
        switch status {
        case 401 where endpoint.bearerToken != nil:
            return ActivityError(.noPermission, prefix + "the server refused the OAuth 2.0 access token (HTTP 401 to \(what)); check the account's oauth2_* settings and that the grant covers calendars (scope)")
        case 401:
            return ActivityError.refusedLogin(prefix + "the server refused the login (HTTP 401 to \(what)); check the username and password of this account")
        case 403:
            return ActivityError(.noPermission, prefix + "access denied (HTTP 403 to \(what)); check the username and password of this account and that it may read this calendar")
        case 404, 410:
            return ActivityError(.config, prefix + "\(DAVPath.readable(pathOf(url))) does not exist (HTTP \(status)); the url of this account is wrong")
        case 408, 429, 500...599:
            let retry = response.header("Retry-After").map { " (Retry-After: \($0))" } ?? ""
            return ActivityError(.tempFail, prefix + "the server answered HTTP \(status) to \(what)\(retry); retry later")
        case 300...399:
            let to = response.redirectURL.map { " to \($0)" } ?? ""
            return ActivityError(.config, prefix + "\(what) is redirected\(to) (HTTP \(status)); put the final URL in the account's url")
        default:
            return ActivityError(.config, prefix + "the server answered HTTP \(status) to \(what); is the url of this account a CalDAV URL?")
        }
    }

    /// A 207 whose body is not a multistatus document: cut off or garbled on the way.
    func unreadable(_ method: String, url: String) -> ActivityError {
        ActivityError(.tempFail, prefix + "the answer to \(method) \(DAVPath.readable(pathOf(url))) is not a readable multistatus document (truncated?); retry later")
    }
}
