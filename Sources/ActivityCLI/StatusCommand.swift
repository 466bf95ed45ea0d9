import ArgumentParser
import Foundation
import ActivityCore
import ActivityStore
import ActivitySync

/// `activity status`: per account, the last success, the last error and its reason, lag, items seen.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per account: last success, last error, lag, items seen.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "table or json.")
    var format: ExplainFormat = .table

    func run() throws {
        let runtime = try Runtime.load(global)
        let config = runtime.config
        let statuses: [String: AccountStatus]
        var malformed: [MalformedItem] = []
        var stale: [String] = []
        var warnings: [(account: String, warning: String)] = []
        var leases: [String: AccountLease] = [:]
        var digests: [DigestRecord] = []
        var adjustments = (total: 0, standing: 0, orphaned: [Int64]())
        if Store.mayExist(config.store) {
            let store = try Store(location: config.store)
            leases = try store.liveLeases()
            digests = try store.digestRecords()
            warnings = try UnderCounting.fromStore(store, config: config)
            statuses = Dictionary(try store.accountStatuses().map { ($0.account, $0) }, uniquingKeysWith: { a, _ in a })
            malformed = try store.malformedItems()
            stale = statuses.isEmpty ? [] : try store.staleReps(config.reps.map(\.id))
            let all = try store.adjustments()
            adjustments = (all.all.count, all.all.filter { $0.action != .revoke && !all.isRevoked($0.id) }.count,
                           try store.orphanedAdjustments(all).sorted())
        } else {
            statuses = [:]
        }
        let now = Date()
        let zone = config.timeZone
        var rows: [JSON] = []
        // The holder column where several workers share the store.
        let showHolder = config.store.isPostgres || !leases.isEmpty
        var table = TextTable(header: ["account", "rep", "kind", "last success", "lag", "items", "malformed"]
                                  + (showHolder ? ["holder"] : []) + ["last error"],
                              rightAligned: [5, 6])
        for a in config.accounts {
            let s = statuses[a.id]
            let lag = s?.lastSuccess.map { Int(now.timeIntervalSince($0)) }
            // An error newer than the last success is the account's current state.
            let failing = s.map { st in st.lastError != nil && (st.lastSuccess == nil || (st.lastErrorAt ?? .distantPast) >= st.lastSuccess!) } ?? false
            rows.append(.object([
                ("account", .string(a.id)), ("rep", .string(a.rep)), ("kind", .string(a.kind.rawValue)),
                ("state", .string(s == nil ? "never_synced" : failing ? "failing" : "ok")),
                ("last_attempt", .optional(s?.lastAttempt.map { rfc3339($0, in: zone) })),
                ("last_success", .optional(s?.lastSuccess.map { rfc3339($0, in: zone) })),
                ("last_error", .optional(failing ? s?.lastError : nil)),
                ("last_error_at", .optional(s?.lastErrorAt.map { rfc3339($0, in: zone) })),
                ("lag_seconds", lag.map(JSON.int) ?? .null),
                ("items_seen", .int(s?.itemsSeen ?? 0)),
                ("malformed", .int(malformed.filter { $0.account == a.id }.count)),
                ("holder", .optional(leases[a.id]?.holder)),
            ]))
            var cells: [String] = [a.id, a.rep, a.kind.rawValue, s?.lastSuccess.map { rfc3339($0, in: zone) } ?? "never",
                                   lag.map(StatusCommand.duration) ?? "", String(s?.itemsSeen ?? 0),
                                   String(malformed.filter { $0.account == a.id }.count)]
            if showHolder { cells.append(leases[a.id]?.holder ?? "") }
            cells.append(failing ? (s?.lastError ?? "") : "")
            table.add(cells)
        }
        let malformedJSON = malformed.map { m in
            JSON.object([("account", .string(m.account)), ("location", .string(m.location)), ("ref", .string(m.ref)),
                         ("kind", .string(m.kind.rawValue)), ("reason", .string(m.reason)),
                         ("first_seen", .string(rfc3339(m.firstSeen, in: zone))), ("last_seen", .string(rfc3339(m.lastSeen, in: zone)))])
        }
        switch format {
        case .json:
            let warningJSON = warnings.map { JSON.object([("account", .string($0.account)), ("warning", .string($0.warning))]) }
            printOut(JSON.object([("accounts", .array(rows)), ("malformed_items", .array(malformedJSON)),
                                  ("stale_reps", .array(stale.map(JSON.string))),
                                  ("under_counting", .array(warningJSON)),
                                  ("digests", .array(StatusCommand.digestJSON(digests, zone: zone))),
                                  ("adjustments", .object([("total", .int(adjustments.total)), ("standing", .int(adjustments.standing)),
                                                           ("orphaned", .array(adjustments.orphaned.map { .int(Int($0)) }))]))])
                .serialized(pretty: true) + "\n")
        case .table:
            var out = table.render()
            if !malformed.isEmpty {
                var items = TextTable(header: ["account", "where", "item", "why it was skipped"])
                for m in malformed { items.add([m.account, m.location, m.ref, m.reason]) }
                out += "\nMalformed items (stored where possible, not counted; `activity explain ITEM` shows one):\n" + items.render()
            }
            if !warnings.isEmpty {
                var items = TextTable(header: ["account", "possible under-counting"])
                for w in warnings { items.add([w.account, w.warning]) }
                out += "\nPossible under-counting (webmail settings that narrow what IMAP shows):\n" + items.render()
            }
            out += StatusCommand.digestTable(digests, zone: zone)
            if adjustments.total > 0 {
                out += "\nAdjustments: \(adjustments.standing) standing of \(adjustments.total) entries"
                if !adjustments.orphaned.isEmpty {
                    out += "; \(adjustments.orphaned.count) orphaned (their activity is gone after a rules change: "
                        + adjustments.orphaned.map { "#\($0)" }.joined(separator: ", ") + "; `activity adjust list` shows them)"
                }
                out += "\n"
            }
            if !stale.isEmpty {
                out += "\nLedger not yet updated for: \(stale.joined(separator: ", ")) (the next sync or `activity rebuild` does it)\n"
            }
            printOut(out)
        }
    }

    /// The weekly digest (issue 17): every user's record of the latest week, and any older one
    /// that was not sent.
    static func shownDigests(_ records: [DigestRecord]) -> [DigestRecord] {
        guard let latest = records.map(\.week).max() else { return [] }
        return records.filter { $0.week == latest || $0.state != .sent }
    }

    static func digestJSON(_ records: [DigestRecord], zone: TimeZone) -> [JSON] {
        shownDigests(records).map { d in
            .object([("user", .string(d.login)), ("week", .string(d.week)), ("email", .string(d.email)),
                     ("state", .string(d.state.rawValue)), ("attempts", .int(d.attempts)),
                     ("last_attempt", .optional(d.lastAttempt.map { rfc3339($0, in: zone) })),
                     ("sent_at", .optional(d.sentAt.map { rfc3339($0, in: zone) })),
                     ("last_error", .optional(d.state == .sent ? nil : d.lastError)),
                     ("message_id", .string(d.messageID))])
        }
    }

    static func digestTable(_ records: [DigestRecord], zone: TimeZone) -> String {
        let shown = shownDigests(records)
        guard !shown.isEmpty else { return "" }
        var table = TextTable(header: ["user", "week", "email", "state", "attempts", "when", "error"], rightAligned: [4])
        for d in shown {
            table.add([d.login, d.week, d.email, d.state.rawValue, String(d.attempts),
                       (d.sentAt ?? d.lastAttempt).map { rfc3339($0, in: zone) } ?? "", d.state == .sent ? "" : (d.lastError ?? "")])
        }
        return "\nWeekly digest (sent once per user and week; failed ones are retried, refused ones need --force):\n" + table.render()
    }

    static func duration(_ seconds: Int) -> String {
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 7200 { return "\(seconds / 60)m" }
        if seconds < 172_800 { return "\(seconds / 3600)h" }
        return "\(seconds / 86400)d"
    }
}
