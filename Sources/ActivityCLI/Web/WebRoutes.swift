import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// The pages and the API of the web view. Each one takes its reps through `visibleRep` or
/// `User.visibleReps(in:)`, and renders with the CLI's own code (WeekRendering, ExportCommand,
/// PipelineCommand, ExplainCommand).
extension WebApp {
    var ledgerNow: Date { clock() }

    func weeks(_ reps: [Config.Rep], week: ISOWeek) throws -> [RepWeek] {
        try reps.map { try repWeek($0, week: week) }
    }

    /// A rep's week (the CLI's `Ledger.repWeek`), through the cache.
    func repWeek(_ rep: Config.Rep, week: ISOWeek) throws -> RepWeek {
        try cache.value("week|\(rep.id)|\(week)", now: clock()) {
            try pool.with { try Ledger(config: config, store: $0).repWeek(rep, week: week, now: clock()) }
        }
    }

    // MARK: Pages

    func home(_ request: WebRequest, session: Session) throws -> WebResponse {
        if session.user.role == .rep, let id = session.user.rep, let rep = config.rep(id) {
            return try repWeekPage(session, rep: rep, week: currentWeek)
        }
        return try teamWeekPage(session, week: currentWeek)
    }

    /// The team's week: each visible rep's counts against targets, who is behind, and the
    /// export's heat map over the eight weeks up to this one.
    func teamWeekPage(_ session: Session, week: ISOWeek) throws -> WebResponse {
        // A rep's team is themselves.
        if session.user.role == .rep, let id = session.user.rep { return .redirect("/rep/\(WebPages.pathEscape(id))/\(week)") }
        let reps = session.user.visibleReps(in: config)
        let ids = reps.map(\.id).joined(separator: ",")
        let body = try cache.value("teampage|\(week)|\(ids)", now: clock()) { () throws -> String in
            let repWeeks = try weeks(reps, week: week)
            var first = week
            for _ in 0..<7 { first = first.previous }
            let report = try pool.with { store in
                try ExportCommand.report(config: config, store: store, from: first, to: week, reps: reps, team: nil, now: clock(), pipeline: false)
            }
            return WebPages.teamWeekBody(week: week, weeks: repWeeks, heatMap: report, config: config)
        }
        return .html(200, WebPages.layout(title: "团队周报 \(week) — activity", session: session, body: body))
    }

    func repWeekPage(_ session: Session, rep: Config.Rep, week: ISOWeek) throws -> WebResponse {
        let repWeek = try self.repWeek(rep, week: week)
        let deals = try cache.value("deals|\(rep.id)|\(week)", now: clock()) {
            try pool.with { store -> [Pipeline.Deal] in
                let moment = min(clock(), week.end(in: config.profile(rep).timeZone).addingTimeInterval(-1))
                return try Ledger(config: config, store: store).pipeline(rep, at: moment)
            }
        }
        return .html(200, WebPages.repWeek(session: session, rep: rep, week: repWeek, deals: deals, config: config))
    }

    /// An activity of a rep the user may see; another rep's is 403, an unknown id 404.
    func visibleActivity(_ id: String, _ session: Session) throws -> Activity {
        guard id.count <= 200, let activity = try pool.with({ try $0.activity(id: id) }) else { throw WebError(404, "no such activity") }
        guard let rep = config.rep(activity.rep) else { throw WebError(404, "no such rep") }
        _ = try visibleRep(rep.id, session)
        return activity
    }

    func explainItems(_ activity: Activity) throws -> [JSON] {
        try pool.with { store in
            try ExplainCommand.explainActivity(activity, config: config, store: store, derivation: derivation)
        }
    }

    func explainPage(_ session: Session, id: String) throws -> WebResponse {
        let activity = try visibleActivity(id, session)
        let items = try explainItems(activity)
        return .html(200, WebPages.explain(session: session, activity: activity, items: items, config: config))
    }

    // MARK: API

    /// A large answer gzipped (and the gzip cached beside it) when the client accepts gzip.
    func compressed(_ response: WebResponse, key: String, request: WebRequest) throws -> WebResponse {
        guard response.body.count > 64 * 1024,
              (request.header("accept-encoding") ?? "").lowercased().contains("gzip") else { return response }
        let zipped = try cache.value("gzip|" + key, now: clock()) { WebSecrets.gzip(response.body) ?? [] }
        guard !zipped.isEmpty else { return response }
        var r = response
        r.body = zipped
        r.headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        return r
    }

    /// `/api/week?week=W[&rep=ID]`: `week --all --format json` of the reps the user may see.
    func apiWeek(_ request: WebRequest, session: Session) throws -> WebResponse {
        let q = request.queryItems
        let week = try q["week"].map { try self.week($0) } ?? currentWeek
        let reps = try q["rep"].map { [try visibleRep($0, session)] } ?? session.user.visibleReps(in: config)
        let key = "apiweek|\(week)|" + reps.map(\.id).joined(separator: ",")
        let body = try cache.value(key, now: clock()) {
            Array((WeekRendering.json(try weeks(reps, week: week), week: week, config: config).serialized() + "\n").utf8)
        }
        return try compressed(WebResponse(status: 200, headers: [("Content-Type", "application/json; charset=utf-8")], body: body),
                              key: key, request: request)
    }

    /// `/api/export?from=W&to=W&format=json|csv|xlsx[&team=ID]`: the export of the visible reps.
    func apiExport(_ request: WebRequest, session: Session) throws -> WebResponse {
        let q = request.queryItems
        guard let fromText = q["from"], let first = ISOWeek(fromText) else { throw WebError(400, "from= must be an ISO week such as 2026-W40") }
        let last = try q["to"].map { try week($0) } ?? currentWeek
        guard !(last < first) else { throw WebError(400, "to= is before from=") }
        guard ISOWeek.count(from: first, to: last) <= 520 else { throw WebError(400, "at most 520 weeks at a time") }
        let formatName = q["format"] ?? "json"
        guard let format = ExportFormat(rawValue: formatName) else { throw WebError(400, "format= must be json, csv, xlsx or html") }
        var reps = session.user.visibleReps(in: config)
        if let team = q["team"] {
            guard config.teams.contains(where: { $0.id == team }) else { throw WebError(404, "no such team") }
            reps = reps.filter { $0.team == team }
            if reps.isEmpty && config.reps.contains(where: { $0.team == team }) { throw WebError(403, "you may not see this team") }
        }
        if let id = q["rep"] { reps = [try visibleRep(id, session)] }
        if format == .xlsx && reps.count * ISOWeek.count(from: first, to: last) * Kind.allCases.count >= ExportXLSX.maxRows {
            throw WebError(400, "too many rows for an XLSX sheet; export fewer weeks or as CSV")
        }
        let report = try pool.with { store in
            try ExportCommand.report(config: config, store: store, from: first, to: last, reps: reps, team: q["team"], now: clock(),
                                     pipeline: format.hasPipeline)
        }
        let data = try ExportCommand.render(report, format: format)
        let types: [ExportFormat: String] = [
            .json: "application/json; charset=utf-8", .csv: "text/csv; charset=utf-8",
            .html: "text/html; charset=utf-8", .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ]
        var headers = [("Content-Type", types[format]!)]
        if format == .csv || format == .xlsx {
            headers.append(("Content-Disposition", "attachment; filename=\"activity-\(first)-\(last).\(format.rawValue)\""))
        }
        return WebResponse(status: 200, headers: headers, body: [UInt8](data))
    }

    /// `/api/pipeline[?rep=ID][&date=yyyy-MM-dd]`: `pipeline --format json` of the visible reps.
    func apiPipeline(_ request: WebRequest, session: Session) throws -> WebResponse {
        let q = request.queryItems
        if let date = q["date"], WeekCommand.parseDate(date) == nil { throw WebError(400, "date= must be a date such as 2026-11-22") }
        let reps = try q["rep"].map { [try visibleRep($0, session)] } ?? session.user.visibleReps(in: config)
        let review = try pool.with { store in
            try PipelineCommand.review(Ledger(config: config, store: store), reps: reps, date: q["date"], now: clock())
        }
        return .json(200, PipelineCommand.json(review))
    }

    /// `/api/explain/ID`: `explain ID --format json`.
    func apiExplain(_ session: Session, id: String) throws -> WebResponse {
        let activity = try visibleActivity(id, session)
        return .json(200, .object([("items", .array(try explainItems(activity)))]))
    }
}

// MARK: Adjustments

extension WebApp {
    /// `POST /api/adjust`: one adjustment, with the `adjust` command's options as a JSON object
    /// (`{"action": "void", "activity": "…", "reason": "…"}`) or as the rep page's form. Managers
    /// adjust the reps of their teams, admins anyone's; reps may not. Aliases, which change every
    /// rep's ledger, are for admins. `by` is always the logged-in user. The session's CSRF token
    /// comes in the form's `csrf` field, the JSON's `csrf` member or an `X-CSRF-Token` header.
    /// JSON gets 201 and the adjustment; a form is sent back to `next`.
    func apiAdjust(_ request: WebRequest, session: Session) throws -> WebResponse {
        let isJSON = WebInput.isJSON(request)
        guard let fields = WebInput.adjustFields(request) else { throw WebError(400, "the body is not a JSON object") }
        try requireCSRF(token: request.header("x-csrf-token") ?? fields["csrf"], request: request, session: session)
        guard session.user.role != .rep else {
            logger.notice("web refused: rep \(session.user.login) tried to adjust the ledger")
            throw WebError(403, "销售不能调整台账 reps may not adjust the ledger; ask your manager")
        }
        guard let action = fields["action"].flatMap(Adjustment.Action.init(rawValue:)) else {
            throw WebError(400, "action must be one of add, void, reclassify, alias, revoke")
        }
        let adjust = AdjustmentRequest(action: action, activity: fields["activity"], adjustment: fields["adjustment"],
                                       rep: fields["rep"], kind: fields["kind"], at: fields["at"], org: fields["org"],
                                       to: fields["to"], title: fields["title"], reason: fields["reason"], by: session.user.login)
        let made: Adjustment = try pool.with { store in
            try mayAdjust(adjust, session: session, store: store)
            do {
                return try adjust.perform(config: config, store: store, now: clock(), derivation: derivation)
            } catch let e as ActivityError where e.code == .usage || e.code == .dataError {
                throw WebError(e.code == .usage ? 400 : 404, e.message)
            }
        }
        cache.invalidate()
        logger.info("web adjust: #\(made.id) \(made.action.rawValue) by \(session.user.login)")
        if isJSON {
            let rows = AdjustmentListing.rows(Adjustments([made]), orphaned: [], config: config, reps: nil, weeks: nil)
            guard case .array(let list) = AdjustmentListing.array(rows, zone: config.timeZone), let first = list.first else {
                return .json(201, .null)
            }
            return .json(201, first)
        }
        return .redirect(WebApp.safeNext(fields["next"]))
    }

    /// Who may make an adjustment: admins any; managers those of reps they see (not aliases,
    /// which touch every rep); reps none (checked before).
    func mayAdjust(_ adjust: AdjustmentRequest, session: Session, store: Store) throws {
        guard session.user.role == .manager else { return }
        func forbidden(_ why: String) -> WebError {
            logger.notice("web refused: \(session.user.login) may not adjust: \(why)")
            return WebError(403, "无权调整 you may not make this adjustment: \(why)")
        }
        switch adjust.action {
        case .add:
            _ = try visibleRep(adjust.rep ?? "", session)
        case .void, .reclassify:
            guard let activity = try store.activity(id: (adjust.activity ?? "").trimmedWhitespace) else {
                throw WebError(404, "no such activity")
            }
            _ = try visibleRep(activity.rep, session)
        case .alias:
            throw forbidden("an alias changes every rep's ledger; an admin makes it")
        case .revoke:
            let number = Int64((adjust.adjustment ?? "").trimmedWhitespace.drop { $0 == "#" }) ?? 0
            guard let target = try store.adjustments().adjustment(number) else { throw WebError(404, "no such adjustment") }
            if target.action == .alias { throw forbidden("an alias changes every rep's ledger; an admin revokes it") }
            _ = try visibleRep(target.rep ?? "", session)
        }
    }
}
