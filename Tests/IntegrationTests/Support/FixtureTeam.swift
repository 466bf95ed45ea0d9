import Foundation
import ActivityCore

/// The fixture team of Fixtures/demo/activity.toml.in, wired to a running Dovecot.
struct FixtureTeam {
    static let users = ["alice": "pw-alice", "bob": "pw-bob", "carol": "pw-carol"]

    let dir = TempDir("activity-team")
    var config: String { dir.file("activity.toml") }
    var store: String { dir.file("activity.db") }
    /// `ledger.store` as written in the config: the SQLite file beside it, or a PostgreSQL URL.
    let storeURL: String
    /// What a command needs in its environment for the store (PGPASSWORD for PostgreSQL).
    let storeEnvironment: [String: String]

    /// The store as the program sees it.
    var storeLocation: StoreLocation {
        storeURL.hasPrefix("postgres") ? .postgres(url: storeURL) : .sqlite(path: store)
    }

    /// Everything the sync left in the store (see `StoreSnapshot`), whichever the engine.
    func snapshot() throws -> StoreSnapshot { try StoreSnapshot(location: storeLocation) }

    /// Writes the config (with `url` for every account) and the password files.
    /// `caldavURL`: also alice's calendar account (Fixtures/demo/calendar-accounts.toml.in).
    /// `postgres`: keep the ledger in a fresh database of that server instead of SQLite.
    init(imapURL: String, caldavURL: String? = nil, calendarPassword: String = "pw-alice", extra: String = "",
         postgres: PostgresServer? = nil, edit: (String) -> String = { $0 }) throws {
        storeURL = try postgres?.database() ?? "sqlite:activity.db"
        storeEnvironment = postgres?.environment ?? [:]
        let template = try String(contentsOfFile: Repo.path("Fixtures/demo/activity.toml.in"), encoding: .utf8)
        var text = template.replacingOccurrences(of: "{{IMAP_URL}}", with: imapURL)
            .replacingOccurrences(of: "{{STORE}}", with: storeURL)
        if let caldavURL {
            text += try String(contentsOfFile: Repo.path("Fixtures/demo/calendar-accounts.toml.in"), encoding: .utf8)
                .replacingOccurrences(of: "{{CALDAV_URL}}", with: caldavURL)
            dir.write("secrets/alice-cal", calendarPassword + "\n", mode: 0o600)
        }
        dir.write("activity.toml", edit(text) + extra)
        for (user, password) in FixtureTeam.users { dir.write("secrets/\(user)", password + "\n", mode: 0o600) }
    }

    func activity(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        try IntegrationTests.activity(["--config", config] + arguments, environment: storeEnvironment.merging(environment) { _, b in b })
    }

    /// `week --format json` for every rep, parsed.
    func week(_ week: String) throws -> [String: Any] {
        let r = try activity(["week", "--all", "--week", week, "--format", "json"])
        guard r.status == 0, let data = r.stdout.data(using: .utf8),
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HarnessError(description: "week \(week) failed (\(r.status)): \(r.stderr)")
        }
        return json
    }

    /// Counts per rep and kind from `week --format json`.
    func counts(_ week: String) throws -> [String: [String: Int]] {
        let json = try self.week(week)
        var out: [String: [String: Int]] = [:]
        for rep in json["reps"] as? [[String: Any]] ?? [] {
            out[rep["rep"] as? String ?? "?"] = rep["counts"] as? [String: Int]
        }
        return out
    }

    /// Every activity of the week as "rep kind org ref", sorted.
    func activityLines(_ week: String) throws -> [String] {
        let json = try self.week(week)
        var lines: [String] = []
        for rep in json["reps"] as? [[String: Any]] ?? [] {
            for a in rep["activities"] as? [[String: Any]] ?? [] {
                let source = a["source"] as? [String: Any]
                lines.append("\(rep["rep"] as? String ?? "") \(a["kind"] as? String ?? "") \(a["org"] as? String ?? "") \(source?["ref"] as? String ?? "")")
            }
        }
        return lines.sorted()
    }
}

/// Fixtures/mail/expected.json: the hand-labelled ledger of the mail corpus.
struct ExpectedLedger {
    let weeks: [String: [String: [String: Int]]]
    let activities: [[String: Any]]

    /// The mail-derived ledger plus the event parts of mailed invitations.
    init() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repo.path("Fixtures/mail/expected.json")))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        var weeks = json["weeks"] as? [String: [String: [String: Int]]] ?? [:]
        var activities = json["activities"] as? [[String: Any]] ?? []
        for event in json["event_parts"] as? [[String: Any]] ?? [] {
            guard let rep = event["rep"] as? String, let week = event["week"] as? String, let kind = event["kind"] as? String else { continue }
            weeks[week, default: [:]][rep, default: [:]][kind, default: 0] += 1
            activities.append(["rep": rep, "week": week, "kind": kind, "org": event["org"] ?? "", "message_id": event["uid"] ?? ""])
        }
        self.weeks = weeks
        self.activities = activities
    }
}
