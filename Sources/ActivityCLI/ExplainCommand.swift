import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivitySync

/// `activity explain`: why an activity counted, or what a .eml file would count as.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say which rule made an activity, or what a mail file counts as and why.",
        discussion: "Without a config file no domain is internal and history is taken as empty.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("An activity id from `activity week`, a .eml file, or a .ics file.", valueName: "ACTIVITY-ID | FILE.eml | FILE.ics"))
    var target: String

    @Option(name: .long, help: ArgumentHelp("Explain from this rep's point of view.", valueName: "ID"))
    var rep: String?

    @Option(name: .long, help: "table or json.")
    var format: ExplainFormat = .table

    func run() throws {
        let runtime = try Runtime.load(global, required: false)
        let config = runtime.config
        if let rep, runtime.configFound, config.rep(rep) == nil {
            throw ActivityError(.usage, "--rep \(rep): no such rep in \(config.file)")
        }
        let derivation = Derivation(config: config, suffixes: try Derivation.loadSuffixes())
        let items: [JSON]
        let haveStore = runtime.configFound && Store.mayExist(config.store)
        if looksLikeFile(target) && (FileManager.default.fileExists(atPath: target) || !haveStore) {
            items = try explainFile(target, config: config, derivation: derivation, runtime: runtime)
        } else {
            guard Store.mayExist(config.store) else {
                throw ActivityError(.noInput, "\(target): no such file, and there is no store at \(config.store) to look up an activity id in")
            }
            let store = try Store(location: config.store)
            guard let activity = try store.activity(id: target) else {
                // Not an activity: perhaps an item the sync could not read (a Message-ID or href).
                let malformed = try store.malformedItems(ref: target)
                guard !malformed.isEmpty else {
                    throw ActivityError(.noInput, "\(target): no such file, and no such activity id or malformed item in \(config.store)")
                }
                items = try malformed.map { try explainMalformed($0, store: store, config: config, derivation: derivation) }
                let result = JSON.object([("items", .array(items))])
                switch format {
                case .json: printOut(result.serialized(pretty: true) + "\n")
                case .table: printOut(ExplainCommand.table(items))
                }
                return
            }
            items = try ExplainCommand.explainActivity(activity, config: config, store: store, derivation: derivation)
        }
        let result = JSON.object([("items", .array(items))])
        switch format {
        case .json: printOut(result.serialized(pretty: true) + "\n")
        case .table: printOut(ExplainCommand.table(items))
        }
    }

    /// Why a stored activity counted: its item's verdict (the command's and the web view's explain).
    /// An adjusted activity shows the rule and then its adjustments (DOMAIN.md "Corrections").
    static func explainActivity(_ activity: Activity, config: Config, store: Store, derivation: Derivation) throws -> [JSON] {
        guard let rep = config.rep(activity.rep) else {
            throw ActivityError(.config, "activity \(activity.id) belongs to rep \(activity.rep), who is not in \(config.file) any more")
        }
        let adjustments = try store.adjustments()
        let zone = config.profile(rep).timeZone
        let items = try explainDerived(activity, rep: rep, config: config, store: store, derivation: derivation)
        let history = adjustmentsJSON(of: activity, adjustments, zone: zone)
        if case .array(let list) = history, list.isEmpty { return items }
        return items.map { item in
            guard case .object(var fields) = item else { return item }
            fields.append(("adjustments", history))
            return .object(fields)
        }
    }

    /// Every adjustment naming an activity, in the order made, and which one is in effect.
    static func adjustmentsJSON(of activity: Activity, _ adjustments: Adjustments, zone: TimeZone) -> JSON {
        .array(adjustments.all.filter { a in
            a.action != .revoke && a.action != .alias && adjustments.targetIDs(of: a).contains(activity.id)
        }.map { a in
            .object([
                ("id", .int(Int(a.id))), ("action", .string(a.action.rawValue)), ("kind", .optional(a.kind?.rawValue)),
                ("from_kind", .optional(a.fromKind?.rawValue)), ("by", .string(a.by)), ("at", .string(rfc3339(a.madeAt, in: zone))),
                ("reason", .string(a.reason)), ("in_effect", .bool(activity.adjusted?.id == a.id)),
                ("revoked", adjustments.revokedBy[a.id].map { v in
                    .object([("id", .int(Int(v.id))), ("by", .string(v.by)), ("at", .string(rfc3339(v.madeAt, in: zone))),
                             ("reason", .string(v.reason))])
                } ?? .null),
            ])
        })
    }

    private static func explainDerived(_ activity: Activity, rep: Config.Rep, config: Config, store: Store,
                                       derivation: Derivation) throws -> [JSON] {
        let zone = config.profile(rep).timeZone
        if activity.sourceType == .manual {
            // Added by hand: no item behind it, only the adjustment (listed after this).
            return [.object([
                ("type", .string("manual")), ("id", .string(activity.ref)), ("subject", .string(activity.title)),
                ("from", .null), ("to", .array([])), ("date", .string(rfc3339(activity.at, in: zone))),
                ("activities", .array([.object([("kind", .string(activity.kind.rawValue)), ("step", .int(activity.kind.step)),
                                                 ("org", .string(activity.org)), ("rule", .string(activity.rule))])])),
                ("ignored", .null),
            ])]
        }
        let verdicts = try derivation.verdicts(rep: rep, store: store, now: Date())
        guard let verdict = verdicts.first(where: { $0.itemKey == activity.ref }) else {
            throw ActivityError(.dataError, "activity \(activity.id): its item \(activity.ref) is no longer stored; run `activity rebuild`")
        }
        if activity.sourceType == .caldav {
            return [ExplainCommand.eventJSON(id: activity.ref, summary: activity.title, organizer: nil, attendees: [],
                                             start: activity.at, verdict: verdict, zone: zone, flow: config.flow)]
        }
        let mails = Dictionary(try store.mails(rep: rep.id).map { ($0.item.key, $0.item) }, uniquingKeysWith: { a, _ in a })
        guard let mail = mails[activity.ref] else {
            throw ActivityError(.dataError, "activity \(activity.id): its mail \(activity.ref) is no longer stored; run `activity rebuild`")
        }
        let noted = ExplainCommand.withDateNote(mail, headers: try store.headers(rep: rep.id, key: mail.key))
        return [ExplainCommand.itemJSON(noted, verdict: verdict, zone: zone, flow: config.flow)]
    }

    /// An item the sync recorded as malformed: the stored mail's verdict if the mail itself was
    /// stored (an unreadable invitation part, cut headers), else what is known, with the reason.
    func explainMalformed(_ m: MalformedItem, store: Store, config: Config, derivation: Derivation) throws -> JSON {
        let why = "malformed: \(m.reason) (account \(m.account), \(m.kind == .event ? "calendar" : "folder") \(m.location))"
        if let account = config.account(m.account), let rep = config.rep(account.rep), m.kind != .event,
           let mail = try store.mails(rep: rep.id).first(where: { $0.item.key == m.ref }) {
            let verdicts = try derivation.verdicts(rep: rep, store: store, now: Date())
            let verdict = verdicts.first { $0.itemKey == m.ref } ?? ItemVerdict(itemKey: m.ref, activities: [], ignored: nil)
            let noted = ExplainCommand.withDateNote(mail.item, headers: try store.headers(rep: rep.id, key: mail.item.key))
            guard case .object(var fields) = ExplainCommand.itemJSON(noted, verdict: verdict, zone: config.profile(rep).timeZone, flow: config.flow) else {
                return .null
            }
            fields.append(("malformed", .string(why)))
            return .object(fields)
        }
        return .object([
            ("type", .string(m.kind == .event ? "event" : "mail")),
            ("id", .string(m.ref)),
            ("subject", .string("")),
            ("from", .null),
            ("to", .array([])),
            ("date", .string(rfc3339(m.firstSeen, in: config.timeZone))),
            ("activities", .array([])),
            ("ignored", .string(why)),
            ("malformed", .string(why)),
        ])
    }

    func looksLikeFile(_ s: String) -> Bool {
        s.contains("/") || s.contains(".") || FileManager.default.fileExists(atPath: s)
    }

    func explainFile(_ path: String, config: Config, derivation: Derivation, runtime: Runtime) throws -> [JSON] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ActivityError(.noInput, "\(path): no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ActivityError(.noInput, "\(path): cannot be read; check its permissions")
        }
        let bytes = [UInt8](data)
        if path.lowercased().hasSuffix(".ics") || bytes.starts(with: Array("BEGIN:VCALENDAR".utf8)) {
            return try explainCalendar(path, bytes: bytes, config: config, derivation: derivation, runtime: runtime)
        }
        let item = MailItem(headers: bytes, internalDate: nil)
        guard item.from != nil || item.messageID != nil || !item.subject.isEmpty else {
            throw ActivityError(.dataError, "\(path): not a mail message (no From, Message-ID or Subject header)")
        }
        // Whose point of view: --rep, else the rep who sent or received it, else its sender's.
        let rep: Config.Rep = {
            if let id = self.rep, let r = config.rep(id) { return r }
            if let r = config.reps.first(where: { r in r.emails.contains(item.from ?? "") }) { return r }
            if let r = config.reps.first(where: { r in (item.to + item.cc).contains { r.emails.contains($0) } }) { return r }
            return Config.Rep(id: self.rep ?? item.from ?? "sender", name: item.fromName ?? item.from ?? "sender",
                              emails: [item.from ?? ""], team: nil, startDate: nil, timeZone: nil, targets: [:])
        }()
        var mails: [Classifier.MailInput] = []
        if runtime.configFound, Store.mayExist(config.store) {
            let store = try Store(location: config.store)
            mails = try store.mails(rep: rep.id).filter { $0.item.key != item.key }
                .map { Classifier.MailInput(item: $0.item, account: $0.account) }
        }
        mails.append(Classifier.MailInput(item: item, account: "file"))
        let verdicts = derivation.classifier(for: rep).classify(mails: mails)
        let verdict = verdicts.first { $0.itemKey == item.key } ?? ItemVerdict(itemKey: item.key, activities: [], ignored: "not classified")
        return [ExplainCommand.itemJSON(item, verdict: verdict, zone: config.profile(rep).timeZone, flow: config.flow)]
    }

    /// A calendar file: every instance in the ledger window, from a rep's point of view.
    func explainCalendar(_ path: String, bytes: [UInt8], config: Config, derivation: Derivation, runtime: Runtime) throws -> [JSON] {
        let calendar: ICalendar
        do {
            calendar = try ICalendar.parse(bytes: bytes)
        } catch let e as ActivityError {
            throw ActivityError(.dataError, "\(path): \(e.message)")
        }
        let people = calendar.events.flatMap { e in [e.organizer].compactMap { $0 } + e.attendees }.map(\.address)
        let rep: Config.Rep = {
            if let id = self.rep, let r = config.rep(id) { return r }
            if let r = config.reps.first(where: { r in people.contains { r.emails.contains($0) } }) { return r }
            let owner = calendar.events.first?.organizer?.address ?? "calendar-owner"
            return Config.Rep(id: self.rep ?? owner, name: owner, emails: [owner])
        }()
        let zone = config.profile(rep).timeZone
        let (from, to) = derivation.window(now: Date())
        let instances = RecurrenceExpander.instances(of: calendar, from: from, to: to, floatingZone: zone)
        var mails: [Classifier.MailInput] = []
        if runtime.configFound, Store.mayExist(config.store) {
            let store = try Store(location: config.store)
            mails = try store.mails(rep: rep.id).map { Classifier.MailInput(item: $0.item, account: $0.account) }
        }
        let inputs = instances.map { Classifier.EventInput(instance: $0, account: "file", origin: .calendar) }
        let verdicts = derivation.classifier(for: rep).classify(mails: mails, events: inputs)
        // By key: a calendar may have thousands of instances (a linear search each was quadratic).
        let byKey = Dictionary(verdicts.map { ($0.itemKey, $0) }, uniquingKeysWith: { a, _ in a })
        var items = inputs.map { input in
            let verdict = byKey[input.key] ?? ItemVerdict(itemKey: input.key, activities: [], ignored: "not classified")
            let i = input.instance
            return ExplainCommand.eventJSON(id: input.key, summary: i.summary, organizer: i.organizer?.address,
                                            attendees: i.attendees.map(\.address), start: i.start, verdict: verdict, zone: zone,
                                            flow: config.flow)
        }
        // A series whose RRULE cannot be read is refused by the expander: say so, once per series.
        let resolver = ICalZoneResolver(calendar: calendar, floatingZone: zone)
        for e in calendar.events where e.recurrenceID == nil {
            guard let problem = e.problem, let start = e.start else { continue }
            let verdict = ItemVerdict(itemKey: e.uid, activities: [], ignored: "series refused, no instance counts: \(problem)")
            items.append(ExplainCommand.eventJSON(id: e.uid, summary: e.summary, organizer: e.organizer?.address,
                                                  attendees: e.attendees.map(\.address), start: start.date(resolver: resolver),
                                                  verdict: verdict, zone: zone))
        }
        return items
    }

    static func eventJSON(id: String, summary: String, organizer: String?, attendees: [String], start: Date,
                          verdict: ItemVerdict, zone: TimeZone, flow: Flow = .standard) -> JSON {
        .object([
            ("type", .string("event")),
            ("id", .string(id)),
            ("subject", .string(summary)),
            ("from", .optional(organizer)),
            ("to", .array(attendees.map(JSON.string))),
            ("date", .string(rfc3339(start, in: zone))),
            ("activities", activitiesJSON(verdict, flow: flow)),
            ("ignored", .optional(verdict.ignored)),
        ])
    }

    /// `step` is the configured flow's (DOMAIN.md "Other flows"): the kind's, or the title's where the flow splits it.
    static func activitiesJSON(_ verdict: ItemVerdict, flow: Flow = .standard) -> JSON {
        .array(verdict.activities.map { a in
            .object([("kind", .string(a.kind.rawValue)), ("step", .int(flow.step(of: a))), ("org", .string(a.org)),
                     ("rule", .string(a.rule))])
        })
    }

    static func itemJSON(_ item: MailItem, verdict: ItemVerdict, zone: TimeZone, flow: Flow = .standard) -> JSON {
        .object([
            ("type", .string("mail")),
            ("id", .string(item.key)),
            ("subject", .string(item.subject)),
            ("from", .optional(item.from)),
            ("to", .array(item.to.map(JSON.string))),
            ("date", item.dateSource == "none" ? .null : .string(rfc3339(item.date, in: zone))),
            ("date_source", item.dateSource == "none" ? .null : .string(item.dateSource)),
            ("date_note", .optional(dateNote(item))),
            ("activities", activitiesJSON(verdict, flow: flow)),
            ("ignored", .optional(verdict.ignored)),
        ])
    }

    /// Which date a mail's time comes from and why, in words: `date from INTERNALDATE: Date header has no zone`.
    static func dateNote(_ item: MailItem) -> String? {
        let source: String
        switch item.dateSource {
        case "header": return nil
        case "internaldate": source = "date from INTERNALDATE"
        case "received": source = "date from the newest Received: header"
        default: source = "no date"
        }
        return item.dateNote.map { "\(source): \($0)" } ?? source
    }

    /// A stored mail's reason for its date source, from its stored Date header (the reason is not stored).
    static func withDateNote(_ item: MailItem, headers: [UInt8]?) -> MailItem {
        guard item.dateSource != "header", item.dateNote == nil, let headers else { return item }
        var item = item
        let date = MessageHeaders(raw: headers).first("date")
        item.dateNote = MailItem.chooseDate(header: date, internalDate: item.date).note
        return item
    }

    static func table(_ items: [JSON]) -> String {
        var out = ""
        for case .object(let fields) in items {
            let f = Dictionary(fields, uniquingKeysWith: { a, _ in a })
            func s(_ k: String) -> String { if case .string(let v)? = f[k] { return v } else { return "" } }
            let date = s("date").isEmpty ? "none" : s("date")
            out += "\(s("type")) \(s("id"))\n  subject: \(s("subject"))\n  from:    \(s("from"))\n  date:    \(date)\n"
            if !s("date_note").isEmpty { out += "           (\(s("date_note")))\n" }
            if case .array(let acts)? = f["activities"], !acts.isEmpty {
                for case .object(let a) in acts {
                    let d = Dictionary(a, uniquingKeysWith: { x, _ in x })
                    func t(_ k: String) -> String {
                        switch d[k] { case .string(let v)?: return v; case .int(let n)?: return String(n); default: return "" }
                    }
                    out += "  counts:  \(t("kind")) (step \(t("step"))) for \(t("org")) by rule \(t("rule"))\n"
                }
            } else {
                out += "  counts for nothing: \(s("ignored"))\n"
            }
            if case .string(let m)? = f["malformed"], m != s("ignored") { out += "  \(m)\n" }
            if case .array(let adjustments)? = f["adjustments"] {
                for case .object(let a) in adjustments {
                    let d = Dictionary(a, uniquingKeysWith: { x, _ in x })
                    func t(_ k: String) -> String {
                        switch d[k] { case .string(let v)?: return v; case .int(let n)?: return String(n); default: return "" }
                    }
                    let change = t("action") == "reclassify" ? "reclassify \(t("from_kind"))→\(t("kind"))" : t("action")
                    var line = "  adjusted: #\(t("id")) \(change) by \(t("by")) at \(t("at")): \(t("reason"))"
                    if case .object(let v)? = d["revoked"] {
                        let r = Dictionary(v, uniquingKeysWith: { x, _ in x })
                        if case .int(let id)? = r["id"], case .string(let by)? = r["by"] { line += " (revoked by #\(id), \(by))" }
                    } else if case .bool(true)? = d["in_effect"] {
                        line += " (in effect)"
                    }
                    out += line + "\n"
                }
            }
        }
        return out
    }
}

enum ExplainFormat: String, ExpressibleByArgument, CaseIterable { case table, json }
