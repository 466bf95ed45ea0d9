import Foundation
import ActivityCore
import ActivityConfig

/// The JSON and CSV of `activity export`.
enum ExportRendering {
    static func json(_ report: ExportReport) -> JSON {
        guard case .object(let fields) = jsonHead(report) else { return .null }
        return .object(fields + [("pipeline", .array(Array(pipelineJSON(report))))])
    }

    /// The JSON written to `out`, the pipeline's deals as they are rendered.
    static func writeJSON(_ report: ExportReport, to out: inout ByteWriter) {
        guard case .object(let fields) = jsonHead(report) else { return }
        JSON.writeObject(fields, thenArray: "pipeline", of: pipelineJSON(report), to: &out)
        out.append(byte: 0x0A)
    }

    /// The pipeline's deals, one JSON object each.
    static func pipelineJSON(_ report: ExportReport) -> some Sequence<JSON> {
        report.pipeline.rows.lazy.flatMap { row in
            row.deals.lazy.map { deal -> JSON in
                guard case .object(let fields) = PipelineCommand.dealJSON(deal, zone: row.zone) else { return .null }
                return .object([("rep", .string(row.rep.id)), ("team", .optional(row.rep.team))] + fields)
            }
        }
    }

    /// Every field but the last, `pipeline`.
    static func jsonHead(_ report: ExportReport) -> JSON {
        let e = report.export
        return .object([
            ("from", .string(e.from.description)),
            ("to", .string(e.to.description)),
            ("timezone", .string(report.timeZone.identifier)),
            ("rows", .array(e.rows.map { r in
                .object([
                    ("rep", .string(r.rep)), ("team", .optional(r.team)), ("week", .string(r.week.description)),
                    ("kind", .string(r.kind.rawValue)), ("actual", .int(r.actual)), ("target", number(r.target)),
                    ("attainment", number(r.attainment?.roundedRatio)), ("status", .optional(r.attainment?.status.rawValue)),
                ])
            })),
            ("totals", .array(e.totals.map { t in
                .object([
                    ("rep", .string(t.rep)), ("kind", .string(t.kind.rawValue)), ("actual", .int(t.actual)),
                    ("target", number(t.target)), ("attainment", number(t.attainment?.roundedRatio)),
                ])
            })),
            ("teams", .array(e.teams.map { t in
                .object([
                    ("team", .string(t.team)), ("week", .string(t.week.description)), ("kind", .string(t.kind.rawValue)),
                    ("actual", .int(t.actual)), ("target", number(t.target)), ("attainment", number(t.attainment?.roundedRatio)),
                ])
            })),
            ("funnel", .array(e.funnel.map { f in
                .object([
                    ("rep", .string(f.rep)), ("from", .string(f.from.rawValue)), ("to", .string(f.to.rawValue)),
                    ("ratio", number(f.ratio.map(Attainment.rounded))), ("norm", .double(Attainment.rounded(f.norm))),
                    ("from_step", .int(f.fromStep)), ("to_step", .int(f.toStep)),
                    ("from_name", .string(f.fromName)), ("to_name", .string(f.toName)),
                ])
            })),
            ("adjustments", AdjustmentListing.array(report.adjustments, zone: report.timeZone)),
            ("pipeline_date", .string(report.pipeline.day)),
        ])
    }

    static func number(_ d: Double?) -> JSON { d.map(JSON.double) ?? .null }

    /// The rows table only, one header row, with a byte-order mark so that Excel reads the UTF-8
    /// (Chinese names) correctly. Totals and team roll-ups are sums of these rows; the funnel
    /// is in the JSON, XLSX and HTML.
    static func csv(_ report: ExportReport) -> String {
        var out = ByteWriter()
        csv(report, to: &out)
        return out.string
    }

    static func csv(_ report: ExportReport, to out: inout ByteWriter) {
        out.append("\u{FEFF}rep,name,team,week,kind,actual,target,attainment,status\r\n")
        for r in report.export.rows {
            let cells = [r.rep, r.name, r.team ?? "", r.week.description, r.kind.rawValue, String(r.actual),
                         r.target.map(decimal) ?? "", r.attainment.map { decimal($0.roundedRatio) } ?? "",
                         r.attainment?.status.rawValue ?? ""]
            for (i, c) in cells.enumerated() {
                if i > 0 { out.append(byte: UInt8(ascii: ",")) }
                out.append(csvField(c))
            }
            out.append("\r\n")
            out.checkpoint()
        }
    }

    /// A number as the JSON writes it: 6, 0.5, 0.3333.
    static func decimal(_ d: Double) -> String { JSON.double(d).serialized() }
}
