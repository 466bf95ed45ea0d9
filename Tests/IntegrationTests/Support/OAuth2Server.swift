import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// scripts/oauth2-endpoint: a token endpoint and an introspection endpoint on loopback, for one
/// user and one client.
final class OAuth2Server {
    let dir = TempDir("activity-oauth2")
    let process = Process()
    let port: Int
    static let clientID = "activity-test"
    static let clientSecret = "client-s3cret-never-logged"

    init(user: String, refreshToken: String, rotate: Bool = false) throws {
        dir.write("refresh_token", refreshToken + "\n")
        process.executableURL = URL(fileURLWithPath: Repo.path("scripts/oauth2-endpoint"))
        process.arguments = [dir.path, "--user", user, "--client-id", OAuth2Server.clientID,
                             "--client-secret", OAuth2Server.clientSecret] + (rotate ? ["--rotate"] : [])
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let start = Date()
        var found: Int? = nil
        while found == nil && Date().timeIntervalSince(start) < 10 {
            found = (try? String(contentsOfFile: dir.file("port"), encoding: .utf8)).flatMap { Int($0) }
            if found == nil { usleep(50_000) }
        }
        guard let found else { throw HarnessError(description: "scripts/oauth2-endpoint did not start") }
        port = found
    }

    var tokenURL: String { "http://127.0.0.1:\(port)/token" }
    var introspectionURL: String { "http://127.0.0.1:\(port)/introspect" }

    /// The results of the /token requests so far ("refresh_token ok", "refresh_token invalid_grant").
    var tokenRequests: [String] {
        ((try? String(contentsOfFile: dir.file("token-requests"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Every access token issued so far stops working.
    func revokeAll() throws {
        let r = try run("/usr/bin/curl", ["-sS", "-X", "POST", "http://127.0.0.1:\(port)/revoke-all"])
        guard r.status == 0 else { throw HarnessError(description: "revoke-all failed: \(r.stderr)") }
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}

extension Dovecot {
    /// A Dovecot that also takes XOAUTH2/OAUTHBEARER, checking tokens against `introspection`.
    convenience init(users: [String: String], maildirFrom: String?, oauth2Introspection introspection: String) throws {
        try self.init(users: users, maildirFrom: maildirFrom, extraArguments: ["--oauth2-introspection", introspection])
    }
}
