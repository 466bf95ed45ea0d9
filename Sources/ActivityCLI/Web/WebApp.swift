import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivitySync

/// The web view (INTERFACE.md "The web view"): routing, who is logged in, and who may see what.
/// Every page, API, download and explain goes through `visibleRep`/`User.maySee`.
final class WebApp: @unchecked Sendable {
    let config: Config
    let pool: StorePool
    let throttle: LoginThrottle
    let logger: Logger
    let derivation: Derivation
    let cache: LedgerCache
    /// The clock; tests move it.
    let clock: @Sendable () -> Date

    static let sessionCookie = "activity_session"
    static let loginCSRFCookie = "activity_login_csrf"
    static let maxBody = 16 * 1024

    init(config: Config, logger: Logger, throttle: LoginThrottle = LoginThrottle(), clock: @escaping @Sendable () -> Date = { Date() }) throws {
        self.config = config
        self.pool = try StorePool(location: config.store)
        self.cache = try LedgerCache(location: config.store)
        self.throttle = throttle
        self.logger = logger
        self.derivation = Derivation(config: config, suffixes: try Derivation.loadSuffixes())
        self.clock = clock
    }

    struct Session {
        var user: Config.User
        /// nil for HTTP Basic (no forms).
        var csrf: String?
    }

    /// The answer to one request; never throws (errors become 4xx/5xx pages).
    func handle(_ request: WebRequest) -> WebResponse {
        var response: WebResponse
        do {
            response = try route(request)
        } catch let e as WebError {
            response = errorResponse(e.status, e.message, request: request)
        } catch let e as ActivityError {
            logger.error("web \(request.method) \(WebApp.logSafe(request.path)): \(e.message)")
            response = errorResponse(e.code == .noInput ? 404 : 500, e.code == .noInput ? e.message : "internal error", request: request)
        } catch {
            logger.error("web \(request.method) \(WebApp.logSafe(request.path)): \(error)")
            response = errorResponse(500, "internal error", request: request)
        }
        response.headers += WebApp.securityHeaders
        return response
    }

    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
    ]

    struct WebError: Error {
        var status: Int
        var message: String
        init(_ status: Int, _ message: String) { self.status = status; self.message = message }
    }

    func errorResponse(_ status: Int, _ message: String, request: WebRequest) -> WebResponse {
        if request.path.hasPrefix("/api/") || request.path == "/healthz" {
            var r = WebResponse.json(status, .object([("error", .string(message)), ("status", .int(status))]))
            if status == 401 { r.headers.append(("WWW-Authenticate", "Basic realm=\"activity\", charset=\"UTF-8\"")) }
            return r
        }
        return .html(status, WebPages.errorPage(status: status, message: message))
    }

    // MARK: Routing

    /// Path segments, percent-decoded; nil for a path no page has (`WebInput.segments`).
    static func segments(_ path: String) -> [String]? { WebInput.segments(path) }

    func route(_ request: WebRequest) throws -> WebResponse {
        guard let parts = WebApp.segments(request.path) else { throw WebError(400, "bad path") }
        // HEAD is GET without the body (the server drops it).
        let method = request.method == "HEAD" ? "GET" : request.method
        if method == "POST" && request.body.count > WebApp.maxBody { throw WebError(413, "request body too large") }
        switch (method, parts.first) {
        case ("GET", "healthz") where parts.count == 1: return try healthz()
        case ("GET", "login") where parts.count == 1: return loginForm(request, error: nil)
        case ("POST", "login") where parts.count == 1: return try login(request)
        case ("GET", "favicon.ico"): return WebResponse(status: 404)
        default: break
        }
        // Everything else needs a login.
        guard let session = try authenticate(request) else {
            if request.path.hasPrefix("/api/") || method != "GET" { throw WebError(401, "login required") }
            let next = request.query.isEmpty ? request.path : request.path + "?" + request.query
            return .redirect("/login?next=" + WebPages.queryEscape(next))
        }
        switch (method, parts.first, parts.count) {
        case ("POST", "logout", 1): return try logout(request, session: session)
        case ("GET", nil, 0): return try home(request, session: session)
        case ("GET", "week", 2): return try teamWeekPage(session, week: try week(parts[1]))
        case ("GET", "rep", 2): return try repWeekPage(session, rep: try visibleRep(parts[1], session), week: currentWeek)
        case ("GET", "rep", 3): return try repWeekPage(session, rep: try visibleRep(parts[1], session), week: try week(parts[2]))
        case ("GET", "explain", 2): return try explainPage(session, id: parts[1])
        case ("GET", "api", 2):
            switch parts[1] {
            case "week": return try apiWeek(request, session: session)
            case "export": return try apiExport(request, session: session)
            case "pipeline": return try apiPipeline(request, session: session)
            // `csrf`: the session's token, for programs that POST with the session cookie (same-origin only).
            case "me": return .json(200, .object([("login", .string(session.user.login)), ("role", .string(session.user.role.rawValue)),
                                                   ("reps", .array(session.user.visibleReps(in: config).map { .string($0.id) })),
                                                   ("csrf", .optional(session.csrf))]))
            default: throw WebError(404, "no such API")
            }
        case ("GET", "api", 3) where parts[1] == "explain": return try apiExplain(session, id: parts[2])
        case ("POST", "api", 2) where parts[1] == "adjust": return try apiAdjust(request, session: session)
        default:
            if method != "GET" && method != "POST" && method != "HEAD" { throw WebError(405, "method not allowed") }
            throw WebError(404, "no such page")
        }
    }

    var currentWeek: ISOWeek { ISOWeek(containing: clock(), in: config.timeZone) }

    func week(_ text: String) throws -> ISOWeek {
        guard let w = ISOWeek(text) else { throw WebError(400, "\(text) is not an ISO week such as 2026-W47") }
        return w
    }

    /// The one check of every path: the rep exists (404) and the user may see them (403).
    func visibleRep(_ id: String, _ session: Session) throws -> Config.Rep {
        guard let rep = config.rep(id) else { throw WebError(404, "no such rep") }
        guard session.user.maySee(rep) else {
            logger.notice("web refused: \(session.user.login) may not see rep \(WebApp.logSafe(id))")
            throw WebError(403, "无权查看该销售 you may not see this rep")
        }
        return rep
    }

    // MARK: Authentication

    /// A value from the request as it may appear in the log (`WebInput.logSafe`).
    static func logSafe(_ s: String) -> String { WebInput.logSafe(s) }

    func user(_ login: String) -> Config.User? { config.users.first { $0.login == login } }

    func passwordHash(of user: Config.User) -> String? {
        if let h = user.passwordHash { return h }
        guard let file = user.passwordFile, let data = FileManager.default.contents(atPath: file) else { return nil }
        let h = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return h.hasPrefix("$") ? h : nil
    }

    /// Checks a login and password, throttled; logs the outcome (never the password).
    func checkPassword(login: String, password: String, address: String, via: String) throws -> Config.User {
        if let wait = throttle.blocked(login: login, address: address, now: clock()) {
            logger.warning("web login throttled: login=\(WebApp.logSafe(login)) from=\(WebApp.logSafe(address)) via=\(via) retry_after=\(wait)s")
            throw WebError(429, "too many failed logins; try again in \(wait) seconds")
        }
        let user = self.user(login)
        let hash = user.flatMap(passwordHash) ?? WebSecrets.decoyHash
        let ok = WebSecrets.verify(password, hash: hash) && user != nil && user.flatMap(passwordHash) != nil
        guard ok, let user else {
            throttle.failed(login: login, address: address, now: clock())
            logger.warning("web login failed: login=\(WebApp.logSafe(login)) from=\(WebApp.logSafe(address)) via=\(via) reason=\(user == nil ? "unknown login" : "wrong password")")
            throw WebError(401, "wrong login or password")
        }
        throttle.succeeded(login: login)
        return user
    }

    func authenticate(_ request: WebRequest) throws -> Session? {
        if let auth = request.header("authorization") {
            guard let (login, password) = WebInput.basicCredentials(auth) else {
                throw WebError(401, "malformed Authorization header")
            }
            let user = try checkPassword(login: login, password: password, address: request.remote, via: "basic")
            return Session(user: user, csrf: nil)
        }
        guard let token = request.cookies[WebApp.sessionCookie], token.count == 64 else { return nil }
        let stored = try pool.with { try $0.webSession(tokenHash: WebSecrets.sha256(token), now: clock()) }
        guard let stored, let user = user(stored.login) else { return nil }
        return Session(user: user, csrf: stored.csrf)
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> (String, String) {
        ("Set-Cookie", "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (config.web.secure ? "; Secure" : ""))
    }

    /// A local path to go to after login; anything else is "/" (`WebInput.safeNext`).
    static func safeNext(_ next: String?) -> String { WebInput.safeNext(next) }

    func loginForm(_ request: WebRequest, error: String?, status: Int = 200, login: String = "") -> WebResponse {
        // The login form's CSRF token: a random value in a cookie and the form alike (double submit).
        let token = WebSecrets.randomToken()
        var r = WebResponse.html(status, WebPages.loginPage(csrf: token, next: WebApp.safeNext(request.queryItems["next"] ?? request.formItems["next"]),
                                                          error: error, login: login))
        r.headers.append(cookie(WebApp.loginCSRFCookie, token, maxAge: 3600))
        return r
    }

    func login(_ request: WebRequest) throws -> WebResponse {
        let form = request.formItems
        guard let sent = form["csrf"], let expected = request.cookies[WebApp.loginCSRFCookie],
              WebSecrets.constantTimeEqual(sent, expected) else {
            logger.warning("web login refused: missing or wrong CSRF token from=\(WebApp.logSafe(request.remote))")
            throw WebError(403, "the form's CSRF token is missing or wrong; reload the login page")
        }
        let login = form["login"] ?? ""
        let user: Config.User
        do {
            user = try checkPassword(login: login, password: form["password"] ?? "", address: request.remote, via: "form")
        } catch let e as WebError {
            return loginForm(request, error: e.message, status: e.status, login: login)
        }
        let token = WebSecrets.randomToken()
        let hours = config.web.sessionHours
        let session = WebSession(login: user.login, csrf: WebSecrets.randomToken(), expires: clock().addingTimeInterval(TimeInterval(hours) * 3600))
        try pool.with { store in
            try store.purgeWebSessions(now: clock())
            try store.createWebSession(tokenHash: WebSecrets.sha256(token), session, now: clock())
        }
        logger.info("web login: login=\(user.login) role=\(user.role.rawValue) from=\(WebApp.logSafe(request.remote))")
        return .redirect(WebApp.safeNext(form["next"]), headers: [cookie(WebApp.sessionCookie, token, maxAge: hours * 3600),
                                                                  cookie(WebApp.loginCSRFCookie, "", maxAge: 0)])
    }

    func logout(_ request: WebRequest, session: Session) throws -> WebResponse {
        try requireCSRF(request, session: session)
        if let token = request.cookies[WebApp.sessionCookie] {
            try pool.with { try $0.deleteWebSession(tokenHash: WebSecrets.sha256(token)) }
        }
        logger.info("web logout: login=\(session.user.login) from=\(WebApp.logSafe(request.remote))")
        return .redirect("/login", headers: [cookie(WebApp.sessionCookie, "", maxAge: 0)])
    }

    func requireCSRF(_ request: WebRequest, session: Session) throws {
        try requireCSRF(token: request.formItems["csrf"], request: request, session: session)
    }

    func requireCSRF(token: String?, request: WebRequest, session: Session) throws {
        guard let expected = session.csrf else { return }  // HTTP Basic: no cookie, no forms
        guard let sent = token, WebSecrets.constantTimeEqual(sent, expected) else {
            logger.warning("web refused: \(request.method) \(WebApp.logSafe(request.path)) without its CSRF token, login=\(session.user.login)")
            throw WebError(403, "the form's CSRF token is missing or wrong")
        }
    }

    // MARK: Health

    func healthz() throws -> WebResponse {
        let statuses = try pool.with { try $0.accountStatuses() }
        let now = clock()
        var oldest: TimeInterval = 0
        var overdue: [String] = []
        for account in config.accounts {
            let s = statuses.first { $0.account == account.id }
            let lag = s?.lastSuccess.map { now.timeIntervalSince($0) } ?? .infinity
            oldest = max(oldest, lag)
            // Overdue: no success within three poll intervals (and at least an hour).
            if lag > max(3 * account.pollInterval, 3600) { overdue.append(account.id) }
        }
        let json = JSON.object([
            ("status", .string(overdue.isEmpty ? "ok" : "overdue")),
            ("oldest_lag_seconds", oldest.isFinite ? .int(Int(oldest)) : .null),
            ("overdue", .array(overdue.map(JSON.string))),
        ])
        return .json(overdue.isEmpty ? 200 : 503, json)
    }
}
