import Foundation
import ActivityCore
import CXLSXWriter

/// The XLSX of `activity export`, written by libxlsxwriter: one sheet per table of the JSON
/// (rows, totals, teams, funnel) with the JSON's numbers, a frozen header row with filters,
/// percentages formatted as such, and attainment and status cells coloured by status.
enum ExportXLSX {
    /// Rows in an Excel sheet, the header row included.
    static let maxRows = 1_048_576

    enum Cell {
        case text(String)
        case number(Double)
        /// A ratio shown as a percentage, coloured by status when it has one.
        case percent(Double, Attainment.Status?)
        case status(Attainment.Status)
        case blank
    }

    static func workbook(_ report: ExportReport) throws -> Data {
        let e = report.export
        let path = NSTemporaryDirectory() + "/activity-export-\(getpid())-\(UUID().uuidString).xlsx"
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let book = workbook_new(path) else {
            throw ActivityError(.cantCreate, "cannot create a temporary workbook in \(NSTemporaryDirectory()); set TMPDIR to a writable directory")
        }
        let formats = Formats(book)

        func percent(_ a: Attainment?) -> Cell { a.map { .percent($0.roundedRatio, $0.status) } ?? .blank }
        func target(_ d: Double?) -> Cell { d.map(Cell.number) ?? .blank }
        func status(_ s: Attainment.Status?) -> Cell { s.map(Cell.status) ?? .blank }

        sheet(book, "rows", formats,
              header: ["rep", "name", "team", "week", "kind", "actual", "target", "attainment", "status"],
              widths: [12, 14, 10, 10, 12, 8, 8, 11, 9],
              rows: e.rows.map { r in
                  [.text(r.rep), .text(r.name), .text(r.team ?? ""), .text(r.week.description), .text(r.kind.rawValue),
                   .number(Double(r.actual)), target(r.target), percent(r.attainment), status(r.attainment?.status)]
              })
        sheet(book, "totals", formats,
              header: ["rep", "name", "team", "kind", "actual", "target", "attainment", "status"],
              widths: [12, 14, 10, 12, 8, 8, 11, 9],
              rows: e.totals.map { t in
                  [.text(t.rep), .text(t.name), .text(t.team ?? ""), .text(t.kind.rawValue), .number(Double(t.actual)),
                   target(t.target), percent(t.attainment), status(t.attainment?.status)]
              })
        sheet(book, "teams", formats,
              header: ["team", "name", "week", "kind", "actual", "target", "attainment", "status"],
              widths: [10, 14, 10, 12, 8, 8, 11, 9],
              rows: e.teams.map { t in
                  [.text(t.team), .text(t.name), .text(t.week.description), .text(t.kind.rawValue), .number(Double(t.actual)),
                   target(t.target), percent(t.attainment), status(t.attainment?.status)]
              })
        sheet(book, "funnel", formats,
              header: ["rep", "name", "from", "to", "from_orgs", "to_orgs", "ratio", "norm", "status", "from_step", "to_step"],
              widths: [12, 14, 10, 10, 10, 9, 9, 9, 9, 16, 16],
              rows: e.funnel.map { f in
                  [.text(f.rep), .text(f.name), .text(f.from.rawValue), .text(f.to.rawValue), .number(Double(f.fromOrgs)),
                   .number(Double(f.toOrgs)), f.ratio.map { .percent(Attainment.rounded($0), f.status) } ?? .blank,
                   .percent(Attainment.rounded(f.norm), nil), status(f.status),
                   .text(e.flow.label(of: f.fromStep)), .text(e.flow.label(of: f.toStep))]
              })

        let zone = report.timeZone
        sheet(book, "adjustments", formats,
              header: ["id", "made", "by", "action", "rep", "activity", "when", "kind", "from_kind", "org", "to", "title",
                       "reason", "state"],
              widths: [6, 17, 10, 11, 10, 18, 17, 11, 11, 20, 20, 30, 30, 18],
              rows: report.adjustments.map { r in
                  let a = r.adjustment
                  func time(_ d: Date?) -> Cell { .text(d.map { String(rfc3339($0, in: zone).prefix(16)).replacingOccurrences(of: "T", with: " ") } ?? "") }
                  return [.number(Double(a.id)), time(a.madeAt), .text(a.by),
                          .text(a.action == .revoke ? "revoke #\(a.revokes ?? 0)" : a.action.rawValue), .text(a.rep ?? ""),
                          .text(a.activity ?? ""), time(a.activityAt), .text(a.kind?.rawValue ?? ""),
                          .text(a.fromKind?.rawValue ?? ""), .text(a.org ?? ""), .text(a.toOrg ?? ""), .text(a.title ?? ""),
                          .text(a.reason), .text(AdjustmentListing.state(r))]
              })

        sheet(book, "pipeline", formats,
              header: ["rep", "name", "team", "class", "org", "stage", "step", "last_activity", "days_since", "next", "stale"],
              widths: [12, 14, 10, 7, 22, 7, 12, 17, 10, 14, 7],
              rows: report.pipelineRows.map { r in
                  [.text(r.rep.id), .text(r.rep.name), .text(r.rep.team ?? ""), .text(r.deal.dealClass.rawValue), .text(r.deal.org),
                   .number(Double(r.deal.stage)), .text(r.deal.stepName),
                   .text(String(rfc3339(r.deal.lastActivity, in: r.zone).prefix(16)).replacingOccurrences(of: "T", with: " ")),
                   .number(Double(r.deal.daysSince)), .text(r.deal.next), .text(r.deal.stale ? "stale" : "")]
              })

        let rc = workbook_close(book)
        guard rc == LXW_NO_ERROR else {
            throw ActivityError(.ioError, "writing the workbook failed: \(String(cString: lxw_strerror(rc)))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ActivityError(.ioError, "the workbook \(path) was not written")
        }
        return data
    }

    /// One table on its own sheet: a bold header row that stays in view, with filters.
    static func sheet(_ book: UnsafeMutablePointer<lxw_workbook>, _ name: String, _ f: Formats,
                      header: [String], widths: [Double], rows: [[Cell]]) {
        let ws = workbook_add_worksheet(book, name)
        for (c, title) in header.enumerated() {
            worksheet_write_string(ws, 0, lxw_col_t(c), title, f.header)
            worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), widths[c], nil)
        }
        for (i, row) in rows.enumerated() {
            let r = lxw_row_t(i + 1)
            for (c, cell) in row.enumerated() {
                let col = lxw_col_t(c)
                switch cell {
                case .text(let s): worksheet_write_string(ws, r, col, s, nil)
                case .number(let d): worksheet_write_number(ws, r, col, d, nil)
                case .percent(let d, let status): worksheet_write_number(ws, r, col, d, f.percent(status))
                case .status(let s): worksheet_write_string(ws, r, col, s.rawValue, f.status(s))
                case .blank: break
                }
            }
        }
        worksheet_freeze_panes(ws, 1, 0)
        worksheet_autofilter(ws, 0, 0, lxw_row_t(rows.count), lxw_col_t(header.count - 1))
    }

    /// The workbook's cell formats. Colours are Excel's own "Good", "Neutral" and "Bad" styles.
    struct Formats {
        let header: UnsafeMutablePointer<lxw_format>
        let plainPercent: UnsafeMutablePointer<lxw_format>
        let percents: [Attainment.Status: UnsafeMutablePointer<lxw_format>]
        let statuses: [Attainment.Status: UnsafeMutablePointer<lxw_format>]

        static let colours: [Attainment.Status: (fill: lxw_color_t, font: lxw_color_t)] = [
            .met: (0xC6EFCE, 0x006100), .near: (0xFFEB9C, 0x9C5700), .behind: (0xFFC7CE, 0x9C0006),
        ]
        static let percentFormat = "0.0%"

        init(_ book: UnsafeMutablePointer<lxw_workbook>) {
            header = workbook_add_format(book)
            format_set_bold(header)
            format_set_bottom(header, UInt8(LXW_BORDER_THIN.rawValue))
            format_set_pattern(header, UInt8(LXW_PATTERN_SOLID.rawValue))
            format_set_bg_color(header, 0xE7E6E6)
            plainPercent = workbook_add_format(book)
            format_set_num_format(plainPercent, Formats.percentFormat)
            var percents: [Attainment.Status: UnsafeMutablePointer<lxw_format>] = [:]
            var statuses: [Attainment.Status: UnsafeMutablePointer<lxw_format>] = [:]
            for (status, colour) in Formats.colours {
                for isPercent in [true, false] {
                    let fmt = workbook_add_format(book)!
                    if isPercent { format_set_num_format(fmt, Formats.percentFormat) }
                    format_set_pattern(fmt, UInt8(LXW_PATTERN_SOLID.rawValue))
                    format_set_bg_color(fmt, colour.fill)
                    format_set_font_color(fmt, colour.font)
                    if isPercent { percents[status] = fmt } else { statuses[status] = fmt }
                }
            }
            self.percents = percents
            self.statuses = statuses
        }

        func percent(_ status: Attainment.Status?) -> UnsafeMutablePointer<lxw_format> {
            status.flatMap { percents[$0] } ?? plainPercent
        }

        func status(_ status: Attainment.Status) -> UnsafeMutablePointer<lxw_format>? { statuses[status] }
    }
}
