import Foundation

/// A real CalDAV server on loopback, started by one of the scripts/*-instance scripts.
protocol CalendarServer: AnyObject {
    var port: Int { get }
    /// `http://127.0.0.1:P` (or https://localhost:P for a Radicale with TLS)
    var base: String { get }
    /// The principal URL of `user`.
    func principalURL(_ user: String) -> String
    /// The URL of `user`'s calendar `name`, ending with `/`.
    func calendarURL(_ user: String, _ name: String) -> String
    /// The password the server checks (Xandikos checks none).
    func password(_ user: String) -> String
    /// The private CA of a TLS server.
    var caFile: String? { get }
    /// Stops the server (also done when it goes away; stopping twice is harmless).
    func stop()
}

extension CalendarServer {

    /// PUTs an .ics body to `calendar`/`name` with the curl tool (as another client would),
    /// without METHOD lines: RFC 4791 4.1 forbids them in a stored calendar object and Cyrus
    /// refuses one that has them (Outlook's exports carry METHOD:PUBLISH).
    func put(_ user: String, calendar: String, name: String, ics: String) throws {
        let dir = TempDir("activity-put")
        dir.write("item.ics", ics.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .filter { !$0.hasPrefix("METHOD:") }.joined(separator: "\r\n"))
        let r = try run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-u", "\(user):\(password(user))",
                                          "--cacert", caFile ?? "/etc/ssl/certs/ca-certificates.crt", "-X", "PUT", "-H", "Content-Type: text/calendar; charset=utf-8",
                                          "--data-binary", "@" + dir.file("item.ics"), calendarURL(user, calendar) + name])
        guard r.status == 0, r.stdout == "201" || r.stdout == "204" else {
            throw HarnessError(description: "PUT \(name) answered \(r.stdout): \(r.stderr)")
        }
    }

    func delete(_ user: String, calendar: String, name: String) throws {
        let r = try run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-u", "\(user):\(password(user))",
                                          "--cacert", caFile ?? "/etc/ssl/certs/ca-certificates.crt", "-X", "DELETE", calendarURL(user, calendar) + name])
        guard r.status == 0, r.stdout == "200" || r.stdout == "204" else {
            throw HarnessError(description: "DELETE \(name) answered \(r.stdout): \(r.stderr)")
        }
    }
}

/// Runs a scripts/*-instance command. The scripts start their servers through
/// scripts/unblock-signals, so a server started from a test (whose threads block signals)
/// still stops at once on SIGTERM.
@discardableResult
func runUnblocked(_ script: String, _ arguments: [String]) throws -> Run {
    try run(script, arguments)
}

/// Radicale 3 with htpasswd auth: calendar /USER/NAME/, principal and home /USER/.
final class Radicale: CalendarServer {
    let dir = TempDir("activity-radicale")
    let port: Int
    let users: [String: String]
    let base: String
    /// With `tls`, the private CA (ca.pem) that signed the server's certificate.
    let ca: TempDir?
    var caFile: String? { ca?.file("ca.pem") }

    /// `collectionsFrom`: `USER/CALENDAR/*.ics`, loaded after start. `tls`: HTTPS with a
    /// certificate from a throw-away CA, served as https://localhost:P.
    init(users: [String: String], collectionsFrom: String? = nil, tls: Bool = false) throws {
        port = freePort()
        self.users = users
        var args = ["start", dir.path, "--port", String(port)]
        for (u, p) in users.sorted(by: { $0.key < $1.key }) { args += ["--user", "\(u):\(p)"] }
        if let collectionsFrom { args += ["--collections-from", collectionsFrom] }
        if tls {
            let ca = TempDir("activity-ca")
            let r = try run(Repo.path("scripts/make-test-ca"), [ca.path])
            guard r.status == 0 else { throw HarnessError(description: "make-test-ca failed: \(r.stderr)") }
            args += ["--cert", ca.file("server.pem"), "--key", ca.file("server.key")]
            self.ca = ca
            base = "https://localhost:\(port)"
        } else {
            ca = nil
            base = "http://127.0.0.1:\(port)"
        }
        let r = try runUnblocked(Repo.path("scripts/radicale-instance"), args)
        guard r.status == 0 else {
            throw HarnessError(description: "Radicale did not start (is it installed? run scripts/install-deps): \(r.stdout)\(r.stderr)")
        }
    }

    func principalURL(_ user: String) -> String { "\(base)/\(user)/" }
    func calendarURL(_ user: String, _ name: String) -> String { "\(base)/\(user)/\(name)/" }
    func password(_ user: String) -> String { users[user] ?? "" }

    private var stopped = false
    func stop() {
        guard !stopped else { return }
        stopped = true
        _ = try? runUnblocked(Repo.path("scripts/radicale-instance"), ["stop", dir.path])
    }
    deinit { stop() }
}

/// Xandikos without auth (see scripts/xandikos-instance): calendar /USER/calendars/NAME/,
/// principal /USER/ (the first user only), home /USER/calendars/.
final class Xandikos: CalendarServer {
    let dir = TempDir("activity-xandikos")
    let port: Int
    let users: [String: String]
    var base: String { "http://127.0.0.1:\(port)" }
    var caFile: String? { nil }

    init(users: [String: String], collectionsFrom: String? = nil) throws {
        port = freePort()
        self.users = users
        var args = ["start", dir.path, "--port", String(port)]
        for (u, p) in users.sorted(by: { $0.key < $1.key }) { args += ["--user", "\(u):\(p)"] }
        if let collectionsFrom { args += ["--collections-from", collectionsFrom] }
        let r = try runUnblocked(Repo.path("scripts/xandikos-instance"), args)
        guard r.status == 0 else {
            throw HarnessError(description: "Xandikos did not start (is it installed? run scripts/install-deps): \(r.stdout)\(r.stderr)")
        }
    }

    func principalURL(_ user: String) -> String { "\(base)/\(user)/" }
    func calendarURL(_ user: String, _ name: String) -> String { "\(base)/\(user)/calendars/\(name)/" }
    func password(_ user: String) -> String { users[user] ?? "" }

    private var stopped = false
    func stop() {
        guard !stopped else { return }
        stopped = true
        _ = try? runUnblocked(Repo.path("scripts/xandikos-instance"), ["stop", dir.path])
    }
    deinit { stop() }
}
