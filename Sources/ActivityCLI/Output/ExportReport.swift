import Foundation
import ActivityCore
import ActivityConfig

/// An export and what its renderings need besides: the ledger zone, the team asked for, and the
/// weeks not over yet (marked in the HTML).
struct ExportReport {
    var export: LedgerExport
    var timeZone: TimeZone
    var team: String?
    var openWeeks: Set<ISOWeek>
    /// The adjustments of these reps' activities in these weeks, and every alias.
    var adjustments: [AdjustmentListing.Row] = []
    /// Each rep's open deals at the end of the period (now, while its last week is not over).
    var pipeline = PipelineCommand.Review(day: "", rows: [])

    /// The pipeline as one table: a row per rep and deal, in rep order, best deal first.
    var pipelineRows: [(rep: Config.Rep, zone: TimeZone, deal: Pipeline.Deal)] {
        pipeline.rows.flatMap { row in row.deals.map { (row.rep, row.zone, $0) } }
    }
}
