import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// `activity export`: the manager's rep × week report over a range of weeks, as CSV, XLSX, JSON
/// or HTML (INTERFACE.md *JSON of `activity export`*).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export rep × week rows against targets, period totals, team roll-ups and the funnel (CSV, XLSX, JSON, HTML).")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The first ISO week, e.g. 2026-W40.", valueName: "WEEK"))
    var from: String

    @Option(name: .long, help: ArgumentHelp("The last ISO week, included (default: the current week).", valueName: "WEEK"))
    var to: String?

    @Option(name: .long, help: ArgumentHelp("Only the reps of this team.", valueName: "ID"))
    var team: String?

    @Option(name: .long, help: "csv, xlsx, json or html (default: from the --output extension, else csv).")
    var format: ExportFormat?

    @Option(name: .long, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "PATH"))
    var output: String?

    func validate() throws {
        guard ISOWeek(from) != nil else { throw ValidationError("--from \(from): not an ISO week such as 2026-W40") }
        if let to {
            guard let last = ISOWeek(to) else { throw ValidationError("--to \(to): not an ISO week such as 2026-W47") }
            if last < ISOWeek(from)! { throw ValidationError("--to \(to) is before --from \(from)") }
        }
        if resolvedFormat.isBinary && output == nil && isatty(1) != 0 {
            throw ValidationError("--format \(resolvedFormat.rawValue) writes a binary file, not text for a terminal: give --output PATH (e.g. --output ledger.\(resolvedFormat.rawValue)), or redirect stdout to a file")
        }
    }

    /// The format asked for, else the one the output file's extension names, else CSV.
    var resolvedFormat: ExportFormat {
        if let format { return format }
        if let output, let byExtension = ExportFormat(extension: (output as NSString).pathExtension) { return byExtension }
        return .csv
    }

    func run() throws {
        let format = resolvedFormat
        let runtime = try Runtime.load(global)
        let config = runtime.config
        let now = Date()
        let first = ISOWeek(from)!
        let last = to.flatMap(ISOWeek.init) ?? ISOWeek(containing: now, in: config.timeZone)
        if last < first {
            throw ActivityError(.usage, "--from \(first) is after the current week \(last); give --to WEEK")
        }
        if let team, !config.teams.contains(where: { $0.id == team }) {
            throw ActivityError(.usage, "--team \(team): no such team in \(config.file) (teams: \(config.teams.map(\.id).joined(separator: ", ")))")
        }
        try runtime.requireExistingStore()
        let store = try Store(location: config.store)
        store.preferMappedReads()
        let reps = config.reps.filter { team == nil || $0.team == team }
        let rowCount = reps.count * ISOWeek.count(from: first, to: last) * Kind.allCases.count
        if format == .xlsx && rowCount >= ExportXLSX.maxRows {
            throw ActivityError(.usage, "--from \(first) --to \(last): \(rowCount) rows, more than an XLSX sheet holds (\(ExportXLSX.maxRows - 1) below its header); export fewer weeks, one --team at a time, or --format csv")
        }
        let report = try ExportCommand.report(config: config, store: store, from: first, to: last, reps: reps, team: team, now: now,
                                              pipeline: format.hasPipeline)
        if format == .xlsx {
            let data = try ExportCommand.render(report, format: format)
            if let output {
                do {
                    try data.write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw ActivityError(.cantCreate, "--output \(output): cannot write the file (\(ExportCommand.reason(error))); check that its directory exists and is writable")
                }
            } else {
                FileHandle.standardOutput.write(data)
            }
            return
        }
        // The text formats are written as they are rendered, in pieces (the JSON of a million
        // activities' pipeline is tens of megabytes): to stdout, or to a temporary file beside
        // --output that replaces it when complete.
        if let output {
            try ExportCommand.writeAtomically(output) { ExportCommand.write(report, format: format, to: &$0) }
        } else {
            var out = ByteWriter(fd: 1)
            ExportCommand.write(report, format: format, to: &out)
            out.flush()
        }
    }

    /// Writes `path` by way of a temporary file in its directory, renamed over it once complete.
    static func writeAtomically(_ path: String, _ body: (inout ByteWriter) -> Void) throws {
        func failed(_ code: Int32) -> ActivityError {
            ActivityError(.cantCreate, "--output \(path): cannot write the file (\(String(cString: strerror(code)))); check that its directory exists and is writable")
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw failed(errno) }
        var out = ByteWriter(fd: fd)
        body(&out)
        out.flush()
        var code = out.failure
        if close(fd) != 0 && code == 0 { code = errno }
        if code == 0 && rename(temporary, path) != 0 { code = errno }
        if code != 0 {
            unlink(temporary)
            throw failed(code)
        }
    }

    /// The export of `reps` over [first, last]: what the command and the web view's downloads render
    /// (the team page's heat map needs no `pipeline`).
    static func report(config: Config, store: Store, from first: ISOWeek, to last: ISOWeek, reps: [Config.Rep],
                       team: String?, now: Date, pipeline: Bool = true) throws -> ExportReport {
        let visible = Set(reps.map(\.id))
        let export = LedgerExport.build(
            from: first, to: last,
            reps: reps.map { LedgerExport.Rep(id: $0.id, name: $0.name, team: $0.team, startDate: $0.startDate) },
            teams: config.teams.map { .init(id: $0.id, name: $0.name) },
            plan: Ledger(config: config, store: store).plan,
            counts: try store.weeklyCounts(from: first, to: last).filter { visible.contains($0.key) },
            organisations: try store.organisationCounts(from: first, to: last).filter { visible.contains($0.key) },
            flow: config.flow,
            stepOrganisations: config.flow.isStandard ? nil
                : try stepOrganisations(store: store, from: first, to: last, flow: config.flow, reps: visible))
        // The adjustments behind these counts (DOMAIN.md "Corrections": exports carry them).
        let adjustments = try store.adjustments()
        let rows = AdjustmentListing.rows(adjustments, orphaned: try store.orphanedAdjustments(adjustments), config: config,
                                          reps: visible, weeks: first...last)
        // The weekly review at the period's end: the last day of `last`, or now while it is not over.
        let ledger = Ledger(config: config, store: store)
        let lastDay = last.end(in: config.timeZone).addingTimeInterval(-1)
        let review = pipeline ? try PipelineCommand.review(ledger, reps: reps, date: lastDay < now ? isoDate(lastDay, in: config.timeZone) : nil, now: now)
            : PipelineCommand.Review(day: "", rows: [])
        return ExportReport(export: export, timeZone: config.timeZone, team: team,
                            openWeeks: Set(export.weeks.filter { $0.end(in: config.timeZone) > now }), adjustments: rows,
                            pipeline: review)
    }

    /// Distinct organisations per rep and step of `flow` over the weeks (the funnel under a flow).
    static func stepOrganisations(store: Store, from: ISOWeek, to: ISOWeek, flow: Flow, reps: Set<String>) throws -> [String: [Int: Int]] {
        var orgs: [String: [Int: Set<String>]] = [:]
        for e in try store.flowOrganisations(from: from, to: to, titlesFor: flow.titleKinds) where reps.contains(e.rep) {
            let step = flow.step(of: e.kind, title: e.title)
            guard step > 0 else { continue }
            orgs[e.rep, default: [:]][step, default: []].insert(e.org)
        }
        return orgs.mapValues { $0.mapValues(\.count) }
    }

    static func render(_ report: ExportReport, format: ExportFormat) throws -> Data {
        if format == .xlsx { return try ExportXLSX.workbook(report) }
        var out = ByteWriter()
        write(report, format: format, to: &out)
        return Data(out.bytes)
    }

    /// A text format's bytes (not XLSX) written to `out`.
    static func write(_ report: ExportReport, format: ExportFormat, to out: inout ByteWriter) {
        switch format {
        case .json: ExportRendering.writeJSON(report, to: &out)
        case .csv: ExportRendering.csv(report, to: &out)
        case .html: ExportHTML.page(report, to: &out)
        case .xlsx: break
        }
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}

enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, xlsx, json, html

    init?(extension ext: String) {
        switch ext.lowercased() {
        case "csv": self = .csv
        case "xlsx": self = .xlsx
        case "json": self = .json
        case "html", "htm": self = .html
        default: return nil
        }
    }

    /// Formats that carry the pipeline table (the CSV is the rows table alone): the review is
    /// computed for these only.
    var hasPipeline: Bool { self != .csv }

    /// Formats that are not text: never written to a terminal.
    var isBinary: Bool { self == .xlsx }
}
