import Foundation
import ActivityCore

/// The configuration of INTERFACE.md, validated. Every error names the file, line and key.
public struct Config: Sendable {
    public typealias SharedCredit = ClassificationSettings.SharedCredit

    public struct Team: Sendable, Equatable {
        public var id: String
        public var name: String
        public var targets: [Kind: Double]
    }

    public struct TenureBand: Sendable, Equatable {
        public var fromMonth: Int
        public var toMonth: Int?
        public var targets: [Kind: Double]
    }

    public struct Rep: Sendable, Equatable {
        public var id: String
        public var name: String
        public var emails: [String]
        public var team: String?
        public var startDate: DateComponents?
        public var timeZone: TimeZone?
        public var targets: [Kind: Double]

        public init(id: String, name: String, emails: [String], team: String? = nil, startDate: DateComponents? = nil,
                    timeZone: TimeZone? = nil, targets: [Kind: Double] = [:]) {
            self.id = id
            self.name = name
            self.emails = emails
            self.team = team
            self.startDate = startDate
            self.timeZone = timeZone
            self.targets = targets
        }
    }

    public enum Secret: Sendable, Equatable {
        case file(String)
        case env(String)
        case command(String)
        case none
    }

    /// OAuth 2.0 for hosted mail: an access token is obtained from `tokenURL` with the refresh
    /// token (RFC 6749 section 6) and sent with SASL XOAUTH2 instead of a password.
    public struct OAuth2: Sendable, Equatable {
        public var tokenURL: String
        public var clientID: String
        /// Absent for public clients (installed applications without a secret).
        public var clientSecretFile: String?
        public var refreshTokenFile: String
        public var scope: String?

        public init(tokenURL: String, clientID: String, clientSecretFile: String?, refreshTokenFile: String, scope: String?) {
            self.tokenURL = tokenURL
            self.clientID = clientID
            self.clientSecretFile = clientSecretFile
            self.refreshTokenFile = refreshTokenFile
            self.scope = scope
        }
    }

    public struct Account: Sendable, Equatable {
        public enum Kind: String, Sendable { case imap, caldav }
        public var id: String
        public var rep: String
        public var kind: Kind
        public var url: String
        public var username: String
        public var secret: Secret
        public var folders: [String]
        public var calendars: [String]
        public var caFile: String?
        public var pollInterval: TimeInterval
        public var allowPlaintext: Bool
        /// Set when the account logs in with OAuth 2.0 rather than a password.
        public var oauth2: OAuth2? = nil
        /// Seconds the server may stay silent (connecting, in TLS, or mid-answer) before the
        /// attempt is given up (`timeout`, default 60 s).
        public var timeout: TimeInterval = 60
        /// The `provider` preset the account names (settings and host-aware advice).
        public var provider: String? = nil
    }

    public var file: String
    public var directory: String
    public var timeZone: TimeZone
    /// Where the ledger is kept (`ledger.store`, or `--store`).
    public var store: StoreLocation
    /// `[daemon] lease_timeout`: with a PostgreSQL store shared by several workers, an account
    /// whose worker stopped renewing its lease is taken over after this long.
    public var leaseTimeout: TimeInterval = 60
    public var leadLookbackDays: Int
    public var followupAfterDays: Int
    public var sharedCredit: SharedCredit
    public var rules: Rules
    public var internalDomains: [String]
    public var freemailDomains: [String]
    public var defaultTargets: [Kind: Double]
    public var tenureBands: [TenureBand]
    public var teams: [Team]
    public var reps: [Rep]
    public var accounts: [Account]
    /// `[pipeline]`: the thresholds of the weekly review's deal classes (seed 001's defaults).
    public var pipeline = Pipeline.Settings()
    /// `[ledger] flow`: the stage model reports speak (Flow.swift); the eight steps by default.
    public var flow: Flow = .standard
    /// `[[flow]]`: the flows the file defines itself (the built-in ones are Flow.builtIn).
    public var flows: [Flow] = []
    /// `[[user]]`: who reads the ledger in the web view and the digest (see Users.swift).
    public var users: [User] = []
    /// `[mail]`: the SMTP server `digest` sends through (Mail.swift); nil when not configured.
    public var mail: Mail? = nil
    /// `[digest] send_at`: when the daemon sends last week's digest; nil: the daemon does not.
    public var digestSchedule: DigestSchedule? = nil
    /// `[digest] language`: the digest's language for users without their own `language` (zh by default).
    public var digestLanguage: Language = .zh
    /// `[web]`: the web view's address and sessions (Web.swift).
    public var web = Web()

    /// A configuration with no file: nothing internal, no reps (what `explain` uses without one).
    public static func empty(timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) -> Config {
        Config(file: "(no config)", directory: FileManager.default.currentDirectoryPath, timeZone: timeZone,
               store: .sqlite(path: resolve("activity.db", directory: FileManager.default.currentDirectoryPath)), leadLookbackDays: 365, followupAfterDays: 7, sharedCredit: .each,
               rules: .builtIn, internalDomains: [], freemailDomains: [], defaultTargets: [:], tenureBands: [],
               teams: [], reps: [], accounts: [])
    }

    public func rep(_ id: String) -> Rep? { reps.first { $0.id == id } }
    public func account(_ id: String) -> Account? { accounts.first { $0.id == id } }

    public func profile(_ rep: Rep) -> RepProfile {
        RepProfile(id: rep.id, name: rep.name, team: rep.team, emails: rep.emails,
                   timeZone: rep.timeZone ?? timeZone, startDate: rep.startDate)
    }

    /// Where the configuration is looked for when --config is not given (INTERFACE.md).
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit { return explicit }
        if let env = environment["ACTIVITY_CONFIG"], !env.isEmpty { return env }
        for candidate in ["activity.toml", "/etc/activity/activity.toml"] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        return nil
    }
}

extension Config {
    /// Reads and validates a configuration file.
    public static func load(path: String) throws -> Config {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ActivityError(.config, "\(path): no such configuration file; pass --config PATH or set ACTIVITY_CONFIG")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ActivityError(.config, "\(path): cannot be read; check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ActivityError(.config, "\(path): is not UTF-8 text")
        }
        return try parse(text: text, path: path)
    }

    public static func parse(text: String, path: String) throws -> Config {
        let doc = try TOMLDocument(file: path, text: text)
        let root = TOMLSection(document: doc, name: nil, index: nil, label: "top level", entries: doc.root)
        try root.onlyKnown(["ledger", "company", "targets", "team", "rep", "account", "daemon", "pipeline", "user", "mail", "digest", "web", "flow"])
        let directory = (path as NSString).deletingLastPathComponent.isEmpty
            ? FileManager.default.currentDirectoryPath : (path as NSString).deletingLastPathComponent

        func section(_ key: String) throws -> TOMLSection {
            guard let n = root.node(key) else {
                return TOMLSection(document: doc, name: key, index: nil, label: "[\(key)]", entries: [])
            }
            guard case .table(let e) = n else { throw root.error(key, "must be a table [\(key)]") }
            return TOMLSection(document: doc, name: key, index: nil, label: "[\(key)]", entries: e)
        }
        func arrayOfTables(_ key: String, in parent: TOMLSection? = nil, prefix: String = "") throws -> [TOMLSection] {
            let holder = parent ?? root
            guard let n = holder.node(key) else { return [] }
            guard case .array(let items) = n else { throw holder.error(key, "must be written as [[\(prefix)\(key)]] tables") }
            return try items.enumerated().map { (i, item) in
                guard case .table(let e) = item else { throw holder.error(key, "must be written as [[\(prefix)\(key)]] tables") }
                let id = e.first { $0.key == "id" }.flatMap { if case .string(let s) = $0.value { return s } else { return nil } }
                return TOMLSection(document: doc, name: prefix + key, index: i,
                                   label: "[[\(prefix)\(key)]]" + (id.map { " \($0)" } ?? " #\(i + 1)"), entries: e)
            }
        }

        // [ledger]
        let ledger = try section("ledger")
        try ledger.onlyKnown(["timezone", "store", "lead_lookback_days", "followup_after_days", "shared_credit", "rules", "flow"])
        let zoneName = try ledger.string("timezone") ?? "Asia/Shanghai"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw ledger.error("timezone", "\"\(zoneName)\" is not an IANA time zone name (for example Asia/Shanghai)")
        }
        let storeURL = try ledger.string("store") ?? "sqlite:activity.db"
        let store = try resolveStore(storeURL, directory: directory, section: ledger)
        // [daemon]
        let daemon = try section("daemon")
        try daemon.onlyKnown(["lease_timeout"])
        let leaseText = try daemon.string("lease_timeout") ?? "60s"
        guard let leaseTimeout = parseDuration(leaseText), leaseTimeout >= 2, leaseTimeout <= 3600 else {
            throw daemon.error("lease_timeout", "\"\(leaseText)\" is not a duration between 2s and 1h (write 60s or 2m)")
        }
        let lookback = try ledger.int("lead_lookback_days") ?? 365
        guard lookback > 0 else { throw ledger.error("lead_lookback_days", "must be a positive number of days") }
        let followup = try ledger.int("followup_after_days") ?? 7
        guard followup > 0 else { throw ledger.error("followup_after_days", "must be a positive number of days") }
        let creditName = try ledger.string("shared_credit") ?? "each"
        guard let credit = SharedCredit(rawValue: creditName) else {
            throw ledger.error("shared_credit", "must be \"each\" or \"organizer\", not \"\(creditName)\"")
        }
        var rules = Rules.builtIn
        if let rulesFile = try ledger.string("rules") {
            let rulesPath = resolve(rulesFile, directory: directory)
            guard FileManager.default.fileExists(atPath: rulesPath) else {
                throw ledger.error("rules", "\(rulesPath) does not exist; fix the path or remove the key to use the built-in rules")
            }
            rules = try RulesFile.load(path: rulesPath, onto: rules)
        }

        // [company]
        let company = try section("company")
        try company.onlyKnown(["internal_domains", "freemail_domains"])
        let internalDomains = (try company.strings("internal_domains") ?? []).map { $0.lowercased() }
        let freemail = (try company.strings("freemail_domains") ?? []).map { $0.lowercased() }

        // [targets]
        let targets = try section("targets")
        try targets.onlyKnown(["default", "tenure"])
        let defaultTargets = try targets.table("default").map { try kindNumbers($0) } ?? [:]
        let tenure = try arrayOfTables("tenure", in: targets, prefix: "targets.").map { t -> TenureBand in
            let from = try t.int("from_month") ?? 0
            let to = try t.int("to_month")
            if let to, to <= from { throw t.error("to_month", "must be greater than from_month (\(from))") }
            return TenureBand(fromMonth: from, toMonth: to,
                              targets: try kindNumbers(t, extra: ["from_month", "to_month"]))
        }

        // [[team]]
        var teams: [Team] = []
        for t in try arrayOfTables("team") {
            try t.onlyKnown(["id", "name", "targets"])
            let id = try t.requiredString("id")
            if teams.contains(where: { $0.id == id }) { throw t.error("id", "team \(id) is defined twice") }
            teams.append(Team(id: id, name: try t.string("name") ?? id,
                              targets: try t.table("targets").map { try kindNumbers($0) } ?? [:]))
        }

        // [[rep]]
        var reps: [Rep] = []
        var owner: [String: String] = [:]
        for r in try arrayOfTables("rep") {
            try r.onlyKnown(["id", "name", "emails", "team", "start_date", "timezone", "targets"])
            let id = try r.requiredString("id")
            if reps.contains(where: { $0.id == id }) { throw r.error("id", "rep \(id) is defined twice") }
            let emails = (try r.strings("emails") ?? []).map { $0.lowercased() }
            guard !emails.isEmpty else { throw r.error("emails", "a rep needs at least one address") }
            for e in emails {
                guard e.contains("@") else { throw r.error("emails", "\"\(e)\" is not a mail address") }
                if let other = owner[e] { throw r.error("emails", "\(e) already belongs to rep \(other)") }
                owner[e] = id
            }
            let team = try r.string("team")
            if let team, !teams.contains(where: { $0.id == team }) {
                throw r.error("team", "no [[team]] has id \"\(team)\"")
            }
            var start: DateComponents? = nil
            if let n = r.node("start_date") {
                switch n {
                case .date(let y, let m, let d): start = DateComponents(year: y, month: m, day: d)
                case .string(let s):
                    let parts = s.split(separator: "-").compactMap { Int($0) }
                    guard parts.count == 3 else { throw r.error("start_date", "must be a date like 2026-03-01") }
                    start = DateComponents(year: parts[0], month: parts[1], day: parts[2])
                default: throw r.error("start_date", "must be a date like 2026-03-01")
                }
            }
            var repZone: TimeZone? = nil
            if let z = try r.string("timezone") {
                guard let tz = TimeZone(identifier: z) else { throw r.error("timezone", "\"\(z)\" is not an IANA time zone name") }
                repZone = tz
            }
            reps.append(Rep(id: id, name: try r.string("name") ?? id, emails: emails, team: team, startDate: start,
                            timeZone: repZone, targets: try r.table("targets").map { try kindNumbers($0) } ?? [:]))
        }

        // [[account]]
        var accounts: [Account] = []
        for a in try arrayOfTables("account") {
            try a.onlyKnown(accountKeys)
            let id = try a.requiredString("id")
            if accounts.contains(where: { $0.id == id }) { throw a.error("id", "account \(id) is defined twice") }
            let rep = try a.requiredString("rep")
            guard reps.contains(where: { $0.id == rep }) else { throw a.error("rep", "no [[rep]] has id \"\(rep)\"") }
            var preset: ProviderPreset? = nil
            if let name = try a.string("provider") {
                guard let p = ProviderPreset.named(name) else {
                    throw a.error("provider", "\"\(name)\" is not a known provider (one of \(ProviderPreset.all.map(\.name).joined(separator: ", ")))")
                }
                preset = p
            }
            let kindName = try a.string("kind") ?? (preset != nil ? "imap" : a.requiredString("kind"))
            guard let kind = Account.Kind(rawValue: kindName) else {
                throw a.error("kind", "must be \"imap\" or \"caldav\", not \"\(kindName)\"")
            }
            if preset != nil && kind != .imap {
                throw a.error("provider", "presets are for imap accounts; remove provider or set kind = \"imap\"")
            }
            let url = try a.string("url") ?? (preset?.url ?? a.requiredString("url"))
            let allowPlaintext = try a.bool("allow_plaintext") ?? false
            try checkURL(url, kind: kind, allowPlaintext: allowPlaintext, section: a)
            let (secret, secretKey) = try passwordSecret(a, directory: directory)
            let oauth2 = try oauth2Settings(a, kind: kind, directory: directory, passwordKey: secretKey, preset: preset)
            if let preset, preset.auth == .oauth2, oauth2 == nil {
                throw a.error(secretKey ?? "provider", "\(preset.name) accepts OAuth 2.0 only (a password login is refused); give oauth2_client_id and oauth2_refresh_token_file instead of a password")
            }
            let folders = try a.strings("folders") ?? preset?.folders ?? ["INBOX", "\\Sent"]
            let calendars = try a.strings("calendars") ?? []
            let caFile = try caFileSetting(a, directory: directory)
            let intervalText = try a.string("poll_interval") ?? "5m"
            guard let interval = parseDuration(intervalText), interval > 0 else {
                throw a.error("poll_interval", "\"\(intervalText)\" is not a duration (write 30s, 5m or 1h)")
            }
            let timeout = try timeoutSetting(a)
            accounts.append(Account(id: id, rep: rep, kind: kind, url: url,
                                    username: try a.string("username") ?? reps.first { $0.id == rep }!.emails[0],
                                    secret: secret, folders: folders, calendars: calendars, caFile: caFile,
                                    pollInterval: interval, allowPlaintext: allowPlaintext, oauth2: oauth2, timeout: timeout,
                                    provider: preset?.name))
        }

        // [pipeline]
        let pipelineSection = try section("pipeline")
        try pipelineSection.onlyKnown(["a_within_days", "b_within_days", "b_closing_within_days", "stale_after_days", "drop_after_days"])
        var pipeline = Pipeline.Settings()
        func days(_ key: String, _ value: inout Int) throws {
            guard let n = try pipelineSection.int(key) else { return }
            guard (1...3650).contains(n) else { throw pipelineSection.error(key, "must be a number of days between 1 and 3650") }
            value = n
        }
        try days("a_within_days", &pipeline.aWithinDays)
        try days("b_within_days", &pipeline.bWithinDays)
        try days("b_closing_within_days", &pipeline.bClosingWithinDays)
        try days("stale_after_days", &pipeline.staleAfterDays)
        try days("drop_after_days", &pipeline.dropAfterDays)
        guard pipeline.aWithinDays <= pipeline.bClosingWithinDays else {
            throw pipelineSection.error("b_closing_within_days", "must not be less than a_within_days (\(pipeline.aWithinDays))")
        }
        guard pipeline.staleAfterDays <= pipeline.dropAfterDays else {
            throw pipelineSection.error("drop_after_days", "must not be less than stale_after_days (\(pipeline.staleAfterDays))")
        }

        // [[flow]] and [ledger] flow
        let flows = try parseFlows(try arrayOfTables("flow"), document: doc)
        let flowID = try ledger.string("flow") ?? "standard"
        guard let flow = Flow.builtIn(flowID) ?? flows.first(where: { $0.id == flowID }) else {
            let known = (Flow.builtIn.map(\.id) + flows.map(\.id)).map { "\"\($0)\"" }.joined(separator: ", ")
            throw ledger.error("flow", "no flow has id \"\(flowID)\" (known: \(known); define it in a [[flow]] table)")
        }

        var config = Config(file: path, directory: directory, timeZone: zone, store: store, leadLookbackDays: lookback,
                            followupAfterDays: followup, sharedCredit: credit, rules: rules, internalDomains: internalDomains,
                            freemailDomains: freemail, defaultTargets: defaultTargets, tenureBands: tenure, teams: teams,
                            reps: reps, accounts: accounts)
        config.leaseTimeout = leaseTimeout
        config.pipeline = pipeline
        config.flow = flow
        config.flows = flows
        config.web = try parseWeb(try section("web"))
        config.users = try parseUsers(try arrayOfTables("user"), teams: teams, reps: reps, directory: directory)
        config.mail = try parseMail(try section("mail"), directory: directory)
        config.digestSchedule = try parseDigest(try section("digest"))
        config.digestLanguage = try parseLanguage(try section("digest")) ?? .zh
        return config
    }

    /// `[[flow]]` tables: `id`, `name`, and `[[flow.step]]` tables with `name`, `english`,
    /// `kinds`, `keywords = { kind = [words] }` and `next`. Errors name the file, line and key;
    /// a kind left unmapped is named at the flow's `id`.
    static func parseFlows(_ sections: [TOMLSection], document doc: TOMLDocument) throws -> [Flow] {
        var flows: [Flow] = []
        var stepIndex = 0  // [[flow.step]] headers counted through the file, for the line of an error
        for f in sections {
            try f.onlyKnown(["id", "name", "step"])
            let id = try f.requiredString("id")
            if Flow.builtIn(id) != nil { throw f.error("id", "\"\(id)\" is a built-in flow; give yours another id") }
            if flows.contains(where: { $0.id == id }) { throw f.error("id", "flow \(id) is defined twice") }
            var stepSections: [TOMLSection] = []
            if let n = f.node("step") {
                guard case .array(let items) = n else { throw f.error("step", "must be written as [[flow.step]] tables") }
                for item in items {
                    guard case .table(let e) = item else { throw f.error("step", "must be written as [[flow.step]] tables") }
                    stepSections.append(TOMLSection(document: doc, name: "flow.step", index: stepIndex,
                                                    label: "[[flow.step]] #\(stepSections.count + 1) of flow \(id)", entries: e))
                    stepIndex += 1
                }
            }
            var steps: [Flow.Step] = []
            for (i, t) in stepSections.enumerated() {
                try t.onlyKnown(["name", "english", "kinds", "keywords", "next"])
                let name = try t.requiredString("name")
                var kinds: [Kind] = []
                for k in try t.strings("kinds") ?? [] {
                    guard let kind = Kind(rawValue: k) else {
                        throw t.error("kinds", "\"\(k)\" is not a kind of activity (one of \(Flow.stepKinds.map(\.rawValue).joined(separator: ", ")))")
                    }
                    kinds.append(kind)
                }
                var keywords: [Kind: [String]] = [:]
                if let k = try t.table("keywords") {
                    for key in k.keys {
                        guard let kind = Kind(rawValue: key) else {
                            throw k.error(key, "is not a kind of activity (one of \(Flow.stepKinds.map(\.rawValue).joined(separator: ", ")))")
                        }
                        keywords[kind] = try k.strings(key) ?? []
                    }
                }
                steps.append(Flow.Step(number: i + 1, name: name, english: try t.string("english"), kinds: kinds,
                                       keywords: keywords, next: try t.string("next")))
            }
            if let problem = Flow.problems(steps: steps).first {
                if let n = problem.step {
                    let t = stepSections[n - 1]
                    throw t.error(t.node("kinds") != nil ? "kinds" : t.node("keywords") != nil ? "keywords" : "name", problem.message)
                }
                throw f.error(stepSections.isEmpty ? "step" : "id", "flow \(id): \(problem.message)")
            }
            flows.append(Flow(id: id, name: try f.string("name") ?? id, steps: steps))
        }
        return flows
    }

    /// Every key an [[account]] table may have.
    public static let accountKeys = Set(["id", "rep", "kind", "url", "username", "password_file", "password_env", "password_command",
                                         "folders", "calendars", "ca_file", "poll_interval", "allow_plaintext", "timeout", "provider"]).union(oauth2Keys)

    static let oauth2Keys = ["oauth2_token_url", "oauth2_client_id", "oauth2_client_secret_file", "oauth2_refresh_token_file",
                             "oauth2_scope"]

    /// The oauth2_* keys of an account: all or none of the required ones, never with a password.
    static func oauth2Settings(_ a: TOMLSection, kind: Account.Kind, directory: String, passwordKey: String?,
                               preset: ProviderPreset? = nil) throws -> OAuth2? {
        let given = oauth2Keys.filter { a.node($0) != nil }
        guard let first = given.first else { return nil }
        // A preset with OAuth 2.0 endpoints fills the token URL and scope.
        if let preset, let presetURL = preset.tokenURL {
            if let passwordKey {
                throw a.error(first, "an account logs in with \(passwordKey) or with OAuth 2.0, not both; remove one")
            }
            for key in ["oauth2_client_id", "oauth2_refresh_token_file"] where a.node(key) == nil {
                throw a.error(first, "OAuth 2.0 needs \(key) too (provider \(preset.name) fills in the token URL and scope)")
            }
            let tokenURL = try a.string("oauth2_token_url") ?? presetURL
            return OAuth2(tokenURL: tokenURL, clientID: try a.requiredString("oauth2_client_id"),
                          clientSecretFile: try a.string("oauth2_client_secret_file").map { resolve($0, directory: directory) },
                          refreshTokenFile: resolve(try a.requiredString("oauth2_refresh_token_file"), directory: directory),
                          scope: try a.string("oauth2_scope") ?? preset.scope)
        }
        if let passwordKey {
            throw a.error(first, "an account logs in with \(passwordKey) or with OAuth 2.0, not both; remove one")
        }
        for key in ["oauth2_token_url", "oauth2_client_id", "oauth2_refresh_token_file"] where a.node(key) == nil {
            throw a.error(first, "OAuth 2.0 needs \(key) too (and oauth2_client_secret_file for a confidential client)")
        }
        let tokenURL = try a.requiredString("oauth2_token_url")
        guard let parsed = URLComponents(string: tokenURL), let scheme = parsed.scheme?.lowercased(), let host = parsed.host, !host.isEmpty,
              scheme == "https" || scheme == "http" else {
            throw a.error("oauth2_token_url", "\"\(tokenURL)\" is not an https:// URL")
        }
        if scheme == "http" && !HostPort.isLoopback(host) {
            throw a.error("oauth2_token_url", "http:// would send the refresh token in clear to \(host); use https://")
        }
        return OAuth2(tokenURL: tokenURL, clientID: try a.requiredString("oauth2_client_id"),
                      clientSecretFile: try a.string("oauth2_client_secret_file").map { resolve($0, directory: directory) },
                      refreshTokenFile: resolve(try a.requiredString("oauth2_refresh_token_file"), directory: directory),
                      scope: try a.string("oauth2_scope"))
    }

    static func kindNumbers(_ t: TOMLSection, extra: Set<String> = []) throws -> [Kind: Double] {
        var out: [Kind: Double] = [:]
        for key in t.keys where !extra.contains(key) {
            guard let kind = Kind(rawValue: key) else {
                let names = Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw t.error(key, "is not a kind of activity (one of \(names))")
            }
            guard let v = try t.number(key), v >= 0 else { throw t.error(key, "must be a number of activities per week, 0 or more") }
            out[kind] = v
        }
        return out
    }

    static func resolve(_ path: String, directory: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            return home + path.dropFirst(1)
        }
        return (directory as NSString).appendingPathComponent(path)
    }

    static func resolveStore(_ url: String, directory: String, section: TOMLSection) throws -> StoreLocation {
        switch StoreLocation.parse(url, resolve: { resolve($0, directory: directory) }) {
        case .success(let location): return location
        case .failure(let problem): throw section.error("store", "\"\(StoreLocation.redacted(url))\" \(problem)")
        }
    }

    /// A store URL given on the command line (`--store`, `store copy`), an SQLite path relative
    /// to the working directory. A bad one is a usage error (64) naming the option.
    public static func storeLocation(fromURL url: String, option: String = "--store") throws -> StoreLocation {
        switch StoreLocation.parse(url, resolve: { resolve($0, directory: FileManager.default.currentDirectoryPath) }) {
        case .success(let location): return location
        case .failure(let problem): throw ActivityError(.usage, "\(option) \(StoreLocation.redacted(url)): \(problem)")
        }
    }

    static func checkURL(_ url: String, kind: Account.Kind, allowPlaintext: Bool, section: TOMLSection) throws {
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host, !host.isEmpty else {
            throw section.error("url", "\"\(url)\" is not a URL")
        }
        if parsed.password != nil || parsed.user != nil {
            throw section.error("url", "must not carry a username or password; use username and password_file")
        }
        let secure: String, plain: String
        switch kind {
        case .imap: (secure, plain) = ("imaps", "imap")
        case .caldav: (secure, plain) = ("https", "http")
        }
        guard scheme == secure || scheme == plain else {
            throw section.error("url", "an \(kind.rawValue) account needs a \(secure):// URL, not \(scheme)://")
        }
        if scheme == plain && !allowPlaintext && !HostPort.isLoopback(host) {
            throw section.error("url", "\(plain):// sends the password in clear to \(host); use \(secure):// or set allow_plaintext = true")
        }
    }

    /// `30s`, `5m`, `1h`, `1h30m`, or a bare number of seconds.
    public static func parseDuration(_ text: String) -> TimeInterval? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let n = Double(t) { return n }
        var total = 0.0
        var number = ""
        for c in t {
            if c.isNumber || c == "." { number.append(c); continue }
            guard let n = Double(number) else { return nil }
            switch c {
            case "s": total += n
            case "m": total += n * 60
            case "h": total += n * 3600
            case "d": total += n * 86_400
            default: return nil
            }
            number = ""
        }
        return number.isEmpty ? total : nil
    }
}

/// `rules.toml`: words a deployment adds to the built-in rules.
public enum RulesFile {
    public static func load(path: String, onto base: Rules) throws -> Rules {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ActivityError(.config, "\(path): cannot be read as UTF-8 text")
        }
        return try parse(text: text, path: path, onto: base)
    }

    public static func parse(text: String, path: String, onto base: Rules) throws -> Rules {
        let doc = try TOMLDocument(file: path, text: text)
        let root = TOMLSection(document: doc, name: nil, index: nil, label: "top level", entries: doc.root)
        try root.onlyKnown(["keywords", "meetings"])
        var keywords: [Kind: [String]] = [:]
        if case .table(let e)? = root.node("keywords") {
            let k = TOMLSection(document: doc, name: "keywords", index: nil, label: "[keywords]", entries: e)
            for key in k.keys {
                guard let kind = Kind(rawValue: key), Rules.precedence.contains(kind) else {
                    throw k.error(key, "is not a keyword kind (demo, onboarding, closing, payment, follow_up, visit)")
                }
                keywords[kind] = try k.strings(key)
            }
        }
        var online: [String] = [], ignore: [String] = []
        if case .table(let e)? = root.node("meetings") {
            let m = TOMLSection(document: doc, name: "meetings", index: nil, label: "[meetings]", entries: e)
            try m.onlyKnown(["online_markers", "ignore"])
            online = try m.strings("online_markers") ?? []
            ignore = try m.strings("ignore") ?? []
        }
        return base.adding(keywords: keywords, onlineMarkers: online, ignore: ignore)
    }
}

extension Config {
    /// `host:port` of an account URL, for messages (never credentials).
    public static func serverName(_ url: String) -> String { HostPort.of(url: url) ?? url }
}
