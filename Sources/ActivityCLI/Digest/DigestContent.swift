import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// One user's weekly digest (DOMAIN.md "The weekly digest"): what it says, before it is a mail.
/// Built only from the reps `user.maySee` — nothing about another rep is ever read into it.
struct DigestContent {
    struct RepLine {
        var week: RepWeek
        var deals: [Pipeline.Deal]
        var targets: [RepWeek.Target] { week.targets }
        /// Targets not met, largest shortfall first.
        var short: [RepWeek.Target] {
            week.targets.filter { $0.attainment.status != .met }
                .sorted { ($0.attainment.remaining, $1.kind) > ($1.attainment.remaining, $0.kind) }
        }
    }

    var user: Config.User
    /// The language the whole mail is written in (`[[user]] language`, else `[digest] language`).
    var language: Config.Language
    var week: ISOWeek
    var start: String
    var end: String
    var scope: String
    var reps: [RepLine]
    var report: ExportReport
    /// The kinds any shown rep has a target for, in flow order: the table's columns.
    var kinds: [Kind]

    var isTeamView: Bool { user.role != .rep }

    /// The order in which kinds make the subject's headline when as many reps fall short of each.
    static let headlineOrder: [Kind] = [.visit, .demo, .lead, .closing, .contact, .qualified, .onboarding, .payment, .followUp]

    /// This language's words: `tr("拜访", "visits")`.
    func tr(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }

    /// Short labels that read well on a phone (the subject's 拜访, "behind on visits").
    func label(_ k: Kind) -> String { DigestContent.label(k, language) }

    /// A label as a table heading or at the start of a line (`Visits`; Chinese as it is).
    func heading(_ k: Kind) -> String {
        let l = label(k)
        return language == .zh ? l : l.prefix(1).uppercased() + l.dropFirst()
    }

    static func label(_ k: Kind, _ language: Config.Language) -> String {
        if language == .en {
            switch k {
            case .lead: return "leads"
            case .qualified: return "qualified leads"
            case .contact: return "contacts"
            case .visit: return "visits"
            case .demo: return "demos"
            case .closing: return "closings"
            case .onboarding: return "onboardings"
            case .payment: return "payments"
            case .followUp: return "follow-ups"
            }
        }
        switch k {
        case .lead: return "线索"
        case .qualified: return "确认"
        case .contact: return "接洽"
        case .visit: return "拜访"
        case .demo: return "演示"
        case .closing: return "商务"
        case .onboarding: return "实施"
        case .payment: return "回款"
        case .followUp: return "跟进"
        }
    }

    /// A deal's stage by name (`合作缔结`, `Closing`).
    func stageName(_ d: Pipeline.Deal) -> String {
        guard language == .en else { return d.stepName }
        switch Kind.allCases.first(where: { $0.step == d.stage }) {
        case .lead?: return "Lead"
        case .qualified?: return "Qualified"
        case .contact?: return "First contact"
        case .visit?: return "Visit"
        case .demo?: return "Demo"
        case .closing?: return "Closing"
        case .onboarding?: return "Onboarding"
        case .payment?: return "Payment"
        case .followUp?: return "Follow-up"
        case nil: return d.stepName
        }
    }

    /// A deal's next step (Pipeline's seed 001 words), in this language.
    func nextStep(_ d: Pipeline.Deal) -> String {
        guard language == .en else { return d.next }
        let english = ["约面谈": "arrange a visit", "约演示或见高层": "demo or meet the decision-maker", "商务谈判": "negotiate",
                       "签约": "sign", "回款": "collect payment", "跟进": "follow up"]
        return english[d.next] ?? d.next
    }

    static func build(user: Config.User, week: ISOWeek, config: Config, store: Store, now: Date) throws -> DigestContent {
        let ledger = Ledger(config: config, store: store)
        let visible = user.visibleReps(in: config)
        let zone = config.timeZone
        var lines: [RepLine] = []
        for rep in visible {
            precondition(user.maySee(rep))
            let repWeek = try ledger.repWeek(rep, week: week, now: now)
            // The review as of the week's last second (or now, for the week in progress).
            let moment = min(now, week.end(in: config.profile(rep).timeZone).addingTimeInterval(-1))
            lines.append(RepLine(week: repWeek, deals: try ledger.pipeline(rep, at: moment)))
        }
        let teamIDs: [String]
        switch user.role {
        case .admin: teamIDs = config.teams.map(\.id)
        case .manager: teamIDs = user.teams
        case .rep: teamIDs = []
        }
        let export = LedgerExport.build(
            from: week, to: week,
            reps: visible.map { LedgerExport.Rep(id: $0.id, name: $0.name, team: $0.team, startDate: $0.startDate) },
            teams: config.teams.filter { teamIDs.contains($0.id) }.map { .init(id: $0.id, name: $0.name) },
            plan: ledger.plan,
            counts: try store.weeklyCounts(from: week, to: week).filter { id, _ in visible.contains { $0.id == id } },
            organisations: try store.organisationCounts(from: week, to: week).filter { id, _ in visible.contains { $0.id == id } })
        let report = ExportReport(export: export, timeZone: zone, team: nil,
                                  openWeeks: week.end(in: zone) > now ? [week] : [])
        let language = user.digestLanguage(in: config)
        let scope: String
        switch user.role {
        case .admin: scope = language == .zh ? "全公司" : "All teams"
        case .manager:
            scope = config.teams.filter { user.teams.contains($0.id) }.map(\.name).joined(separator: language == .zh ? "、" : ", ")
        case .rep: scope = visible.first?.name ?? user.name
        }
        let kinds = Kind.allCases.filter { k in lines.contains { $0.targets.contains { $0.kind == k } } }
        return DigestContent(user: user, language: language, week: week, start: isoDate(week.start(in: zone), in: zone),
                             end: isoDate(week.end(in: zone).addingTimeInterval(-1), in: zone), scope: scope,
                             reps: lines, report: report, kinds: kinds)
    }

    // MARK: - Subject

    /// `销售活动周报 2026-W47 华东区：3 人中 2 人拜访未达标`, `Sales activity W47 East: 2 of 3 reps behind on visits`;
    /// a rep: `销售活动周报 2026-W47 王丽：拜访 2/8 未达标`, `Sales activity W47 王丽: behind on visits (2/8)`.
    var subject: String { subjectPrefix + headline }

    /// The subject up to the headline: product, week, whose.
    var subjectPrefix: String {
        language == .zh ? "销售活动周报 \(week) \(scope)：" : "Sales activity W\(String(format: "%02d", week.week)) \(scope): "
    }

    /// What the week comes to, in one phrase: the subject after the colon, the HTML's lead line.
    var headline: String {
        if !isTeamView {
            guard let line = reps.first else { return tr("无数据", "no data") }
            let short = line.short
            guard let worst = DigestContent.headlineOrder.lazy.compactMap({ k in short.first { $0.kind == k } }).first else {
                return line.targets.isEmpty ? tr("本周无指标", "no targets this week") : tr("全部达标", "all targets met")
            }
            let figure = "\(worst.attainment.actual)/\(formatNumber(worst.attainment.target))"
            if language == .en {
                return "behind on \(label(worst.kind)) (\(figure))" + (short.count > 1 ? " and \(short.count - 1) more" : "")
            }
            let more = short.count > 1 ? " 等 \(short.count) 项" : ""
            return "\(label(worst.kind)) \(figure)\(more)未达标"
        }
        // The kind most reps fall short of; ties go to what the weekly review asks first (visits).
        var best: (kind: Kind, count: Int)? = nil
        for k in DigestContent.headlineOrder where kinds.contains(k) {
            let n = reps.filter { $0.short.contains { $0.kind == k } }.count
            if n > 0, best == nil || n > best!.count { best = (k, n) }
        }
        guard let best else {
            if reps.isEmpty { return tr("无销售", "no reps") }
            return tr("\(reps.count) 人全部达标", "all \(reps.count) on target")
        }
        return tr("\(reps.count) 人中 \(best.count) 人\(label(best.kind))未达标",
                  "\(best.count) of \(reps.count) \(reps.count == 1 ? "rep" : "reps") behind on \(label(best.kind))")
    }

    /// Stable per user and week, so that a re-send is folded with the first by mail clients.
    func messageID(domain: String) -> String {
        var d = Digest()
        d.add(user.login)
        return "digest.\(week).\(d.hex)@\(domain)"
    }

    /// The XLSX's file name; characters that file systems or mail clients refuse become `_`.
    var attachmentName: String {
        let safe = String(scope.map { "/\\:*?\"<>|".contains($0) ? "_" : $0 })
        return tr("销售活动周报", "Sales-activity") + "-\(week)-\(safe).xlsx"
    }

    // MARK: - Plain text

    var text: String {
        var out = "\(subject)\n\(start) – \(end)\n\n"
        let sep = tr("，", ", ")
        func short(_ n: Double) -> String { tr("差 \(formatNumber(n))", "\(formatNumber(n)) short") }
        if isTeamView {
            out += tr("每人对照指标 (actual/target):\n", "Each rep against targets (actual/target):\n")
            for r in reps {
                let cells = kinds.map { k -> String in
                    guard let t = r.targets.first(where: { $0.kind == k }) else { return "\(heading(k)) -" }
                    return "\(heading(k)) \(t.attainment.actual)/\(formatNumber(t.attainment.target))"
                }
                out += "- \(r.week.name) (\(r.week.rep)): " + cells.joined(separator: "  ") + "\n"
            }
            let behind = reps.filter { !$0.short.isEmpty }
            out += tr("\n未达标:\n", "\nBehind:\n")
            if behind.isEmpty { out += tr("- 无\n", "- none\n") }
            for r in behind {
                out += "- \(r.week.name): " + r.short.map {
                    language == .zh ? "\(label($0.kind))差 \(formatNumber($0.attainment.remaining))"
                                    : "\(label($0.kind)) \(formatNumber($0.attainment.remaining)) short"
                }.joined(separator: sep) + "\n"
            }
        } else if let r = reps.first {
            out += tr("本周 (actual/target):\n", "This week (actual/target):\n")
            for t in r.targets {
                out += "- \(heading(t.kind)): \(t.attainment.actual)/\(formatNumber(t.attainment.target)) \(statusText(t.attainment.status))"
                out += t.attainment.remaining > 0 ? sep + short(t.attainment.remaining) + "\n" : "\n"
            }
            let others = Kind.allCases.filter { k in !r.targets.contains { $0.kind == k } && (r.week.counts[k] ?? 0) > 0 }
            if !others.isEmpty {
                out += tr("- 其他: ", "- Other: ") + others.map { "\(heading($0)) \(r.week.counts[$0] ?? 0)" }.joined(separator: "  ") + "\n"
            }
        }
        out += tr("\n到期跟进:\n", "\nFollow-ups due:\n")
        let due = reps.flatMap { r in r.week.followUpsDue.map { (r, $0) } }
        if due.isEmpty { out += tr("- 无\n", "- none\n") }
        for (r, f) in due {
            out += "- " + (isTeamView ? "\(r.week.name) " : "")
                + tr("\(f.org)：\(f.daysWaiting) 天未回复\n", "\(f.org): no reply for \(f.daysWaiting) days\n")
        }
        out += tr("\nA/B 类商机:\n", "\nA/B deals:\n")
        let deals = reps.flatMap { r in r.deals.filter { $0.dealClass != .c }.map { (r, $0) } }
        if deals.isEmpty { out += tr("- 无\n", "- none\n") }
        for (r, d) in deals {
            out += "- \(d.dealClass.rawValue) " + (isTeamView ? "\(r.week.name) " : "")
                + tr("\(d.org) \(stageName(d))，\(d.daysSince) 天前，下一步 \(nextStep(d))" + (d.stale ? "（停滞）" : ""),
                     "\(d.org) \(stageName(d)), \(d.daysSince) days ago, next: \(nextStep(d))" + (d.stale ? " (stale)" : "")) + "\n"
        }
        let stale = reps.flatMap { r in r.deals.filter { $0.stale }.map { (r, $0) } }
        if !stale.isEmpty {
            out += tr("\n停滞商机 (\(stale.count)):\n", "\nStale deals (\(stale.count)):\n")
            for (r, d) in stale where d.dealClass == .c {
                out += "- " + (isTeamView ? "\(r.week.name) " : "")
                    + tr("\(d.org) \(stageName(d))，\(d.daysSince) 天无活动\n", "\(d.org) \(stageName(d)), no activity for \(d.daysSince) days\n")
            }
        }
        out += tr("\n附件：\(attachmentName)（本周导出）\n", "\nAttached: \(attachmentName) (this week's export)\n") + "-- \nactivity digest\n"
        return out
    }

    func statusText(_ s: Attainment.Status) -> String {
        switch s {
        case .met: return tr("达标", "met")
        case .near: return tr("接近", "near")
        case .behind: return tr("落后", "behind")
        }
    }

    // MARK: - HTML (email-safe: tables, inline styles, no external resources, everything escaped)

    static func colour(_ s: Attainment.Status) -> (bg: String, fg: String) {
        switch s {
        case .met: return ("#e3f4e6", "#1b6b2c")
        case .near: return ("#fff4d6", "#8a5a00")
        case .behind: return ("#fde3e1", "#a3231b")
        }
    }

    var html: String {
        let e = DigestContent.escape
        let cell = "padding:6px 8px;border-bottom:1px solid #e5e7eb;font-size:14px;"
        // Names and stages stay whole (王丽, 安装培训) but may wrap at a space (Carol Chen, First contact).
        let name = cell + "word-break:keep-all;"
        let th = "padding:6px 8px;border-bottom:2px solid #d1d5db;font-size:12px;color:#6b7280;text-align:left;font-weight:600;"
        var o = """
            <!DOCTYPE html>
            <html lang="\(tr("zh-CN", "en"))"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(subject))</title></head>
            <body style="margin:0;padding:0;background:#f3f4f6;">
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tr><td align="center" style="padding:16px 8px;">
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;background:#ffffff;border-radius:8px;font-family:-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',Arial,sans-serif;color:#111827;">
            <tr><td style="padding:20px 20px 8px 20px;">
            <div style="font-size:12px;color:#6b7280;">\(e(tr("销售活动周报", "Sales activity"))) · \(e(week.description)) · \(e(start)) – \(e(end))</div>
            <h1 style="margin:6px 0 0 0;font-size:20px;line-height:1.35;">\(e(scope))</h1>
            <p style="margin:6px 0 0 0;font-size:15px;color:#374151;">\(e(headline))</p>
            </td></tr>

            """
        func section(_ title: String) -> String {
            "<tr><td style=\"padding:16px 20px 4px 20px;\"><h2 style=\"margin:0;font-size:16px;\">\(e(title))</h2></td></tr>\n"
        }
        func table(_ header: [String], _ rows: [String]) -> String {
            var t = "<tr><td style=\"padding:0 12px 8px 12px;\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;\">"
            t += "<tr>" + header.map { "<th style=\"\(th)\">\(e($0))</th>" }.joined() + "</tr>\n"
            t += rows.joined(separator: "\n")
            return t + "</table></td></tr>\n"
        }
        func targetCell(_ r: RepLine, _ k: Kind) -> String {
            guard let t = r.targets.first(where: { $0.kind == k }) else {
                return "<td style=\"\(cell)color:#9ca3af;\">–</td>"
            }
            let c = DigestContent.colour(t.attainment.status)
            return "<td data-cell=\"\(e(r.week.rep)):\(k.rawValue)\" style=\"\(cell)background:\(c.bg);color:\(c.fg);font-weight:600;white-space:nowrap;\">\(t.attainment.actual)&nbsp;/&nbsp;\(e(formatNumber(t.attainment.target)))</td>"
        }
        if isTeamView {
            o += section(tr("每人对照指标", "Each rep against targets"))
            o += table([tr("销售", "Rep")] + kinds.map(heading) + [tr("差距", "Short by")], reps.map { r in
                let gap = r.short.map { "\(heading($0.kind)) −\(formatNumber($0.attainment.remaining))" }.joined(separator: tr("，", ", "))
                return "<tr><td style=\"\(name)\">\(e(r.week.name))</td>" + kinds.map { targetCell(r, $0) }.joined()
                    + "<td style=\"\(cell)font-size:13px;color:#a3231b;\">\(e(gap.isEmpty ? "" : gap))</td></tr>"
            })
            if reps.isEmpty { o += "<tr><td style=\"padding:0 20px;\">\(e(tr("无可见的销售。", "No reps to show.")))</td></tr>\n" }
        } else if let r = reps.first {
            o += section(tr("本周", "This week"))
            o += table([tr("步骤", "Step"), tr("完成", "Done"), tr("指标", "Target"), tr("状态", "Status")], r.targets.map { t in
                let c = DigestContent.colour(t.attainment.status)
                let gap = t.attainment.remaining > 0 ? tr("，差 \(formatNumber(t.attainment.remaining))", ", \(formatNumber(t.attainment.remaining)) short") : ""
                return "<tr><td style=\"\(cell)\">\(e(heading(t.kind)))</td>"
                    + "<td data-cell=\"\(e(r.week.rep)):\(t.kind.rawValue)\" style=\"\(cell)font-weight:600;\">\(t.attainment.actual)</td>"
                    + "<td style=\"\(cell)\">\(e(formatNumber(t.attainment.target)))</td>"
                    + "<td style=\"\(cell)background:\(c.bg);color:\(c.fg);\">\(e(statusText(t.attainment.status) + gap))</td></tr>"
            })
        }
        let due = reps.flatMap { r in r.week.followUpsDue.map { (r, $0) } }
        o += section(isTeamView ? tr("逾期跟进", "Overdue follow-ups") : tr("到期跟进", "Follow-ups due"))
        if due.isEmpty {
            o += "<tr><td style=\"padding:0 20px 8px 20px;font-size:14px;color:#6b7280;\">\(e(tr("无", "None")))</td></tr>\n"
        } else {
            o += table((isTeamView ? [tr("销售", "Rep")] : []) + [tr("客户", "Customer"), tr("上次联系", "Last contact"), tr("等待天数", "Days waiting")], due.map { r, f in
                "<tr>" + (isTeamView ? "<td style=\"\(name)\">\(e(r.week.name))</td>" : "")
                    + "<td style=\"\(cell)\">\(e(f.org))</td><td style=\"\(cell)\">\(e(isoDate(f.lastContact, in: r.week.timeZone)))</td>"
                    + "<td style=\"\(cell)font-weight:600;\">\(f.daysWaiting)</td></tr>"
            })
        }
        let deals = reps.flatMap { r in r.deals.filter { $0.dealClass != .c || $0.stale }.map { (r, $0) } }
        o += section(tr("A/B 类商机与停滞商机", "A/B and stale deals"))
        if deals.isEmpty {
            o += "<tr><td style=\"padding:0 20px 8px 20px;font-size:14px;color:#6b7280;\">\(e(tr("无", "None")))</td></tr>\n"
        } else {
            o += table([tr("类", "Class")] + (isTeamView ? [tr("销售", "Rep")] : []) + [tr("客户", "Customer"), tr("阶段", "Stage"), tr("天", "Days"), tr("下一步", "Next step")], deals.map { r, d in
                let badge = d.dealClass == .a ? "#1d4ed8" : d.dealClass == .b ? "#0f766e" : "#6b7280"
                return "<tr><td style=\"\(cell)\"><span style=\"display:inline-block;padding:1px 6px;border-radius:4px;background:\(badge);color:#ffffff;font-size:12px;\">\(e(d.dealClass.rawValue))\(d.stale ? tr(" 停滞", " stale") : "")</span></td>"
                    + (isTeamView ? "<td style=\"\(name)\">\(e(r.week.name))</td>" : "")
                    + "<td style=\"\(cell)overflow-wrap:anywhere;word-break:break-word;\">\(e(d.org))</td><td style=\"\(name)\">\(e(stageName(d)))</td>"
                    + "<td style=\"\(cell)\">\(d.daysSince)</td><td style=\"\(cell)\">\(e(nextStep(d)))</td></tr>"
            })
        }
        o += """
            <tr><td style="padding:16px 20px 20px 20px;font-size:12px;color:#6b7280;">\(e(tr("附件 \(attachmentName) 是本周的导出（与 activity export 相同）。", "The attachment \(attachmentName) is this week's export (the same as activity export).")))</td></tr>
            </table></td></tr></table>
            </body></html>

            """
        return o
    }

    /// One escaping for every page and mail: Core's `markupEscaped`, as the web view uses.
    static func escape(_ s: String) -> String { s.markupEscaped }
}
