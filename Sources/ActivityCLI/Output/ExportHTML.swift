import Foundation
import ActivityCore

/// The HTML of `activity export`: one self-contained page (inline CSS and SVG, nothing loaded
/// from elsewhere) with a heat map of attainment per rep, kind and week, the period totals, the
/// team roll-ups and the funnel against its norms. Readable on screen and printable (A4 landscape).
enum ExportHTML {
    /// Fill and text colours per status: the same as the XLSX (Excel's Good, Neutral, Bad).
    static let colours: [Attainment.Status: (fill: String, text: String)] = [
        .met: ("#c6efce", "#006100"), .near: ("#ffeb9c", "#9c5700"), .behind: ("#ffc7ce", "#9c0006"),
    ]
    static let noTarget = (fill: "#f2f2f2", text: "#808080")

    static func page(_ report: ExportReport) -> String {
        var out = ByteWriter()
        page(report, to: &out)
        return out.string
    }

    /// The page written to `out`, the pipeline's deals as they are rendered.
    static func page(_ report: ExportReport, to out: inout ByteWriter) {
        let e = report.export
        let zone = report.timeZone
        let title = "Activity ledger \(e.from) – \(e.to)"
        let firstDay = isoDate(e.from.start(in: zone), in: zone)
        let lastDay = isoDate(e.to.end(in: zone).addingTimeInterval(-1), in: zone)
        var meta = "\(e.weeks.count) week\(e.weeks.count == 1 ? "" : "s"), \(firstDay) to \(lastDay), \(zone.identifier)"
        if let team = report.team, let t = e.teamList.first(where: { $0.id == team }) { meta += " · team \(t.name) (\(t.id))" }
        meta += " · \(e.reps.count) rep\(e.reps.count == 1 ? "" : "s")"
        if !report.openWeeks.isEmpty {
            meta += " · weeks marked … are not over yet"
        }
        out.append(HTMLDocument.head(title: title, css: css))
        out.append("""
            <header>
            <h1>\(esc(title)) <span class="zh">销售活动周报</span></h1>
            <p class="meta">\(esc(meta))</p>
            </header>
            <section id="heatmap">
            <h2>Attainment per rep and week <span class="zh">达成率</span></h2>
            \(legend)
            \(heatMap(report))
            </section>
            <section id="totals">
            <h2>Period totals <span class="zh">期间合计</span></h2>
            \(totalsTable(e))
            </section>
            <section id="teams">
            <h2>Team roll-ups <span class="zh">团队汇总</span></h2>
            \(teamsTable(report))
            </section>
            <section id="funnel">
            <h2>Funnel conversion <span class="zh">漏斗转化</span></h2>
            <p class="note">\(esc(funnelNote(e.flow)))</p>
            \(funnelTable(e))
            </section>

            """)
        pipelineSection(report, to: &out)
        out.append("""

            \(adjustmentsSection(report))
            <footer>activity \(ActivityVersion.string) · attainment = actual ÷ target; met ≥ 100 %, near ≥ 80 %, behind below</footer>
            """)
        out.append(HTMLDocument.tail)
    }

    static let css = """
        body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif;
               color: #222; margin: 24px; font-size: 14px; }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
        .zh { color: #666; font-weight: normal; font-size: 0.8em; margin-left: 6px; }
        .meta, .note { color: #555; margin: 4px 0 8px; }
        .legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 3px; font-size: 12px; }
        .chart { overflow-x: auto; }
        svg { max-width: 100%; height: auto; }
        table { border-collapse: collapse; font-size: 13px; }
        th, td { border: 1px solid #d0d0d0; padding: 3px 7px; text-align: right; white-space: nowrap; }
        th { background: #e7e6e6; }
        td.l, th.l { text-align: left; }
        td.met { background: #c6efce; color: #006100; }
        td.near { background: #ffeb9c; color: #9c5700; }
        td.behind { background: #ffc7ce; color: #9c0006; }
        td.none { color: #808080; }
        footer { margin-top: 28px; color: #777; font-size: 12px; }
        * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        @page { size: A4 landscape; margin: 10mm; }
        @media print {
            body { margin: 0; font-size: 10pt; }
            h2 { margin-top: 14px; }
            section { break-inside: avoid-page; }
            .chart { overflow: visible; }
            table { font-size: 9pt; }
        }
        """

    static var legend: String {
        let items: [(String, String, String)] = [
            ("met ≥ 100 %", colours[.met]!.fill, colours[.met]!.text),
            ("near ≥ 80 %", colours[.near]!.fill, colours[.near]!.text),
            ("behind", colours[.behind]!.fill, colours[.behind]!.text),
            ("no target", noTarget.fill, noTarget.text),
        ]
        return "<p class=\"legend\">" + items.map { "<span style=\"background:\($0.1);color:\($0.2)\">\(esc($0.0))</span>" }.joined() + "</p>"
    }

    /// Rows: each rep's kinds that have a target in some week; columns: weeks. Cells coloured
    /// by status and labelled with the attainment.
    static func heatMap(_ report: ExportReport) -> String {
        let e = report.export
        let byKey = Dictionary(e.rows.map { ("\($0.rep)|\($0.week)|\($0.kind.rawValue)", $0) }, uniquingKeysWith: { a, _ in a })
        var lines: [(rep: LedgerExport.Rep, kind: Kind)] = []
        for rep in e.reps {
            let kinds = Set(e.rows.filter { $0.rep == rep.id && $0.attainment != nil }.map(\.kind))
            for kind in Kind.allCases where kinds.contains(kind) { lines.append((rep, kind)) }
        }
        if lines.isEmpty { return "<p class=\"note\">No rep has a target in these weeks.</p>" }

        let cellW = 50.0, cellH = 24.0, headerH = 40.0, gap = 6.0
        let labels = lines.map { "\($0.rep.name) · \($0.kind.rawValue)" }
        let labelW = Double(labels.map(displayWidth).max() ?? 10) * 7.5 + 16
        var y = headerH
        var body = ""
        var previousRep: String?
        for (i, line) in lines.enumerated() {
            if let previousRep, previousRep != line.rep.id { y += gap }
            previousRep = line.rep.id
            body += "<text x=\"\(fmt(labelW - 8))\" y=\"\(fmt(y + cellH / 2 + 4))\" text-anchor=\"end\" class=\"label\">\(esc(labels[i]))</text>\n"
            for (c, week) in e.weeks.enumerated() {
                let x = labelW + Double(c) * cellW
                let row = byKey["\(line.rep.id)|\(week)|\(line.kind.rawValue)"]
                let fill: String, ink: String, text: String, tip: String
                if let a = row?.attainment {
                    let colour = colours[a.status]!
                    fill = colour.fill
                    ink = colour.text
                    text = String(format: "%.0f%%", a.ratio * 100)
                    tip = "\(line.rep.name) (\(line.rep.id)) \(line.kind.rawValue) \(week): \(a.actual) of \(ExportRendering.decimal(a.target)), \(text), \(a.status.rawValue)"
                } else {
                    fill = noTarget.fill
                    ink = noTarget.text
                    text = "–"
                    tip = "\(line.rep.name) (\(line.rep.id)) \(line.kind.rawValue) \(week): \(row?.actual ?? 0), no target"
                }
                let open = report.openWeeks.contains(week)
                let stroke = open ? " stroke=\"#555\" stroke-dasharray=\"3 2\"" : " stroke=\"#fff\""
                body += "<g><title>\(esc(tip))</title><rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(cellW))\" height=\"\(fmt(cellH))\" fill=\"\(fill)\"\(stroke)/>"
                body += "<text x=\"\(fmt(x + cellW / 2))\" y=\"\(fmt(y + cellH / 2 + 4))\" text-anchor=\"middle\" fill=\"\(ink)\">\(esc(text))</text></g>\n"
            }
            y += cellH
        }
        var header = ""
        var lastYear: Int?
        for (c, week) in e.weeks.enumerated() {
            let x = labelW + Double(c) * cellW + cellW / 2
            if week.year != lastYear {
                header += "<text x=\"\(fmt(x))\" y=\"14\" text-anchor=\"middle\" class=\"year\">\(week.year)</text>\n"
                lastYear = week.year
            }
            let open = report.openWeeks.contains(week)
            header += "<text x=\"\(fmt(x))\" y=\"32\" text-anchor=\"middle\" class=\"week\">W\(String(format: "%02d", week.week))\(open ? "…" : "")</text>\n"
        }
        let width = labelW + Double(e.weeks.count) * cellW + 4
        let height = y + 4
        return """
            <div class="chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="attainment per rep, kind and week" \
            width="\(fmt(width))" height="\(fmt(height))" viewBox="0 0 \(fmt(width)) \(fmt(height))" font-size="12">
            <style>.label { fill: #222; } .week { fill: #444; font-weight: bold; } .year { fill: #888; }</style>
            \(header)\(body)</svg></div>
            """
    }

    static func totalsTable(_ e: LedgerExport) -> String {
        let kinds = e.targetedKinds
        var html = "<table><thead><tr><th class=\"l\">rep</th><th class=\"l\">name</th><th class=\"l\">team</th>"
        for k in kinds { html += "<th>\(esc(k.rawValue)) <span class=\"zh\">\(esc(e.flow.label(of: k)))</span></th>" }
        html += "</tr></thead><tbody>\n"
        let byKey = Dictionary(e.totals.map { ("\($0.rep)|\($0.kind.rawValue)", $0) }, uniquingKeysWith: { a, _ in a })
        for rep in e.reps {
            html += "<tr><td class=\"l\">\(esc(rep.id))</td><td class=\"l\">\(esc(rep.name))</td><td class=\"l\">\(esc(rep.team ?? ""))</td>"
            for k in kinds {
                let t = byKey["\(rep.id)|\(k.rawValue)"]
                html += cell(actual: t?.actual ?? 0, attainment: t?.attainment)
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table>"
    }

    static func teamsTable(_ report: ExportReport) -> String {
        let e = report.export
        if e.teamList.isEmpty { return "<p class=\"note\">No rep in this export belongs to a team.</p>" }
        let kinds = e.targetedKinds
        var html = "<table><thead><tr><th class=\"l\">team</th><th class=\"l\">kind</th>"
        for w in e.weeks { html += "<th>\(esc(w.description))\(report.openWeeks.contains(w) ? "…" : "")</th>" }
        html += "<th>period</th></tr></thead><tbody>\n"
        let byKey = Dictionary(e.teams.map { ("\($0.team)|\($0.week)|\($0.kind.rawValue)", $0) }, uniquingKeysWith: { a, _ in a })
        for team in e.teamList {
            for k in kinds {
                html += "<tr><td class=\"l\">\(esc(team.name)) (\(esc(team.id)))</td><td class=\"l\">\(esc(k.rawValue))</td>"
                var actual = 0
                var target: Double?
                for w in e.weeks {
                    let t = byKey["\(team.id)|\(w)|\(k.rawValue)"]
                    html += cell(actual: t?.actual ?? 0, attainment: t?.attainment)
                    actual += t?.actual ?? 0
                    if let tt = t?.target { target = (target ?? 0) + tt }
                }
                html += cell(actual: actual, attainment: target.map { Attainment(target: $0, actual: actual) }) + "</tr>\n"
            }
        }
        return html + "</tbody></table>"
    }

    /// The funnel's explanation: the T6 norms, and under another flow the steps they are read on.
    static func funnelNote(_ flow: Flow) -> String {
        let t6 = "against the T6 norms (信息 540 → 初访 108 → 演示 36 → 商务 18 → 签约 9 a year); 签约 is counted as 回款 (payment)"
        if flow.isStandard { return "Distinct organisations per step over the period, \(t6)." }
        let steps = LedgerExport.funnelPoints(flow)
        let chain = ([steps.first.map { flow.label(of: $0.fromStep) }] + steps.map { flow.label(of: $0.toStep) }).compactMap { $0 }
        return "Distinct organisations per step of the flow \(flow.name) (\(flow.id)) over the period, \(chain.joined(separator: " → ")), \(t6)."
    }

    static func funnelTable(_ e: LedgerExport) -> String {
        let names: [Kind: String] = [.lead: "信息", .visit: "初访", .demo: "演示", .closing: "商务", .payment: "签约"]
        var html = "<table><thead><tr><th class=\"l\">rep</th><th class=\"l\">name</th>"
        for step in LedgerExport.funnelPoints(e.flow) {
            let zh = e.flow.isStandard ? "\(names[step.from] ?? "") → \(names[step.to] ?? "")"
                : "\(e.flow.name(of: step.fromStep)) → \(e.flow.name(of: step.toStep))"
            html += "<th>\(esc(step.from.rawValue)) → \(esc(step.to.rawValue))<br><span class=\"zh\">\(esc(zh)) norm \(pct(step.norm))</span></th>"
        }
        html += "</tr></thead><tbody>\n"
        for rep in e.reps {
            html += "<tr><td class=\"l\">\(esc(rep.id))</td><td class=\"l\">\(esc(rep.name))</td>"
            for f in e.funnel where f.rep == rep.id {
                if let ratio = f.ratio, let status = f.status {
                    html += "<td class=\"\(status.rawValue)\">\(f.toOrgs) / \(f.fromOrgs) = \(pct(ratio))</td>"
                } else {
                    html += "<td class=\"none\">\(f.toOrgs) / 0</td>"
                }
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table>"
    }

    static func cell(actual: Int, attainment: Attainment?) -> String {
        guard let a = attainment else { return "<td class=\"none\">\(actual)</td>" }
        return "<td class=\"\(a.status.rawValue)\">\(actual) / \(esc(ExportRendering.decimal(a.target))) · \(pct(a.ratio))</td>"
    }

    static func pct(_ ratio: Double) -> String { String(format: "%.0f%%", ratio * 100) }

    static func fmt(_ d: Double) -> String { ExportRendering.decimal((d * 10).rounded() / 10) }

    static func esc(_ s: String) -> String { s.markupEscaped }

    /// Seed 001's weekly review at the period's end: each rep's A/B/C counts, then the deals.
    static func pipelineSection(_ report: ExportReport, to out: inout ByteWriter) {
        out.append("""
            <section id="pipeline">
            <h2>Open deals on \(esc(report.pipeline.day)) <span class="zh">过堂</span></h2>
            <p class="note">Each rep\u{2019}s open deals by class, as <code>activity pipeline</code> gives them (thresholds under [pipeline]).</p>
            <table><thead><tr><th>class</th><th>org</th><th>stage</th><th>last activity</th><th>days</th><th>next</th></tr></thead>
            <tbody>

            """)
        for row in report.pipeline.rows {
            let counts = Pipeline.Counts(row.deals)
            out.append("<tr class=\"rep\"><th colspan=\"6\">\(esc(row.rep.name)) (\(esc(row.rep.id))): \(esc(PipelineCommand.countsText(counts)))</th></tr>\n")
            for d in row.deals {
                out.append("<tr><td>")
                out.append(esc(d.dealClass.rawValue))
                if d.stale { out.append(" stale") }
                out.append("</td><td>")
                out.append(esc(d.org))
                out.append("</td><td>")
                out.append(int: d.stage)
                out.append(byte: 0x20)
                out.append(esc(d.stepName))
                out.append("</td><td>")
                out.append(esc(isoDate(d.lastActivity, in: row.zone)))
                out.append("</td><td class=\"num\">")
                out.append(int: d.daysSince)
                out.append("</td><td>")
                out.append(esc(d.next))
                out.append("</td></tr>\n")
                out.checkpoint()
            }
        }
        out.append("</tbody></table>\n</section>")
    }

    /// Every adjustment behind the counts above, who made it and why (none: no section).
    static func adjustmentsSection(_ report: ExportReport) -> String {
        guard !report.adjustments.isEmpty else { return "" }
        var rows = ""
        for r in report.adjustments {
            let a = r.adjustment
            let made = String(rfc3339(a.madeAt, in: report.timeZone).prefix(16)).replacingOccurrences(of: "T", with: " ")
            rows += "<tr><td class=\"num\">\(a.id)</td><td>\(esc(made))</td><td>\(esc(a.by))</td><td>\(esc(a.action.rawValue))</td>"
                + "<td>\(esc(a.rep ?? "*"))</td><td>\(esc(AdjustmentListing.what(a, zone: report.timeZone)))</td>"
                + "<td>\(esc(a.reason))</td><td>\(esc(AdjustmentListing.state(r)))</td></tr>\n"
        }
        return """
            <section id="adjustments">
            <h2>Adjustments <span class="zh">人工调整</span></h2>
            <p class="note">Corrections made by hand and counted above: who, when, why (activity adjust list).</p>
            <table><thead><tr><th>#</th><th>made</th><th>by</th><th>action</th><th>rep</th><th>what</th><th>reason</th><th>state</th></tr></thead>
            <tbody>
            \(rows)</tbody></table>
            </section>
            """
    }
}
