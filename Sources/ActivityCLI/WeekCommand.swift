import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// `activity week`: a rep's (or everyone's) week against targets.
struct WeekCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "week",
        abstract: "Show a week: counts per kind against targets, the activities and their rules, follow-ups due, stages.")

    @OptionGroup var global: GlobalOptions

    @OptionGroup var reps: RepSelection

    @Option(name: .long, help: ArgumentHelp("The ISO week, e.g. 2026-W47 (default: the current week).", valueName: "WEEK"))
    var week: String?

    @Option(name: .long, help: ArgumentHelp("The week holding this date, e.g. 2026-11-18.", valueName: "DATE"))
    var date: String?

    @Option(name: .long, help: "table (for people), json or csv (for programs).")
    var format: WeekFormat = .table

    func validate() throws {
        if week != nil && date != nil { throw ValidationError("give --week or --date, not both") }
        if let week, ISOWeek(week) == nil { throw ValidationError("--week \(week): not an ISO week such as 2026-W47") }
        if let date, WeekCommand.parseDate(date) == nil { throw ValidationError("--date \(date): not a date such as 2026-11-18") }
    }

    func run() throws {
        let runtime = try Runtime.load(global)
        let config = runtime.config
        let reps = try self.reps.chosen(in: config)
        try runtime.requireExistingStore()
        let store = try Store(location: config.store)
        store.preferMappedReads()
        let now = Date()
        let isoWeek: ISOWeek
        if let week { isoWeek = ISOWeek(week)! }
        else if let date, let d = WeekCommand.parseDate(date) {
            isoWeek = ISOWeek(containing: d.addingTimeInterval(12 * 3600), in: TimeZone(identifier: "UTC")!)
        } else { isoWeek = ISOWeek(containing: now, in: config.timeZone) }

        let ledger = Ledger(config: config, store: store)
        let weeks = try reps.map { try ledger.repWeek($0, week: isoWeek, now: now) }
        // Written out as it is rendered, in pieces (`week --all` is megabytes).
        var out = ByteWriter(fd: 1)
        switch format {
        case .json: WeekRendering.writeJSON(weeks, week: isoWeek, config: config, to: &out)
        case .csv: WeekRendering.csv(weeks, to: &out)
        case .table: WeekRendering.table(weeks, week: isoWeek, color: isatty(1) != 0, to: &out)
        }
        out.flush()
    }

    static func parseDate(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: s)
    }
}

enum WeekFormat: String, ExpressibleByArgument, CaseIterable { case table, json, csv }
