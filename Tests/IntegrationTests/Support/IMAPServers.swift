import Foundation

/// An IMAP server holding the fixture team's mail (Fixtures/mail), on loopback.
protocol IMAPServer: AnyObject {
    var imapPort: Int { get }
    /// The `folders` setting that names a fixture user's INBOX and sent folder on this server.
    func folders(_ user: String) -> [String]
    func stop()
}

extension IMAPServer {
    var imapURL: String { "imap://127.0.0.1:\(imapPort)" }

    /// APPENDs a message file to `user`'s `folder` with the curl tool, as another client would
    /// (`folder` as the server names it, e.g. `INBOX.Sent`).
    func append(user: String, folder: String, file: String) throws {
        let encoded = folder.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? folder
        let r = try run("/usr/bin/curl", ["-sS", "-u", "\(user):\(FixtureTeam.users[user] ?? "")", "-T", file,
                                          "\(imapURL)/\(encoded)"])
        guard r.status == 0 else { throw HarnessError(description: "APPEND to \(folder) as \(user) failed: \(r.stderr)") }
    }

    /// The server's CAPABILITY line after login (curl's verbose trace of a CAPABILITY command).
    func capabilities(user: String = "alice") throws -> [String] {
        let r = try run("/usr/bin/curl", ["-sS", "-v", "-u", "\(user):\(FixtureTeam.users[user] ?? "")", imapURL, "-X", "CAPABILITY"])
        let line = r.stderr.replacingOccurrences(of: "\r", with: "").split(separator: "\n").last { $0.hasPrefix("< * CAPABILITY ") } ?? ""
        return line.split(separator: " ").dropFirst(3).map(String.init)
    }

    /// The fixture team's config for this server, with each account's folders named.
    func fixtureTeam(extra: String = "") throws -> FixtureTeam {
        try FixtureTeam(imapURL: imapURL, extra: extra) { text in
            var text = text
            for user in FixtureTeam.users.keys {
                let list = folders(user).map { "\"\($0)\"" }.joined(separator: ", ")
                text = text.replacingOccurrences(of: "password_file = \"secrets/\(user)\"",
                                                 with: "password_file = \"secrets/\(user)\"\nfolders = [\(list)]")
            }
            return text
        }
    }
}

extension Dovecot: IMAPServer {
    /// Dovecot's namespace has no prefix and "/" as separator: Sent, 已发送.
    func folders(_ user: String) -> [String] { ["INBOX", user == "bob" ? "已发送" : "Sent"] }
}

/// The `INBOX.` namespace of Cyrus (altnamespace: no) and Courier.
private func prefixedFolders(_ user: String) -> [String] { ["INBOX", user == "bob" ? "INBOX.已发送" : "INBOX.Sent"] }

/// Cyrus IMAP 3.6 (Debian's, unpacked by scripts/install-deps), started by scripts/cyrus-instance,
/// with its CalDAV module when `http` is set.
final class Cyrus: IMAPServer, CalendarServer {
    let dir = TempDir("activity-cyrus")
    let imapPort: Int
    let port: Int
    let users: [String: String]
    var base: String { "http://127.0.0.1:\(port)" }
    var caFile: String? { nil }

    /// `suppress`: Cyrus's suppress_capabilities, e.g. "CONDSTORE".
    init(users: [String: String], maildirFrom: String? = nil, collectionsFrom: String? = nil, http: Bool = false,
         suppress: String? = nil) throws {
        imapPort = freePort()
        port = http || collectionsFrom != nil ? freePort() : 0
        self.users = users
        var args = ["start", dir.path, "--imap-port", String(imapPort)]
        if port != 0 { args += ["--http-port", String(port)] }
        for (u, p) in users.sorted(by: { $0.key < $1.key }) { args += ["--user", "\(u):\(p)"] }
        if let maildirFrom { args += ["--maildir-from", maildirFrom] }
        if let collectionsFrom { args += ["--collections-from", collectionsFrom] }
        if let suppress { args += ["--suppress-capabilities", suppress] }
        let r = try run(Repo.path("scripts/cyrus-instance"), args)
        guard r.status == 0 else {
            throw HarnessError(description: "Cyrus did not start (is it unpacked? run scripts/install-deps): \(r.stdout)\(r.stderr)")
        }
    }

    func folders(_ user: String) -> [String] { prefixedFolders(user) }
    func principalURL(_ user: String) -> String { "\(base)/dav/principals/user/\(user)/" }
    func calendarURL(_ user: String, _ name: String) -> String { "\(base)/dav/calendars/user/\(user)/\(name)/" }
    func password(_ user: String) -> String { users[user] ?? "" }

    private var stopped = false
    func stop() {
        guard !stopped else { return }
        stopped = true
        _ = try? run(Repo.path("scripts/cyrus-instance"), ["stop", dir.path])
    }
    deinit { stop() }
}

/// Courier IMAP 5 (Debian's, unpacked by scripts/install-deps), started by scripts/courier-instance.
final class Courier: IMAPServer {
    let dir = TempDir("activity-courier")
    let imapPort: Int

    init(users: [String: String], maildirFrom: String? = nil) throws {
        imapPort = freePort()
        var args = ["start", dir.path, "--imap-port", String(imapPort)]
        for (u, p) in users.sorted(by: { $0.key < $1.key }) { args += ["--user", "\(u):\(p)"] }
        if let maildirFrom { args += ["--maildir-from", maildirFrom] }
        let r = try run(Repo.path("scripts/courier-instance"), args)
        guard r.status == 0 else {
            throw HarnessError(description: "Courier did not start (is it unpacked? run scripts/install-deps): \(r.stdout)\(r.stderr)")
        }
    }

    func folders(_ user: String) -> [String] { prefixedFolders(user) }

    private var stopped = false
    func stop() {
        guard !stopped else { return }
        stopped = true
        _ = try? run(Repo.path("scripts/courier-instance"), ["stop", dir.path])
    }
    deinit { stop() }
}

/// scripts/lib/dav-quirk-proxy in front of a CalDAV server: with `refuseEmptySyncToken`, a
/// sync-collection without a token is refused as Cyrus 3.6 before cyrusimap/cyrus-imapd#4992
/// refuses it (403 valid-sync-token, "Invalid sync-token"). Stopped when dropped.
final class DAVQuirkProxy {
    let port: Int
    let dir = TempDir("activity-davproxy")
    private let process = Process()
    var base: String { "http://127.0.0.1:\(port)" }

    init(to targetPort: Int, refuseEmptySyncToken: Bool = true) throws {
        port = freePort()
        process.executableURL = URL(fileURLWithPath: Repo.path("scripts/lib/dav-quirk-proxy"))
        process.arguments = ["--listen", String(port), "--target", "127.0.0.1:\(targetPort)", "--log", dir.file("log")]
            + (refuseEmptySyncToken ? ["--refuse-empty-sync-token"] : [])
        process.standardInput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: dir.file("out"), contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: dir.file("out"))
        process.standardError = FileHandle(forWritingAtPath: dir.file("out"))
        try process.run()
        for _ in 0..<200 {
            if !process.isRunning { throw HarnessError(description: "dav-quirk-proxy exited: \(output)") }
            if output.hasPrefix("dav-quirk-proxy:") { return }
            usleep(25_000)
        }
        throw HarnessError(description: "dav-quirk-proxy did not start listening: \(output)")
    }

    /// One line per request: `METHOD PATH -> STATUS` (`-> 403 refused` for a refusal).
    var log: [String] {
        ((try? String(contentsOfFile: dir.file("log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    private var output: String { (try? String(contentsOfFile: dir.file("out"), encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
