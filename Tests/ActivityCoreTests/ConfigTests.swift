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

    @Test("a table name that is neither a bare key nor quoted is a syntax error on its line, not an abort (found by scripts/fuzz config)",
          arguments: ["[工作]", "[[工作]]", "[ `account]]", "[=]", "[", "[[", "[#]", "[.a]"])
    func badTableNames(_ header: String) throws {
        let e = try #require(error("timezone = \"Asia/Shanghai\"\n\n\(header)\nid = \"x\"\n"))
        #expect(e.code == .config)
        #expect(e.message.hasPrefix("/etc/activity/activity.toml:3: "), "\(e.message)")
    }

    @Test("a } where an array expects a value is a syntax error on its line, not an abort (found by scripts/fuzz config)",
          arguments: ["closing = [\"报价\", }谈判\"]", "a = [ } ]", "a = [1, }]", "a = [[}]]", "a = [ # c\n}]"])
    func closingBraceInArray(_ line: String) throws {
        let e = try #require(error("[ledger]\ntimezone = \"Asia/Shanghai\"\n" + line + "\n"))
        #expect(e.code == .config)
        #expect(e.message.hasPrefix("/etc/activity/activity.toml:3: ") || e.message.hasPrefix("/etc/activity/activity.toml:4: "), "\(e.message)")
        #expect(e.message.contains("where the array expects a value"), "\(e.message)")
    }

    @Test("brackets inside strings, arrays and comments are not table headers")
    func bracketsElsewhere() {
        let text = #"""
            # [工作] in a comment
            timezone = "Asia/Shanghai" # [x
            notes = '''
            [工作]
            '''
            quoted = "\"[工作]"
            [ledger]
            store = "sqlite:[工作].db"
            lists = [
              [1, 2],
              ["[工作]"],
            ]
            """#
        #expect(throws: Never.self) { try TOMLDocument.checkTableHeaders(text, file: "activity.toml") }
    }

    static let team = """
        [[team]]
        id = "east"
        name = "华东区"
        [[team]]
        id = "north"
        [[rep]]
        id = "alice"
        emails = ["alice@hxsoft.cn"]
        team = "east"
        [[rep]]
        id = "bob"
        emails = ["bob@hxsoft.cn"]
        team = "north"

        """

    @Test("[[user]]: a rep sees only themselves, a manager the reps of their teams, an admin everyone")
    func usersSeeWhatTheirRoleAllows() throws {
        let c = try parse(Self.team + """
            [[user]]
            login = "zhao"
            name = "赵经理"
            email = "zhao@hxsoft.cn"
            role = "manager"
            teams = ["east"]
            password_hash = "$y$j9T$abc$def"
            [[user]]
            login = "alice"
            role = "rep"
            rep = "alice"
            password_file = "secrets/alice-web"
            [[user]]
            login = "boss"
            role = "admin"
            """)
        #expect(c.users.map(\.login) == ["zhao", "alice", "boss"])
        let view = { (login: String) in c.users.first { $0.login == login }!.visibleReps(in: c).map(\.id) }
        #expect(view("zhao") == ["alice"])
        #expect(view("alice") == ["alice"])
        #expect(view("boss") == ["alice", "bob"])
        #expect(c.users[1].passwordFile == "/etc/activity/secrets/alice-web")
        #expect(c.users[1].email == nil && c.users[0].name == "赵经理")
    }

    @Test("[[user]] errors name the line and key", arguments: [
        ("login = \"zhao\"\nrole = \"manager\"", "key teams: a manager needs"),
        ("login = \"zhao\"\nrole = \"manager\"\nteams = [\"west\"]", "key teams: no [[team]] has id \"west\""),
        ("login = \"a\"\nrole = \"rep\"\nrep = \"carol\"", "key rep: no [[rep]] has id \"carol\""),
        ("login = \"a\"\nrole = \"rep\"", "key rep: a user with role = \"rep\" needs"),
        ("login = \"a\"\nrole = \"boss\"", "key role: must be \"rep\", \"manager\" or \"admin\""),
        ("login = \"a b\"\nrole = \"admin\"", "key login: \"a b\" is not a login"),
        ("login = \"a\"\nrole = \"admin\"\npassword_hash = \"hunter2\"", "key password_hash: is not a crypt(3) hash"),
        ("login = \"a\"\nrole = \"admin\"\nemail = \"nobody\"", "key email: \"nobody\" is not a mail address"),
        ("login = \"a\"\nrole = \"admin\"\nlanguage = \"fr\"", "key language: must be \"zh\" (Chinese) or \"en\" (English), not \"fr\""),
    ])
    func userErrors(_ body: String, _ message: String) throws {
        let e = try #require(error(Self.team + "[[user]]\n" + body + "\n"))
        #expect(e.code == .config)
        #expect(e.message.contains(message), "\(e.message)")
        #expect(e.message.hasPrefix("/etc/activity/activity.toml:1"), "\(e.message)")
    }

    @Test("the digest's language: a user's own language, else [digest] language, else Chinese")
    func digestLanguage() throws {
        let users = """
            [[user]]
            login = "zhao"
            role = "admin"
            language = "zh"
            [[user]]
            login = "ann"
            role = "admin"
            language = "EN"
            [[user]]
            login = "qian"
            role = "admin"

            """
        let chinese = try parse(Self.team + users)
        #expect(chinese.users.map { $0.digestLanguage(in: chinese) } == [.zh, .en, .zh])
        let english = try parse(Self.team + users + "[digest]\nlanguage = \"en\"\n")
        #expect(english.users.map { $0.digestLanguage(in: english) } == [.zh, .en, .en])
        let e = try #require(error(Self.team + users + "[digest]\nlanguage = \"english\"\n"))
        #expect(e.code == .config && e.message.contains("key language: must be \"zh\" (Chinese) or \"en\" (English)"), "\(e.message)")
    }

    @Test("[web] errors name the key", arguments: [
        ("listen = \"8080\"", "key listen: \"8080\" is not HOST:PORT"),
        ("listen = \"[::1]8080\"", "key listen:"),
        ("base_url = \"ftp://x.cn\"", "key base_url: \"ftp://x.cn\" is not an http(s) URL"),
        ("session_hours = 0", "key session_hours: must be between 1 and 720"),
        ("port = 80", "port"),
    ])
    func webErrors(_ body: String, _ message: String) throws {
        let e = try #require(error("[web]\n" + body + "\n"))
        #expect(e.code == .config)
        #expect(e.message.contains(message), "\(e.message)")
    }

    @Test("[web] defaults to loopback, 12-hour sessions; an https base_url makes cookies Secure")
    func webSettings() throws {
        let none = try Config.parse(text: "", path: "/etc/activity/activity.toml")
        #expect(none.web.listen == "127.0.0.1:8080" && none.web.sessionHours == 12 && !none.web.secure)
        let set = try Config.parse(text: "[web]\nlisten = \"[::1]:9000\"\nbase_url = \"https://a.example.com/\"\nsession_hours = 8\n",
                                   path: "/etc/activity/activity.toml")
        #expect(set.web.baseURL == "https://a.example.com" && set.web.secure && set.web.sessionHours == 8)
        #expect(HostPort.split(set.web.listen)! == ("::1", 9000))
    }

    @Test("a login given twice is refused")
    func duplicateLogin() {
        let e = error(Self.team + "[[user]]\nlogin = \"a\"\nrole = \"admin\"\n[[user]]\nlogin = \"a\"\nrole = \"admin\"\n")
        #expect(e?.message.contains("user a is defined twice") == true)
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

    @Test("oauth2 with a password, without a refresh token, or over plain http is refused naming the key; a caldav account may use it")
    func refusesBadOAuth2() {
        func message(_ keys: String, kind: String = "imap", url: String = "imaps://imap.example.com") -> String {
            do { _ = try parse(keys, kind: kind, url: url); return "" } catch { return "\(error)" }
        }
        #expect(message("password_file = \"p\"\noauth2_token_url = \"https://o.example.com/t\"\noauth2_client_id = \"c\"\noauth2_refresh_token_file = \"r\"\n")
            .contains("logs in with password_file or with OAuth 2.0, not both"))
        #expect(message("oauth2_token_url = \"https://o.example.com/t\"\noauth2_client_id = \"c\"\n").contains("needs oauth2_refresh_token_file"))
        // A caldav account may use OAuth 2.0 (Google Calendar: Bearer tokens, issue 13).
        #expect(message("oauth2_token_url = \"https://o.example.com/t\"\noauth2_client_id = \"c\"\noauth2_refresh_token_file = \"r\"\n",
                        kind: "caldav", url: "https://apidata.googleusercontent.com/caldav/v2/alice%40example.com/events/") == "")
        #expect(message("oauth2_token_url = \"http://o.example.com/t\"\noauth2_client_id = \"c\"\noauth2_refresh_token_file = \"r\"\n")
            .contains("key oauth2_token_url: http:// would send the refresh token in clear"))
    }
}

/// `provider = "…"`: a hosted service's settings, under whatever the account gives itself.
@Suite("Provider presets")
struct ProviderPresetTests {
    func parse(_ keys: String) throws -> Config {
        try Config.parse(text: """
            [[rep]]
            id = "alice"
            emails = ["alice@example.com"]

            [[account]]
            id = "alice-mail"
            rep = "alice"

            """ + keys, path: "/etc/activity/activity.toml")
    }

    func error(_ keys: String) -> ActivityError? {
        do { _ = try parse(keys); return nil } catch let e as ActivityError { return e } catch { return nil }
    }

    @Test("a preset fills url, kind and folders; an explicit key wins")
    func fills() throws {
        let a = try #require(try parse("provider = \"netease-163\"\npassword_file = \"secrets/a\"\n").accounts.first)
        #expect(a.kind == .imap && a.url == "imaps://imap.163.com:993" && a.folders == ["INBOX", "\\Sent"] && a.provider == "netease-163")
        let b = try #require(try parse("provider = \"qq\"\nurl = \"imaps://imap.example.qq.com:993\"\nfolders = [\"INBOX\", \"Sent Messages\"]\npassword_file = \"s\"\n").accounts.first)
        #expect(b.url == "imaps://imap.example.qq.com:993" && b.folders == ["INBOX", "Sent Messages"])
    }

    @Test("INTERFACE.md's names are the same presets: 163, 126, netease-qiye, m365-china")
    func interfaceNames() throws {
        for (alias, name) in ["163": "netease-163", "126": "netease-126", "netease-qiye": "qiye-163"] {
            let a = try #require(try parse("provider = \"\(alias)\"\npassword_file = \"s\"\n").accounts.first)
            #expect(a.provider == name && a.url == ProviderPreset.named(name)?.url)
        }
        let china = try #require(try parse("provider = \"m365-china\"\noauth2_client_id = \"app\"\noauth2_refresh_token_file = \"r\"\n").accounts.first)
        #expect(china.url == "imaps://partner.outlook.cn:993")
    }

    @Test("an OAuth 2.0 preset fills the token URL and scope of its cloud, 21Vianet's included")
    func oauth() throws {
        let keys = "oauth2_client_id = \"app\"\noauth2_refresh_token_file = \"/var/lib/activity/a.refresh\"\n"
        let global = try #require(try parse("provider = \"microsoft365\"\n" + keys).accounts.first)
        #expect(global.url == "imaps://outlook.office365.com:993")
        #expect(global.oauth2?.tokenURL == "https://login.microsoftonline.com/organizations/oauth2/v2.0/token")
        #expect(global.oauth2?.scope == "https://outlook.office.com/IMAP.AccessAsUser.All offline_access")
        let china = try #require(try parse("provider = \"microsoft365-china\"\n" + keys).accounts.first)
        #expect(china.url == "imaps://partner.outlook.cn:993")
        #expect(china.oauth2?.tokenURL == "https://login.partner.microsoftonline.cn/organizations/oauth2/v2.0/token")
        #expect(china.oauth2?.scope == "https://partner.outlook.cn/IMAP.AccessAsUser.All offline_access")
        let gmail = try #require(try parse("provider = \"gmail\"\n" + keys + "oauth2_scope = \"custom\"\n").accounts.first)
        #expect(gmail.oauth2?.tokenURL == "https://oauth2.googleapis.com/token" && gmail.oauth2?.scope == "custom")
        #expect(try parse("provider = \"gmail\"\npassword_file = \"app-password\"\n").accounts.first?.oauth2 == nil, "an app password is allowed")
    }

    @Test("a password for an OAuth-only host, or an unknown preset, is refused naming the key")
    func refused() {
        let e = error("provider = \"microsoft365\"\npassword_file = \"secrets/a\"\n")
        #expect(e?.code == .config && e?.message.contains("password_file") == true && e?.message.contains("OAuth 2.0 only") == true, "\(String(describing: e))")
        let u = error("provider = \"hotmail-classic\"\n")
        #expect(u?.message.contains("not a known provider") == true && u?.message.contains("netease-163") == true)
        #expect(error("provider = \"qq\"\nkind = \"caldav\"\n")?.message.contains("presets are for imap accounts") == true)
    }
}

@Suite("Configuration: [mail] and [digest]")
struct MailConfigTests {
    let base = "[[team]]\nid = \"east\"\n[[rep]]\nid = \"alice\"\nemails = [\"alice@example.com\"]\nteam = \"east\"\n"

    func parse(_ text: String) throws -> Config { try Config.parse(text: base + text, path: "/etc/activity/activity.toml") }
    func error(_ text: String) -> ActivityError? {
        do { _ = try parse(text); return nil } catch let e as ActivityError { return e } catch { return nil }
    }

    @Test("[mail] reads the URL, the sender and the secret's place; [digest] send_at a weekday and time")
    func valid() throws {
        let c = try parse("[mail]\nsmtp_url = \"smtps://smtp.example.com:465\"\nfrom = \"销售活动周报 <activity@example.com>\"\nusername = \"activity@example.com\"\npassword_file = \"secrets/smtp\"\n[digest]\nsend_at = \"Mon 08:30\"\n")
        #expect(c.mail?.from == MailAddress(name: "销售活动周报", address: "activity@example.com"))
        #expect(c.mail?.secret == .file("/etc/activity/secrets/smtp"))
        #expect(c.digestSchedule == Config.DigestSchedule(weekday: 1, hour: 8, minute: 30))
        #expect(Config.DigestSchedule.parse("friday 17:05") == Config.DigestSchedule(weekday: 5, hour: 17, minute: 5))
        #expect(try parse("").mail == nil)
    }

    @Test("mistakes name the key and exit 78")
    func mistakes() {
        for (text, key) in [("[mail]\nsmtp_url = \"https://x\"\nfrom = \"a@b\"\n", "smtp_url"),
                            ("[mail]\nsmtp_url = \"smtp://x:587\"\nfrom = \"nobody\"\n", "from"),
                            ("[mail]\nsmtp_url = \"smtp://x:587\"\nfrom = \"a@b\"\npassword_file = \"p\"\n", "username"),
                            ("[mail]\nsmtp_url = \"smtp://u:p@x:587\"\nfrom = \"a@b\"\n", "smtp_url"),
                            ("[digest]\nsend_at = \"Monday 8h\"\n", "send_at"),
                            ("[digest]\nsend_at = \"Mo 08:30\"\n", "send_at"),
                            ("[digest]\nsend = \"Mon 08:30\"\n", "send")] {
            let e = error(text)
            #expect(e?.exitCode == 78, "\(text)")
            #expect(e?.message.contains(key) == true, "\(text): \(e?.message ?? "no error")")
        }
    }
}
