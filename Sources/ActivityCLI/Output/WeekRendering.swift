import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// The three renderings of `activity week`.
enum WeekRendering {
    static func json(_ weeks: [RepWeek], week: ISOWeek, config: Config) -> JSON {
        let zone = config.timeZone
        return .object([
            ("week", .string(week.description)),
            ("start", .string(isoDate(week.start(in: zone), in: zone))),
            ("end", .string(isoDate(week.end(in: zone).addingTimeInterval(-1), in: zone))),
            ("timezone", .string(zone.identifier)),
            ("reps", .array(weeks.map { repJSON($0) })),
        ])
    }

    /// `json(weeks, …).serialized(pretty: true)` and a newline, written to `out` a rep at a time
    /// (no JSON tree of every rep at once).
    static func writeJSON(_ weeks: [RepWeek], week: ISOWeek, config: Config, to out: inout ByteWriter) {
        guard case .object(var fields) = json([], week: week, config: config) else { return }
        fields.removeLast()  // reps
        JSON.writeObject(fields, thenArray: "reps", of: weeks.lazy.map { repJSON($0) }, to: &out)
        out.append(byte: 0x0A)
    }

    static func repJSON(_ w: RepWeek) -> JSON {
        .object([
            ("rep", .string(w.rep)),
            ("name", .string(w.name)),
            ("team", .optional(w.team)),
            ("status", .string(w.inProgress ? "in_progress" : "complete")),
            ("counts", .object(Kind.allCases.map { ($0.rawValue, .int(w.counts[$0] ?? 0)) })),
            ("targets", .object(w.targets.map { t in
                var fields: [(String, JSON)] = [
                    ("target", .double(t.attainment.target)),
                    ("actual", .int(t.attainment.actual)),
                    ("attainment", .double(t.attainment.roundedRatio)),
                    ("status", .string(t.attainment.status.rawValue)),
                ]
                if let daysLeft = t.daysLeft {
                    fields.append(("remaining", .double(t.attainment.remaining)))
                    fields.append(("days_left", .int(daysLeft)))
                }
                return (t.kind.rawValue, .object(fields))
            })),
            ("activities", .array(w.activities.map { activityJSON($0, zone: w.timeZone, flow: w.flow) })),
            ("followups_due", .array(w.followUpsDue.map { f in
                .object([("org", .string(f.org)), ("last_contact", .string(rfc3339(f.lastContact, in: w.timeZone))),
                         ("days_waiting", .int(f.daysWaiting))])
            })),
            ("stages", .object(w.stages.map { ($0.org, .int($0.step)) })),
        ] + (w.deals.map { [("pipeline", PipelineCommand.countsJSON($0))] } ?? []))
    }

    /// One activity of INTERFACE.md's JSON; an adjusted one carries `adjusted`, an added one a
    /// `manual` source (INTERFACE.md "Adjustments in the JSON").
    static func activityJSON(_ a: Activity, zone: TimeZone, flow: Flow) -> JSON {
        var fields: [(String, JSON)] = [
            ("id", .string(a.id)),
            ("kind", .string(a.kind.rawValue)),
            ("step", .int(flow.step(of: a))),
            ("at", .string(rfc3339(a.at, in: zone))),
            ("org", .string(a.org)),
            ("title", .string(a.title)),
            ("rule", .string(a.rule)),
        ]
        if a.sourceType == .manual, let mark = a.adjusted {
            fields.append(("source", .object([("type", .string("manual")), ("by", .string(mark.by)), ("adjustment", .int(Int(mark.id)))])))
        } else {
            fields.append(("source", .object([("type", .string(a.sourceType.rawValue)), ("account", .string(a.account)), ("ref", .string(a.ref))])))
        }
        if let mark = a.adjusted, mark.action != .add {
            fields.append(("adjusted", .object([
                ("id", .int(Int(mark.id))), ("action", .string(mark.action.rawValue)),
                ("from_kind", .optional(mark.fromKind?.rawValue)), ("by", .string(mark.by)),
                ("at", .string(rfc3339(mark.at, in: zone))), ("reason", .string(mark.reason)),
            ])))
        }
        if !a.counted { fields.append(("counted", .bool(false))) }
        return .object(fields)
    }

    /// How the table shows an activity's rule, and what was done to it by hand.
    static func ruleText(_ a: Activity) -> String {
        guard let mark = a.adjusted else { return a.rule }
        switch mark.action {
        case .add: return "manual #\(mark.id) by \(mark.by)"
        case .void: return "VOID #\(mark.id) by \(mark.by) (was \(a.rule))"
        case .reclassify: return "\(mark.fromKind?.rawValue ?? "?")→\(a.kind.rawValue) #\(mark.id) by \(mark.by) (was \(a.rule))"
        case .alias, .revoke: return a.rule
        }
    }

    static func csv(_ weeks: [RepWeek]) -> String {
        var out = ByteWriter()
        csv(weeks, to: &out)
        return out.string
    }

    static func csv(_ weeks: [RepWeek], to out: inout ByteWriter) {
        out.append("\u{FEFF}rep,name,team,week,status,kind,actual,target,attainment,target_status\r\n")
        for w in weeks {
            let targets = Dictionary(w.targets.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
            for kind in Kind.allCases {
                let t = targets[kind]
                let cells = [w.rep, w.name, w.team ?? "", w.week.description, w.inProgress ? "in_progress" : "complete",
                             kind.rawValue, String(w.counts[kind] ?? 0),
                             t.map { formatNumber($0.attainment.target) } ?? "",
                             t.map { String(format: "%.4f", $0.attainment.ratio) } ?? "",
                             t?.attainment.status.rawValue ?? ""]
                for (i, c) in cells.enumerated() {
                    if i > 0 { out.append(byte: UInt8(ascii: ",")) }
                    out.append(csvField(c))
                }
                out.append("\r\n")
            }
            out.checkpoint()
        }
    }

    static func table(_ weeks: [RepWeek], week: ISOWeek, color: Bool) -> String {
        var out = ByteWriter()
        table(weeks, week: week, color: color, to: &out)
        return out.string
    }

    static func table(_ weeks: [RepWeek], week: ISOWeek, color: Bool, to out: inout ByteWriter) {
        for w in weeks {
            out.checkpoint()
            let state = w.inProgress ? "in progress" : "complete"
            out.append("\(w.name) (\(w.rep))\(w.team.map { ", team \($0)" } ?? "") — \(w.week) \(state)\n\n")
            var counts = TextTable(header: ["kind", w.flow.isStandard ? "步骤" : "步骤 (\(w.flow.name))", "actual", "target", "attainment", "status"], rightAligned: [2, 3, 4])
            let targets = Dictionary(w.targets.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
            for kind in Kind.allCases {
                let t = targets[kind]
                var status = t?.attainment.status.rawValue ?? ""
                if let t, let days = t.daysLeft, t.attainment.remaining > 0 {
                    status += " (\(formatNumber(t.attainment.remaining)) more in \(days) day\(days == 1 ? "" : "s"))"
                }
                if color, let t {
                    let code = t.attainment.status == .met ? "32" : t.attainment.status == .near ? "33" : "31"
                    status = "\u{1B}[\(code)m\(status)\u{1B}[0m"
                }
                counts.add([kind.rawValue, w.flow.label(of: kind), String(w.counts[kind] ?? 0),
                            t.map { formatNumber($0.attainment.target) } ?? "",
                            t.map { String(format: "%.0f%%", $0.attainment.ratio * 100) } ?? "", status])
            }
            counts.render(to: &out)
            if let deals = w.deals {
                out.append("\n过堂 Open deals: \(PipelineCommand.countsText(deals))  (activity pipeline --rep \(w.rep))\n")
            }
            if !w.activities.isEmpty {
                out.append("\nActivities\n")
                var list = TextTable(header: ["when", "kind", "org", "title", "rule"])
                for a in w.activities {
                    list.add([LocalTimestamp.weekdayTime(a.at, in: w.timeZone), a.counted ? a.kind.rawValue : "(\(a.kind.rawValue))", a.org,
                              truncate(a.title, 40), ruleText(a)])
                }
                list.render(to: &out)
            }
            if !w.followUpsDue.isEmpty {
                out.append("\nFollow-ups due\n")
                var list = TextTable(header: ["org", "last contact", "days waiting"], rightAligned: [2])
                for d in w.followUpsDue {
                    list.add(d.org, isoDate(d.lastContact, in: w.timeZone), String(d.daysWaiting))
                }
                list.render(to: &out)
            }
            if !w.stages.isEmpty {
                out.append("\nStages\n")
                var list = TextTable(header: ["org", "stage"])
                for s in w.stages {
                    list.add(s.org, w.flow.label(of: s.step))
                }
                list.render(to: &out)
            }
            out.append("\n")
        }
    }

    static func truncate(_ s: String, _ width: Int) -> String {
        guard displayWidth(s) > width else { return s }
        var out = ""
        for c in s {
            if displayWidth(out + String(c)) > width - 1 { break }
            out.append(c)
        }
        return out + "…"
    }
}

func formatNumber(_ d: Double) -> String {
    d == d.rounded() ? String(Int(d)) : String(format: "%g", d)
}

/// RFC 4180 quoting.
func csvField(_ s: String) -> String {
    // Most fields have none of these bytes (checking Characters was half of the export CSV's rendering).
    if !s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) { return s }
    if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
}
