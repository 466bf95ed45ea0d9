import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// `activity pipeline`: seed 001's weekly review (过堂) — each rep's open deals by class A/B/C.
struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Show each rep's open deals by class A/B/C: stage, last activity, days since, what comes next.",
        discussion: """
            A deal is an organisation that reached 初步接洽 or beyond without 回款. A: 合作缔结 with activity \
            in the last 14 days; B: 面谈 or 产品展示 within 30 days, or 合作缔结 15–45 days ago; C: the rest. \
            Stale after 45 days without activity; gone after 180. The thresholds are set under [pipeline]. \
            Under another [ledger] flow (yonyou7, keyaccount6, a [[flow]]) the stages, their names, the \
            classes and the next steps are that flow's.
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var reps: RepSelection

    @Option(name: .long, help: ArgumentHelp("The review's day, e.g. 2026-11-22 (default: now).", valueName: "DATE"))
    var date: String?

    @Option(name: .long, help: "table (for people) or json (for programs).")
    var format: PipelineFormat = .table

    func validate() throws {
        if let date, WeekCommand.parseDate(date) == nil { throw ValidationError("--date \(date): not a date such as 2026-11-22") }
    }

    func run() throws {
        let runtime = try Runtime.load(global)
        let config = runtime.config
        let reps = try self.reps.chosen(in: config)
        try runtime.requireExistingStore()
        let ledger = Ledger(config: config, store: try Store(location: config.store))
        let review = try PipelineCommand.review(ledger, reps: reps, date: date, now: Date())
        switch format {
        case .json: printOut(PipelineCommand.json(review).serialized(pretty: true) + "\n")
        case .table: printOut(PipelineCommand.table(review.rows.map { ($0.rep, $0.deals) }, day: review.day))
        }
    }

    /// Each rep's open deals on `date` (yyyy-MM-dd, to the day's end in the rep's zone), else now.
    struct Review {
        var day: String
        var rows: [(rep: Config.Rep, zone: TimeZone, deals: [Pipeline.Deal])]
    }

    static func review(_ ledger: Ledger, reps: [Config.Rep], date: String?, now: Date) throws -> Review {
        var rows: [(rep: Config.Rep, zone: TimeZone, deals: [Pipeline.Deal])] = []
        var moments: [TimeZone: Date?] = [:]  // a DateFormatter a zone, not a rep
        for r in reps {
            let zone = ledger.config.profile(r).timeZone
            // A review on a day sees that whole day: up to its last second in the rep's zone.
            let end: Date?
            if let known = moments[zone] { end = known } else {
                end = date.flatMap { PipelineCommand.endOfDay($0, in: zone) }
                moments[zone] = end
            }
            let moment = end ?? now
            rows.append((r, zone, try ledger.pipeline(r, at: moment)))
        }
        return Review(day: date ?? isoDate(now, in: ledger.config.timeZone), rows: rows)
    }

    /// The JSON of `pipeline --format json` (and of the web view's /api/pipeline).
    static func json(_ review: Review) -> JSON {
        JSON.object([
            ("date", .string(review.day)),
            ("reps", .array(review.rows.map { row in
                .object([("rep", .string(row.rep.id)), ("deals", .array(row.deals.map { PipelineCommand.dealJSON($0, zone: row.zone) }))])
            })),
        ])
    }

    /// The last second of `day` (yyyy-MM-dd) in `zone`.
    static func endOfDay(_ day: String, in zone: TimeZone) -> Date? {
        guard let utc = WeekCommand.parseDate(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: utc)
        calendar.timeZone = zone
        guard let start = calendar.date(from: parts), let next = calendar.date(byAdding: .day, value: 1, to: start) else { return nil }
        return next.addingTimeInterval(-1)
    }

    static func dealJSON(_ d: Pipeline.Deal, zone: TimeZone) -> JSON {
        .object([
            ("org", .string(d.org)),
            ("stage", .int(d.stage)),
            ("step", .string(d.stepName)),
            ("class", .string(d.dealClass.rawValue)),
            ("last_activity", .string(rfc3339(d.lastActivity, in: zone))),
            ("days_since", .int(d.daysSince)),
            ("next", .string(d.next)),
            ("stale", .bool(d.stale)),
        ])
    }

    /// `A 2  B 1  C 4  stale 1`: the review's line, in `pipeline` and `week`.
    static func countsText(_ c: Pipeline.Counts) -> String {
        "A \(c.a)  B \(c.b)  C \(c.c)" + (c.stale > 0 ? "  stale \(c.stale)" : "")
    }

    /// `{"A": 2, "B": 1, "C": 4, "stale": 1}`: a rep's deal counts in `week`'s JSON.
    static func countsJSON(_ c: Pipeline.Counts) -> JSON {
        .object([("A", .int(c.a)), ("B", .int(c.b)), ("C", .int(c.c)), ("stale", .int(c.stale))])
    }

    static func table(_ reps: [(rep: Config.Rep, deals: [Pipeline.Deal])], day: String) -> String {
        var out = ""
        for (rep, deals) in reps {
            out += "\(rep.name) (\(rep.id)) \(day): \(countsText(Pipeline.Counts(deals)))\n"
            guard !deals.isEmpty else { out += "  no open deals\n\n"; continue }
            var table = TextTable(header: ["class", "org", "stage", "days", "next"], rightAligned: [3])
            for d in deals {
                table.add([d.dealClass.rawValue + (d.stale ? " stale" : ""), d.org, "\(d.stage) \(d.stepName)", String(d.daysSince), d.next])
            }
            out += table.render().split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        return out
    }
}

enum PipelineFormat: String, ExpressibleByArgument, CaseIterable { case table, json }
