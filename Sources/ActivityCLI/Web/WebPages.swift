import Foundation
import ActivityCore
import ActivityConfig

/// The web view's HTML: server-rendered, no script, readable on a phone and printable, with
/// Chinese beside the English labels. Every text from mail, calendars or the config goes
/// through `h` (the one escaping function, `String.markupEscaped`); every path or query part
/// through `pathEscape`/`queryEscape` first.
enum WebPages {
    static func h(_ s: String) -> String { s.markupEscaped }

    static func pathEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    static func queryEscape(_ s: String) -> String { pathEscape(s) }

    static let css = """
        body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif;
               color: #222; margin: 0 auto; padding: 12px 16px 32px; font-size: 15px; max-width: 1100px; line-height: 1.4; }
        nav { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; border-bottom: 1px solid #ccc;
              padding-bottom: 8px; margin-bottom: 12px; font-size: 14px; }
        nav .who { margin-left: auto; color: #555; }
        nav form { display: inline; margin: 0; }
        a { color: #0b57a4; }
        h1 { font-size: 21px; margin: 6px 0; }
        h2 { font-size: 17px; margin: 22px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
        .zh { color: #666; font-weight: normal; font-size: 0.85em; margin-left: 4px; }
        .meta, .note { color: #555; margin: 4px 0 8px; }
        tr.void td { color: #999; }
        form.adjust { margin: 0; white-space: nowrap; }
        form.adjust select, form.adjust input, form.adjust button { font-size: 12px; }
        #adjust-add { margin-top: 8px; white-space: normal; }
        .scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
        table { border-collapse: collapse; font-size: 14px; }
        th, td { border: 1px solid #d0d0d0; padding: 4px 7px; text-align: right; vertical-align: top; }
        th { background: #eee; }
        td.l, th.l { text-align: left; }
        td.t { text-align: left; max-width: 28em; overflow-wrap: anywhere; }
        td.met { background: #c6efce; color: #006100; }
        td.near { background: #ffeb9c; color: #9c5700; }
        td.behind { background: #ffc7ce; color: #9c0006; }
        td.none { color: #808080; }
        .behind-list li { margin: 2px 0; }
        .legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 3px; font-size: 12px; }
        .pill { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; background: #eee; }
        .err { background: #ffc7ce; color: #9c0006; padding: 6px 10px; border-radius: 3px; }
        form.login { max-width: 22em; display: grid; gap: 8px; }
        form.login input { font-size: 16px; padding: 6px; }
        button { font-size: 14px; padding: 4px 10px; }
        .chart svg { max-width: none; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; }
        dt { color: #555; } dd { margin: 0; overflow-wrap: anywhere; }
        * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        @media print { nav, .noprint { display: none; } body { max-width: none; font-size: 10pt; } .scroll { overflow: visible; } }
        @media (max-width: 600px) { body { padding: 8px; font-size: 14px; } th, td { padding: 3px 4px; } .rule { display: none; } }
        """

    static func layout(title: String, session: WebApp.Session?, body: String) -> String {
        var nav = ""
        if let session {
            let u = session.user
            nav = "<nav>"
            if u.role != .rep { nav += "<a href=\"/\">团队本周 Team week</a>" }
            if let rep = u.rep { nav += "<a href=\"/rep/\(pathEscape(rep))\">我的本周 My week</a>" }
            nav += "<span class=\"who\">\(h(u.name)) (\(h(u.login)), \(h(u.role.rawValue)))</span>"
            if let csrf = session.csrf {
                nav += "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"\(h(csrf))\"><button type=\"submit\">退出 Log out</button></form>"
            }
            nav += "</nav>"
        }
        return HTMLDocument.page(title: title, css: css, body: """
            \(nav)
            \(body)
            <footer class="note">activity \(h(ActivityVersion.string))</footer>
            """)
    }

    static func errorPage(status: Int, message: String) -> String {
        let titles = [400: "请求有误 Bad request", 401: "请登录 Login required", 403: "无权查看 Forbidden", 404: "未找到 Not found",
                      405: "Method not allowed", 413: "请求过大 Too large", 429: "尝试过多 Too many attempts", 500: "服务器错误 Server error"]
        let title = titles[status] ?? "Error"
        return layout(title: "\(status) \(title)", session: nil,
                      body: "<h1>\(status) \(h(title))</h1><p>\(h(message))</p><p><a href=\"/\">首页 Home</a></p>")
    }

    static func loginPage(csrf: String, next: String, error: String?, login: String) -> String {
        let err = error.map { "<p class=\"err\" role=\"alert\">\(h($0))</p>" } ?? ""
        return layout(title: "登录 Log in — activity", session: nil, body: """
            <h1>销售活动周报 <span class="zh">Activity ledger</span></h1>
            <h2>登录 Log in</h2>
            \(err)
            <form class="login" method="post" action="/login">
            <input type="hidden" name="csrf" value="\(h(csrf))">
            <input type="hidden" name="next" value="\(h(next))">
            <label>用户名 Login<br><input name="login" id="login" autocomplete="username" autocapitalize="none" required value="\(h(login))"></label>
            <label>密码 Password<br><input name="password" id="password" type="password" autocomplete="current-password" required></label>
            <button type="submit" id="submit">登录 Log in</button>
            </form>
            """)
    }

    static func weekNav(_ week: ISOWeek, base: String) -> String {
        "<p class=\"noprint\"><a href=\"\(base)/\(week.previous)\">← \(h(week.previous.description))</a> · <strong>\(h(week.description))</strong> · <a href=\"\(base)/\(week.next)\">\(h(week.next.description)) →</a></p>"
    }

    static func statusCell(_ t: RepWeek.Target?, actual: Int) -> String {
        guard let t else { return "<td class=\"none\">\(actual)</td>" }
        let a = t.attainment
        return "<td class=\"\(a.status.rawValue)\" title=\"\(h(a.status.rawValue))\">\(actual) / \(h(formatNumber(a.target))) · \(ExportHTML.pct(a.ratio))</td>"
    }

    static func dateRange(_ week: ISOWeek, zone: TimeZone) -> String {
        "\(isoDate(week.start(in: zone), in: zone)) – \(isoDate(week.end(in: zone).addingTimeInterval(-1), in: zone))"
    }

    // MARK: The team's week

    static func teamWeek(session: WebApp.Session, week: ISOWeek, weeks: [RepWeek], heatMap: ExportReport, config: Config) -> String {
        layout(title: "团队周报 \(week) — activity", session: session, body: teamWeekBody(week: week, weeks: weeks, heatMap: heatMap, config: config))
    }

    /// The team page without the user's navigation: the same for every user who sees these reps.
    static func teamWeekBody(week: ISOWeek, weeks: [RepWeek], heatMap: ExportReport, config: Config) -> String {
        let kinds = Kind.allCases.filter { k in weeks.contains { $0.targets.contains { $0.kind == k } } }
        let extra: [Kind] = [.qualified, .contact, .onboarding, .payment, .followUp].filter { !kinds.contains($0) }
        var table = "<div class=\"scroll\"><table id=\"team-week\"><thead><tr><th class=\"l\">销售 Rep</th><th class=\"l\">团队 Team</th>"
        for k in kinds { table += "<th>\(h(k.rawValue))<br><span class=\"zh\">\(h(config.flow.label(of: k)))</span></th>" }
        for k in extra { table += "<th>\(h(k.rawValue))<br><span class=\"zh\">\(h(config.flow.label(of: k)))</span></th>" }
        table += "<th>待跟进<br><span class=\"zh\">follow-ups due</span></th><th>过堂 A · B<br><span class=\"zh\">open deals</span></th></tr></thead><tbody>\n"
        var behind: [String] = []
        for w in weeks {
            let targets = Dictionary(w.targets.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
            let team = config.teams.first { $0.id == w.team }?.name ?? w.team ?? ""
            table += "<tr data-rep=\"\(h(w.rep))\"><td class=\"l\"><a href=\"/rep/\(pathEscape(w.rep))/\(week)\">\(h(w.name))</a> <span class=\"zh\">\(h(w.rep))</span></td><td class=\"l\">\(h(team))</td>"
            for k in kinds { table += statusCell(targets[k], actual: w.counts[k] ?? 0).replacingOccurrences(of: "<td ", with: "<td data-kind=\"\(k.rawValue)\" data-actual=\"\(w.counts[k] ?? 0)\" ") }
            for k in extra { table += "<td data-kind=\"\(k.rawValue)\" data-actual=\"\(w.counts[k] ?? 0)\">\(w.counts[k] ?? 0)</td>" }
            table += "<td>\(w.followUpsDue.count)</td>"
            if let d = w.deals {
                table += "<td data-deals-a=\"\(d.a)\" data-deals-b=\"\(d.b)\" title=\"C \(d.c), stale \(d.stale)\">\(d.a) · \(d.b)</td></tr>\n"
            } else {
                table += "<td></td></tr>\n"
            }
            let short = w.targets.filter { $0.attainment.status == .behind }
            if !short.isEmpty {
                let what = short.map { t in
                    "\(h(config.flow.label(of: t.kind))) \(h(t.kind.rawValue)) \(t.attainment.actual)/\(h(formatNumber(t.attainment.target)))"
                        + (t.daysLeft.map { d in t.attainment.remaining > 0 ? "（还差 \(h(formatNumber(t.attainment.remaining)))，剩 \(d) 天）" : "" } ?? "")
                }.joined(separator: "、")
                behind.append("<li><a href=\"/rep/\(pathEscape(w.rep))/\(week)\">\(h(w.name))</a>: \(what)</li>")
            }
        }
        table += "</tbody></table></div>"
        let zone = config.timeZone
        let state = weeks.contains { $0.inProgress } ? "进行中 in progress" : "已结束 complete"
        let from = heatMap.export.from, to = heatMap.export.to
        let body = """
            <h1>团队周报 <span class="zh">Team week</span> \(h(week.description))</h1>
            <p class="meta">\(h(dateRange(week, zone: zone))) · \(h(zone.identifier)) · \(state) · \(weeks.count) 名销售 reps</p>
            \(weekNav(week, base: "/week"))
            <h2>目标达成 <span class="zh">Counts against targets</span></h2>
            \(table)
            <h2>落后 <span class="zh">Behind</span></h2>
            \(behind.isEmpty ? "<p class=\"note\">无人落后 Nobody is behind.</p>" : "<ul class=\"behind-list\" id=\"behind\">" + behind.joined() + "</ul>")
            <h2>近八周达成率 <span class="zh">Attainment, last eight weeks</span></h2>
            \(ExportHTML.legend)
            \(ExportHTML.heatMap(heatMap))
            <h2>下载 <span class="zh">Downloads</span></h2>
            <p class="noprint">\(downloads(from: from, to: to))</p>
            """
        return body
    }

    static func downloads(from: ISOWeek, to: ISOWeek, rep: String? = nil) -> String {
        let r = rep.map { "&amp;rep=\(queryEscape($0))" } ?? ""
        return ["xlsx", "csv", "json"].map { f in
            "<a id=\"download-\(f)\" href=\"/api/export?from=\(from)&amp;to=\(to)&amp;format=\(f)\(r)\">\(f.uppercased())</a>"
        }.joined(separator: " · ") + " <span class=\"zh\">\(h(from.description)) – \(h(to.description))</span>"
    }

    // MARK: A rep's week

    static func repWeek(session: WebApp.Session, rep: Config.Rep, week w: RepWeek, deals: [Pipeline.Deal], config: Config) -> String {
        let zone = w.timeZone
        let targets = Dictionary(w.targets.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
        var counts = "<div class=\"scroll\"><table id=\"counts\"><thead><tr><th class=\"l\">类别 Kind</th><th>步骤 Step</th><th>实际 Actual</th><th>目标 Target</th><th>达成 Attainment</th></tr></thead><tbody>\n"
        for k in Kind.allCases {
            let t = targets[k]
            let cls = t.map { $0.attainment.status.rawValue } ?? "none"
            var status = t.map { ExportHTML.pct($0.attainment.ratio) + " " + $0.attainment.status.rawValue } ?? ""
            if let t, let d = t.daysLeft, t.attainment.remaining > 0 { status += "（还差 \(formatNumber(t.attainment.remaining))，剩 \(d) 天）" }
            counts += "<tr data-kind=\"\(k.rawValue)\"><td class=\"l\">\(h(w.flow.label(of: k))) <span class=\"zh\">\(h(k.rawValue))</span></td><td>\(w.flow.steps(of: k).map(String.init).joined(separator: "/"))</td><td class=\"actual\">\(w.counts[k] ?? 0)</td><td>\(t.map { h(formatNumber($0.attainment.target)) } ?? "")</td><td class=\"\(cls)\">\(h(status))</td></tr>\n"
        }
        counts += "</tbody></table></div>"

        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "EEE MM-dd HH:mm"
        // The kinds to choose from in the adjust forms, named by the flow's steps.
        func kindOptions(selected: Kind) -> String {
            Kind.allCases.map { "<option value=\"\($0.rawValue)\"\($0 == selected ? " selected" : "")>\(h(w.flow.label(of: $0))) \($0.rawValue)</option>" }.joined()
        }
        // Managers and admins correct the ledger from here (POST /api/adjust); reps only read it.
        let adjustCSRF = session.user.role == .rep ? nil : session.csrf
        let here = "/rep/\(pathEscape(rep.id))/\(w.week)"
        var acts = "<p class=\"note\">本周没有活动 No activities this week.</p>"
        if !w.activities.isEmpty {
            acts = "<div class=\"scroll\"><table id=\"activities\"><thead><tr><th class=\"l\">时间 When</th><th class=\"l\">类别 Kind</th><th class=\"l\">客户 Org</th><th class=\"l\">标题 Title</th><th class=\"l rule\">规则 Rule</th><th class=\"l\">说明 Why</th>\(adjustCSRF == nil ? "" : "<th class=\"l\">调整 Adjust</th>")</tr></thead><tbody>\n"
            for a in w.activities {
                let kind = "\(h(a.kind == .followUp ? a.kind.chineseName : w.flow.name(of: w.flow.step(of: a)))) <span class=\"zh\">\(h(a.kind.rawValue))</span>"
                acts += "<tr data-id=\"\(h(a.id))\"\(a.counted ? "" : " class=\"void\"")><td class=\"l\">\(h(f.string(from: a.at)))</td><td class=\"l\">\(a.counted ? kind : "<s>\(kind)</s> 作废 void")</td><td class=\"t\">\(h(a.org))</td><td class=\"t\">\(h(a.title))</td><td class=\"l rule\">\(h(WeekRendering.ruleText(a)))\(a.adjusted.map { "<br><span class=\"zh\">\(h($0.reason))</span>" } ?? "")</td><td class=\"l\"><a class=\"explain\" href=\"/explain/\(pathEscape(a.id))\">explain</a></td>"
                if let csrf = adjustCSRF {
                    let options = kindOptions(selected: a.kind)
                    acts += "<td class=\"l\"><form class=\"adjust\" method=\"post\" action=\"/api/adjust\"><input type=\"hidden\" name=\"csrf\" value=\"\(h(csrf))\"><input type=\"hidden\" name=\"activity\" value=\"\(h(a.id))\"><input type=\"hidden\" name=\"next\" value=\"\(h(here))\"><select name=\"kind\">\(options)</select> <input name=\"reason\" placeholder=\"原因 reason\" required size=\"12\"> <button type=\"submit\" name=\"action\" value=\"reclassify\">改类 Reclassify</button> \(a.counted ? "<button type=\"submit\" name=\"action\" value=\"void\">作废 Void</button>" : "")</form></td>"
                }
                acts += "</tr>\n"
            }
            acts += "</tbody></table></div>"
        }
        if let csrf = adjustCSRF {
            let options = kindOptions(selected: .visit)
            acts += """
                <form id="adjust-add" class="adjust" method="post" action="/api/adjust"><input type="hidden" name="csrf" value="\(h(csrf))"><input type="hidden" name="action" value="add"><input type="hidden" name="rep" value="\(h(rep.id))"><input type="hidden" name="next" value="\(h(here))">
                补录 Add: <select name="kind">\(options)</select> <input name="at" placeholder="2026-11-17T10:00" required size="16"> <input name="org" placeholder="客户 org (huawei.com)" required size="16"> <input name="title" placeholder="标题 title" required size="16"> <input name="reason" placeholder="原因 reason" required size="14"> <button type="submit">补录 Add</button></form>
                """
        }
        var follow = "<p class=\"note\">无 None.</p>"
        if !w.followUpsDue.isEmpty {
            follow = "<table id=\"followups\"><thead><tr><th class=\"l\">客户 Org</th><th class=\"l\">上次联系 Last contact</th><th>等待天数 Days waiting</th></tr></thead><tbody>"
            for d in w.followUpsDue {
                follow += "<tr><td class=\"t\">\(h(d.org))</td><td class=\"l\">\(h(isoDate(d.lastContact, in: zone)))</td><td>\(d.daysWaiting)</td></tr>"
            }
            follow += "</tbody></table>"
        }
        var stages = "<p class=\"note\">无 None.</p>"
        if !w.stages.isEmpty {
            stages = "<table id=\"stages\"><thead><tr><th class=\"l\">客户 Org</th><th class=\"l\">阶段 Stage</th></tr></thead><tbody>"
            for s in w.stages {
                stages += "<tr><td class=\"t\">\(h(s.org))</td><td class=\"l\">\(h(w.flow.label(of: s.step)))\(englishStep(w.flow, s.step))</td></tr>"
            }
            stages += "</tbody></table>"
        }
        var pipeline = "<p class=\"note\">没有在谈的客户 No open deals.</p>"
        if !deals.isEmpty {
            pipeline = "<div class=\"scroll\"><table id=\"pipeline\"><thead><tr><th class=\"l\">级别 Class</th><th class=\"l\">客户 Org</th><th class=\"l\">阶段 Stage</th><th>天数 Days</th><th class=\"l\">下一步 Next</th></tr></thead><tbody>"
            for d in deals {
                pipeline += "<tr><td class=\"l\">\(h(d.dealClass.rawValue))\(d.stale ? " <span class=\"pill\">stale 停滞</span>" : "")</td><td class=\"t\">\(h(d.org))</td><td class=\"l\">\(d.stage) \(h(d.stepName))\(englishStep(w.flow, d.stage))</td><td>\(d.daysSince)</td><td class=\"l\">\(h(d.next))</td></tr>"
            }
            pipeline += "</tbody></table></div>"
        }
        let team = config.teams.first { $0.id == rep.team }.map { "\($0.name) (\($0.id))" } ?? rep.team ?? ""
        let body = """
            <h1>\(h(rep.name)) <span class="zh">\(h(rep.id))</span> · \(h(w.week.description))</h1>
            <p class="meta">\(h(team)) · \(h(dateRange(w.week, zone: zone))) · \(h(zone.identifier)) · \(w.inProgress ? "进行中 in progress" : "已结束 complete")</p>
            \(weekNav(w.week, base: "/rep/\(pathEscape(rep.id))"))
            <h2>目标达成 <span class="zh">Counts against targets</span></h2>
            \(counts)
            <h2>活动 <span class="zh">Activities</span></h2>
            \(acts)
            <h2>待跟进 <span class="zh">Follow-ups due</span></h2>
            \(follow)
            <h2>客户阶段 <span class="zh">Stages</span></h2>
            \(w.flow.isStandard ? "" : "<p class=\"note\">\(h(w.flow.name)) <span class=\"zh\">flow \(h(w.flow.id))</span></p>")
            \(stages)
            <h2>过堂 <span class="zh">Pipeline (open deals)</span></h2>
            \(pipeline)
            <h2>下载 <span class="zh">Downloads</span></h2>
            <p class="noprint">\(downloads(from: w.week, to: w.week, rep: rep.id))</p>
            """
        return layout(title: "\(rep.name) \(w.week) — activity", session: session, body: body)
    }

    /// A step's English name beside its Chinese one, as the pages pair their words.
    static func englishStep(_ flow: Flow, _ step: Int) -> String {
        flow.english(of: step).map { " <span class=\"zh\">\(h($0))</span>" } ?? ""
    }

    // MARK: Explain

    static func explain(session: WebApp.Session, activity: Activity, items: [JSON], config: Config) -> String {
        var body = "<h1>说明 <span class=\"zh\">Explain</span> \(h(activity.id))</h1>"
        let week = ISOWeek(containing: activity.at, in: config.rep(activity.rep).map { config.profile($0).timeZone } ?? config.timeZone)
        body += "<p class=\"noprint\"><a href=\"/rep/\(pathEscape(activity.rep))/\(week)\">← \(h(activity.rep)) \(h(week.description))</a></p>"
        for case .object(let fields) in items {
            let f = Dictionary(fields, uniquingKeysWith: { a, _ in a })
            func s(_ k: String) -> String {
                switch f[k] {
                case .string(let v)?: return v
                case .array(let a)?: return a.compactMap { if case .string(let v) = $0 { return v } else { return nil } }.joined(separator: ", ")
                default: return ""
                }
            }
            body += "<dl id=\"item\">"
            body += "<dt>类型 Type</dt><dd>\(h(s("type")))</dd>"
            body += "<dt>主题 Subject</dt><dd id=\"subject\">\(h(s("subject")))</dd>"
            body += "<dt>发件人 From</dt><dd>\(h(s("from")))</dd>"
            body += "<dt>收件人 To</dt><dd>\(h(s("to")))</dd>"
            body += "<dt>时间 Date</dt><dd>\(h(s("date").isEmpty ? "none" : s("date")))\(s("date_note").isEmpty ? "" : " (\(h(s("date_note"))))")</dd>"
            body += "<dt>编号 ID</dt><dd>\(h(s("id")))</dd>"
            body += "</dl>"
            if case .array(let acts)? = f["activities"], !acts.isEmpty {
                body += "<h2>计入 <span class=\"zh\">Counts as</span></h2><table id=\"explain\"><thead><tr><th class=\"l\">类别 Kind</th><th>步骤 Step</th><th class=\"l\">客户 Org</th><th class=\"l\">规则 Rule</th></tr></thead><tbody>"
                for case .object(let a) in acts {
                    let d = Dictionary(a, uniquingKeysWith: { x, _ in x })
                    func t(_ k: String) -> String {
                        switch d[k] { case .string(let v)?: return v; case .int(let n)?: return String(n); default: return "" }
                    }
                    body += "<tr><td class=\"l\">\(h(t("kind")))</td><td>\(h(t("step")))</td><td class=\"t\">\(h(t("org")))</td><td class=\"l\">\(h(t("rule")))</td></tr>"
                }
                body += "</tbody></table>"
            } else {
                body += "<p>不计入 Counts for nothing: \(h(s("ignored")))</p>"
            }
        }
        body += "<p class=\"note\">JSON: <a href=\"/api/explain/\(pathEscape(activity.id))\">/api/explain/\(h(activity.id))</a></p>"
        return layout(title: "Explain \(activity.id) — activity", session: session, body: body)
    }
}
