import Foundation
import Testing
@testable import ActivityConfig
@testable import ActivityCore

@Suite("Configuration")
struct ConfigTests {
    func parse(_ text: String) throws -> Config { try Config.parse(text: text, path: "/etc/activity/activity.toml") }

    func error(_ text: String) -> ActivityError? {
        do { _ = try parse(text); return nil } catch let e as ActivityError { return e } catch { return nil }
    }

    @Test("the example configuration shipped in Config/ is valid")
    func example() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config/activity.example.toml")
        let c = try Config.load(path: url.standardizedFileURL.path)
        #expect(c.timeZone.identifier == "Asia/Shanghai")
        #expect(c.defaultTargets[.lead] == 11)
        #expect(c.defaultTargets[.closing] == 0.5)
        #expect(!c.reps.isEmpty)
        #expect(c.accounts.contains { $0.oauth2 != nil } && c.accounts.contains { $0.kind == .caldav })
    }

    @Test("the example configuration and activity.toml(5) show every account key")
    func everyAccountKeyIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = try String(contentsOf: root.appendingPathComponent("Config/activity.example.toml"), encoding: .utf8)
        let man = try String(contentsOf: root.appendingPathComponent("man/activity.toml.5"), encoding: .utf8)
        for key in Config.accountKeys.sorted() {
            #expect(example.contains("\(key) = "), "\(key) is not in the example")
        }
        for key in Config.accountKeys.sorted() {
            #expect(man.contains(key.replacingOccurrences(of: "_", with: "\\_")) || man.contains(key), "\(key) is not in activity.toml(5)")
        }
    }

    @Test("a syntax error names the file and line, with exit code 78")
    func syntax() {
        let e = error("[ledger]\ntimezone = \"Asia/Shanghai\"\nstore = \n")
        #expect(e?.code == .config)
        #expect(e?.message.hasPrefix("/etc/activity/activity.toml:3:") == true)
    }

    @Test("a bad value names the file, line and key")
    func badValue() {
        let e = error("[ledger]\nstore = \"sqlite:a.db\"\ntimezone = \"Mars/Olympus\"\n")
        #expect(e?.message.hasPrefix("/etc/activity/activity.toml:3: [ledger] key timezone:") == true)
    }

    @Test("an unknown key is refused with a suggestion")
    func typo() {
        let e = error("[ledger]\nlead_lookback_day = 30\n")
        #expect(e?.message.contains("key lead_lookback_day: unknown key; did you mean lead_lookback_days?") == true)
        #expect(e?.message.contains(":2:") == true)
    }

    @Test("an account table names its own id and line in errors")
    func accountErrors() {
        let base = """
            [[rep]]
            id = "alice"
            emails = ["alice@example.com"]

            [[account]]
            id = "alice-mail"
            rep = "alice"
            kind = "imap"
            url = "imap://imap.example.com"
            password_env = "X"
            """
        let e = error(base)
        #expect(e?.message == "/etc/activity/activity.toml:9: [[account]] alice-mail key url: imap:// sends the password in clear to imap.example.com; use imaps:// or set allow_plaintext = true")
        #expect(error(base.replacingOccurrences(of: "rep = \"alice\"", with: "rep = \"bob\""))?.message.contains(":7: [[account]] alice-mail key rep: no [[rep]] has id \"bob\"") == true)
        #expect(error(base.replacingOccurrences(of: "imap://imap.example.com", with: "imap://127.0.0.1:1143")) == nil)
    }

    @Test("ledger.store takes a PostgreSQL URL and [daemon] lease_timeout a duration; a bad one names the key, never a password")
    func postgresStoreAndLeaseTimeout() throws {
        let c = try parse("""
            [ledger]
            store = "postgres://activity@db.example.com:5433/activity?sslmode=verify-full"
            [daemon]
            lease_timeout = "90s"
            """)
        #expect(c.store == .postgres(url: "postgres://activity@db.example.com:5433/activity?sslmode=verify-full"))
        #expect(c.leaseTimeout == 90)
        #expect(try parse("").leaseTimeout == 60)
        let bad = error("[ledger]\nstore = \"mysql://root:hunter2@db/activity\"\n")
        #expect(bad?.message.contains(":2: [ledger] key store") == true && bad?.message.contains("hunter2") == false, "\(bad?.message ?? "")")
        #expect(error("[daemon]\nlease_timeout = \"1s\"\n")?.message.contains("key lease_timeout") == true)
        #expect(StoreLocation.redacted("postgres://activity:s3cret@db/activity?password=x&sslmode=require")
                == "postgres://activity@db/activity?sslmode=require")
    }

    @Test("durations, the store path and targets are read as written")
    func values() throws {
        let c = try parse("""
            [ledger]
            store = "sqlite:data/activity.db"
            [targets.default]
            lead = 11
            closing = 0.5
            [[team]]
            id = "east"
            targets = { visit = 8 }
            [[rep]]
            id = "alice"
            emails = ["Alice@Example.com"]
            team = "east"
            start_date = 2026-03-01
            [[account]]
            id = "a"
            rep = "alice"
            kind = "imap"
            url = "imaps://imap.example.com"
            password_file = "secrets/alice"
            poll_interval = "1h30m"
            """)
        #expect(c.store == .sqlite(path: "/etc/activity/data/activity.db"))
        #expect(c.teams[0].targets[.visit] == 8)
        #expect(c.reps[0].emails == ["alice@example.com"])
        #expect(c.reps[0].startDate == DateComponents(year: 2026, month: 3, day: 1))
        #expect(c.accounts[0].pollInterval == 5400)
        #expect(c.accounts[0].secret == .file("/etc/activity/secrets/alice"))
        #expect(c.accounts[0].folders == ["INBOX", "\\Sent"])
    }

    @Test("Config/rules.toml spells out exactly the built-in rules")
    func rulesFileMatchesBuiltIn() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config/rules.toml")
        let empty = Rules(keywords: [:], onlineMarkers: [], ignore: [])
        let fromFile = try RulesFile.load(path: url.standardizedFileURL.path, onto: empty)
        #expect(fromFile == Rules.builtIn)
    }
}

@Suite("OAuth 2.0 keys")
struct OAuth2ConfigTests {
    static let base = """
        [[rep]]
        id = "alice"
        emails = ["alice@example.com"]

        [[account]]
        id = "alice-mail"
        rep = "alice"
        kind = "KIND"
        url = "URL"

        """

    func parse(_ keys: String, kind: String = "imap", url: String = "imaps://imap.example.com") throws -> Config {
        try Config.parse(text: Self.base.replacingOccurrences(of: "KIND", with: kind).replacingOccurrences(of: "URL", with: url) + keys,
                         path: "/etc/activity/activity.toml")
    }

    @Test("oauth2 keys give the account OAuth 2.0 settings, files relative to the config")
    func parsesOAuth2() throws {
        let c = try parse("""
            oauth2_token_url = "https://oauth2.example.com/token"
            oauth2_client_id = "activity"
            oauth2_client_secret_file = "secrets/client"
            oauth2_refresh_token_file = "/var/lib/activity/alice.refresh"
            oauth2_scope = "https://mail.example.com/"
            """)
        let o = try #require(c.accounts.first?.oauth2)
        #expect(o.tokenURL == "https://oauth2.example.com/token")
        #expect(o.clientSecretFile == "/etc/activity/secrets/client")
        #expect(o.refreshTokenFile == "/var/lib/activity/alice.refresh")
        #expect(o.scope == "https://mail.example.com/")
        #expect(c.accounts.first?.secret == Config.Secret.none)
    }

    @Test("oauth2 with a password, without a refresh token, on a caldav account, or over plain http is refused naming the key")
    func refusesBadOAuth2() {
        func message(_ keys: String, kind: String = "imap", url: String = "imaps://imap.example.com") -> String {
            do { _ = try parse(keys, kind: kind, url: url); return "" } catch { return "\(error)" }
        }
        #expect(message("password_file = \"p\"\noauth2_token_url = \"https://o.example.com/t\"\noauth2_client_id = \"c\"\noauth2_refresh_token_file = \"r\"\n")
            .contains("logs in with password_file or with OAuth 2.0, not both"))
        #expect(message("oauth2_token_url = \"https://o.example.com/t\"\noauth2_client_id = \"c\"\n").contains("needs oauth2_refresh_token_file"))
        #expect(message("oauth2_token_url = \"https://o.example.com/t\"\noauth2_client_id = \"c\"\noauth2_refresh_token_file = \"r\"\n",
                        kind: "caldav", url: "https://dav.example.com/").contains("imap accounts only"))
        #expect(message("oauth2_token_url = \"http://o.example.com/t\"\noauth2_client_id = \"c\"\noauth2_refresh_token_file = \"r\"\n")
            .contains("key oauth2_token_url: http:// would send the refresh token in clear"))
    }
}
