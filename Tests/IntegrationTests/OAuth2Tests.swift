import Foundation
import Testing

/// OAuth 2.0 for hosted mail: the refresh-token grant against a token endpoint on loopback,
/// then SASL XOAUTH2 against a Dovecot that checks the token by introspection.
@Suite("OAuth 2.0 against a token endpoint and Dovecot", .serialized)
struct OAuth2Tests {
    static let refreshToken = "rt-first-never-logged"

    /// The fixture team with alice logging in by OAuth 2.0 instead of a password.
    func team(_ dovecot: Dovecot, _ oauth: OAuth2Server, refreshToken: String = refreshToken, extra: (String) -> String = { $0 }) throws -> FixtureTeam {
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)") { text in
            extra(text.replacingOccurrences(of: "username = \"alice\"\npassword_file = \"secrets/alice\"", with: """
                username = "alice"
                oauth2_token_url = "\(oauth.tokenURL)"
                oauth2_client_id = "\(OAuth2Server.clientID)"
                oauth2_client_secret_file = "secrets/alice-client"
                oauth2_refresh_token_file = "secrets/alice-refresh"
                """))
        }
        team.dir.write("secrets/alice-client", OAuth2Server.clientSecret + "\n", mode: 0o600)
        team.dir.write("secrets/alice-refresh", refreshToken + "\n", mode: 0o600)
        return team
    }

    func start() throws -> (OAuth2Server, Dovecot) {
        let oauth = try OAuth2Server(user: "alice", refreshToken: Self.refreshToken)
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"),
                                  oauth2Introspection: oauth.introspectionURL)
        return (oauth, dovecot)
    }

    @Test("an OAuth 2.0 account refreshes its access token, logs in with XOAUTH2 and syncs, and no secret is printed")
    func refreshAndSync() throws {
        let (oauth, dovecot) = try start()
        let team = try team(dovecot, oauth)
        let r = try team.activity(["-v", "sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(newItems(r.stdout)["alice-mail"] == 43, "\(r.stdout)")
        #expect(oauth.tokenRequests == ["refresh_token ok"])
        for secret in [Self.refreshToken, OAuth2Server.clientSecret, "at-"] {
            #expect(!(r.stdout + r.stderr).contains(secret), "\(secret) leaked")
        }
        let check = try team.activity(["config", "check"])
        #expect(check.stdout.contains("logged in with OAuth 2.0"), "\(check.stdout)")
    }

    @Test("the daemon reuses its access token across polls and fetches a new one when the server refuses it")
    func daemonCachesAndRenews() throws {
        let (oauth, dovecot) = try start()
        let team = try team(dovecot, oauth, extra: FixtureTeam.polling(every: "1s"))
        let daemon = try DaemonProcess(config: team.config, arguments: ["--account", "alice-mail"])
        #expect(try eventually { try team.status()["alice-mail"]?["state"] as? String == "ok" } != nil, "\(daemon.stderr)")
        usleep(3_500_000)   // three more polls
        #expect(daemon.stderr.components(separatedBy: "account=alice-mail").count > 4, "\(daemon.stderr)")
        #expect(oauth.tokenRequests == ["refresh_token ok"], "one token for every poll")

        try oauth.revokeAll()
        try dovecot.deliver(user: "alice", folder: "Sent", file: Repo.path("Fixtures/new-items/new-quote.eml"))
        let seen = try eventually(timeout: 10) {
            try team.activityLines("2026-W47").contains { $0.hasSuffix("20261120093000.new-quote@hxsoft.cn") }
        }
        #expect(seen != nil, "\(daemon.stderr)")
        #expect(oauth.tokenRequests == ["refresh_token ok", "refresh_token ok"])
        #expect(daemon.stderr.contains("cached access token refused"))
        #expect(try team.status()["alice-mail"]?["state"] as? String == "ok")
        #expect(daemon.stop().status == 0)
        #expect(!daemon.stderr.contains(Self.refreshToken) && !daemon.stderr.contains(OAuth2Server.clientSecret))
    }

    @Test("a refused refresh token exits 77 and says what to do, without the token")
    func refusedRefreshToken() throws {
        let (oauth, dovecot) = try start()
        let team = try team(dovecot, oauth, refreshToken: "rt-stale-never-logged")
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 77, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("account alice-mail: token endpoint 127.0.0.1:\(oauth.port): the refresh token was refused (invalid_grant"),
                "\(r.stdout)")
        #expect(r.stdout.contains("oauth2_refresh_token_file"))
        #expect(!(r.stdout + r.stderr).contains("rt-stale-never-logged"))
        let status = try team.status()
        #expect((status["alice-mail"]?["last_error"] as? String)?.contains("invalid_grant") == true)
    }

    @Test("a rotated refresh token replaces the file, which stays private")
    func rotatedRefreshTokenIsSaved() throws {
        let oauth = try OAuth2Server(user: "alice", refreshToken: Self.refreshToken, rotate: true)
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"),
                                  oauth2Introspection: oauth.introspectionURL)
        let team = try team(dovecot, oauth)
        #expect(try team.activity(["sync", "--once", "--account", "alice-mail"]).status == 0)
        let saved = try String(contentsOfFile: team.dir.file("secrets/alice-refresh"), encoding: .utf8)
        let issued = try String(contentsOfFile: oauth.dir.file("refresh_token"), encoding: .utf8)
        #expect(saved == issued && saved.hasPrefix("rt-") && saved != Self.refreshToken + "\n")
        let mode = (try FileManager.default.attributesOfItem(atPath: team.dir.file("secrets/alice-refresh"))[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o600)
        // The saved token works for the next run.
        #expect(try team.activity(["sync", "--once", "--account", "alice-mail"]).status == 0)
        #expect(oauth.tokenRequests == ["refresh_token ok", "refresh_token ok"])
    }
}
