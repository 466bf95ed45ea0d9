import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The fixture team synced from a real Dovecot, with web users, and `activity serve` on loopback.
final class WebFixture {
    static let passwords = ["wang": "east-manager-pw", "alice": "alice-pw-1", "root": "admin-pw-1", "north": "north-manager-pw"]

    let dovecot: Dovecot
    let team: FixtureTeam
    let server: WebServerProcess
    var base: String { server.base }

    /// `before`: called with Dovecot before the sync (e.g. to deliver more mail).
    init(extraWeb: String = "", before: (Dovecot) throws -> Void = { _ in }) throws {
        dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        var users = ""
        for (login, role, extra) in [("wang", "manager", "teams = [\"east\"]"), ("alice", "rep", "rep = \"alice\""),
                                     ("root", "admin", ""), ("north", "manager", "teams = [\"north\"]")] {
            users += "\n[[user]]\nlogin = \"\(login)\"\nname = \"\(login)\"\nrole = \"\(role)\"\n\(extra)\npassword_hash = \"\(try WebFixture.hash(WebFixture.passwords[login]!))\"\n"
        }
        team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", extra: users + "\n[web]\n" + extraWeb)
        try before(dovecot)
        let sync = try team.activity(["sync", "--once"])
        guard sync.status == 0 else { throw HarnessError(description: "sync failed: \(sync.stderr)") }
        server = try WebServerProcess(config: team.config)
    }

    /// `activity user hash` with the password on stdin.
    static func hash(_ password: String) throws -> String {
        let dir = TempDir("activity-pw")
        dir.write("pw", password + "\n", mode: 0o600)
        let r = try run("/bin/sh", ["-c", "exec \"$0\" user hash < \"$1\"", Repo.binary, dir.file("pw")])
        guard r.status == 0 else { throw HarnessError(description: "user hash failed: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// `activity serve` in the background on a free loopback port.
final class WebServerProcess {
    let process = Process()
    let port: Int
    let log: String
    private let logDir = TempDir("activity-serve-log")
    var base: String { "http://127.0.0.1:\(port)" }
    var stderr: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    init(config: String, arguments: [String] = []) throws {
        port = freePort()
        log = logDir.file("serve.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: Repo.binary)
        process.arguments = ["--config", config, "serve", "--listen", "127.0.0.1:\(port)"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["ACTIVITY_LOG"] = "info"
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: logDir.file("stdout"))
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        let up = eventually(timeout: 30) { (try? HTTP.request("\(base)/healthz").status) != nil }
        guard up != nil else { throw HarnessError(description: "activity serve did not start: \(stderr)") }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let start = Date()
            while process.isRunning && Date().timeIntervalSince(start) < 5 { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }
}

/// HTTP over loopback with the curl tool: no redirects followed, an optional cookie jar.
enum HTTP {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var setCookies: [String] { headers.filter { $0.0.lowercased() == "set-cookie" }.map(\.1) }
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        /// The first form's CSRF token on the page.
        var csrf: String? {
            guard let r = text.range(of: #"name="csrf" value="[0-9a-f]{64}""#, options: .regularExpression) else { return nil }
            return String(text[r].dropLast().suffix(64))
        }
    }

    static func request(_ url: String, method: String = "GET", headers: [String: String] = [:], form: [String: String]? = nil,
                        body: Data? = nil, jar: String? = nil, user: String? = nil) throws -> Response {
        let dir = TempDir("activity-http")
        var args = ["-sS", "-g", "--path-as-is", "--max-time", "60", "-o", dir.file("body"), "-D", dir.file("headers"),
                    "-w", "%{http_code}", "-X", method]
        for (k, v) in headers { args += ["-H", "\(k): \(v)"] }
        if let jar { args += ["-b", jar, "-c", jar] }
        if let user { args += ["-u", user] }
        if let form {
            let encoded = form.map { "\(escape($0.key))=\(escape($0.value))" }.joined(separator: "&")
            dir.write("data", encoded)
            args += ["-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary", "@" + dir.file("data")]
        } else if let body {
            FileManager.default.createFile(atPath: dir.file("data"), contents: body)
            args += ["--data-binary", "@" + dir.file("data")]
        }
        args.append(url)
        let r = try run("/usr/bin/curl", args)
        guard r.status == 0, let status = Int(r.stdout.trimmingCharacters(in: .whitespaces)), status > 0 else {
            throw HarnessError(description: "curl \(url) failed (\(r.status)): \(r.stderr)")
        }
        let rawHeaders = (try? String(contentsOfFile: dir.file("headers"), encoding: .utf8)) ?? ""
        var headers: [(String, String)] = []
        for line in rawHeaders.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let data = FileManager.default.contents(atPath: dir.file("body")) ?? Data()
        return Response(status: status, headers: headers, body: data)
    }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Logs in through the form (GET /login for the CSRF token and cookie, then POST); the jar then holds the session.
    @discardableResult
    static func login(_ base: String, _ login: String, _ password: String, jar: String, headers: [String: String] = [:]) throws -> Response {
        let page = try request("\(base)/login", headers: headers, jar: jar)
        return try request("\(base)/login", method: "POST", headers: headers,
                           form: ["login": login, "password": password, "csrf": page.csrf ?? ""], jar: jar)
    }

    /// Sends raw bytes and returns what the server answers before it closes (or 5 s pass).
    static func raw(port: Int, _ bytes: [UInt8]) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { return "" }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
            if out.count > 1_000_000 { break }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
