import Foundation
import Testing
@testable import ActivityCore

/// Recurrence expansion against an independent implementation: the PyPI packages `icalendar` and
/// `recurring-ical-events` (installed by scripts/install-deps), driven by scripts/oracle/expand.py.
/// A deterministic corpus of generated series covers every RRULE part, DST zones, UTC, floating and
/// all-day events, EXDATE, RDATE and overrides; instance starts must agree series by series.
@Suite("Recurrence oracle")
struct RecurrenceOracleTests {
    // MARK: - Corpus

    enum ZoneKind: CaseIterable {
        case newYork, berlin, shanghai, utc, floating, allDay
        /// A TZID only its VTIMEZONE defines (Outlook's "Customized Time Zone", Central European rules).
        case customVTimezone
        /// A Windows name with the VTIMEZONE Outlook sends along (US Eastern rules).
        case windowsName

        var tzid: String? {
            switch self {
            case .newYork: return "America/New_York"
            case .berlin: return "Europe/Berlin"
            case .shanghai: return "Asia/Shanghai"
            case .customVTimezone: return "Customized Time Zone"
            case .windowsName: return "Eastern Standard Time"
            default: return nil
            }
        }

        var vtimezone: [String] {
            switch self {
            case .customVTimezone:
                return ["BEGIN:VTIMEZONE", "TZID:Customized Time Zone",
                        "BEGIN:STANDARD", "DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
                        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
                        "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
                        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE"]
            case .windowsName:
                return ["BEGIN:VTIMEZONE", "TZID:Eastern Standard Time",
                        "BEGIN:STANDARD", "DTSTART:16010101T020000", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500",
                        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11", "END:STANDARD",
                        "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400",
                        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE"]
            default:
                return []
            }
        }
    }

    enum Bound: Sendable {
        case count(ClosedRange<Int>)
        case until
        case open
    }

    enum Extra: Sendable {
        case none, exdates, rdate, overrides
    }

    struct Recipe: Sendable {
        var rule: String
        var bound: Bound
        var timedOnly = false
        var extra: Extra = .none
        /// Adjusts the generated start so that it is on the rule (needed with COUNT: the oracle's
        /// dateutil does not count an off-rule DTSTART, RFC 5545 does).
        var sync: (@Sendable (inout Civil) -> Void)? = nil
        /// Start hours to draw from (DST-sensitive recipes pin them); nil: any.
        var hours: [Int]? = nil
        var months: [Int]? = nil
    }

    struct Civil: Sendable {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int

        var dayNumber: Int { CivilTime.dayNumber(year: year, month: month, day: day) }
        var weekdayCode: String { ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][CivilTime.weekday(ofDay: dayNumber)] }

        mutating func setDay(_ n: Int) {
            let d = CivilTime.date(ofDay: n)
            (year, month, day) = (d.year, d.month, d.day)
        }

        func adding(days: Int, hour: Int? = nil, minute: Int? = nil) -> Civil {
            var c = self
            c.setDay(dayNumber + days)
            if let hour { c.hour = hour }
            if let minute { c.minute = minute }
            return c
        }

        var dateText: String { String(format: "%04d%02d%02d", year, month, day) }
        var dateTimeText: String { dateText + String(format: "T%02d%02d00", hour, minute) }
    }

    static let recipes: [Recipe] = [
        // FREQ, INTERVAL, COUNT, UNTIL
        Recipe(rule: "FREQ=DAILY", bound: .count(5...40)),
        Recipe(rule: "FREQ=DAILY;INTERVAL=3", bound: .until),
        Recipe(rule: "FREQ=WEEKLY", bound: .open),
        Recipe(rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY={WD}", bound: .count(3...30)),
        Recipe(rule: "FREQ=MONTHLY", bound: .count(3...20)),
        Recipe(rule: "FREQ=YEARLY", bound: .open),
        // BYDAY in WEEKLY, WKST with INTERVAL>1
        Recipe(rule: "FREQ=WEEKLY;BYDAY=MO,WE,FR", bound: .until),
        Recipe(rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU", bound: .until),
        Recipe(rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=MO", bound: .until),
        Recipe(rule: "FREQ=WEEKLY;INTERVAL=3;BYDAY=SA,MO;WKST=TH", bound: .open),
        // MONTHLY: BYMONTHDAY (31 skips short months, negatives), ordinal BYDAY, BYSETPOS
        Recipe(rule: "FREQ=MONTHLY;BYMONTHDAY=31", bound: .count(3...12), sync: { c in c.month = 1; c.day = 31 }),
        Recipe(rule: "FREQ=MONTHLY;BYMONTHDAY=-1", bound: .until),
        Recipe(rule: "FREQ=MONTHLY;BYMONTHDAY=1,15,-3", bound: .open),
        Recipe(rule: "FREQ=MONTHLY;BYDAY=2MO", bound: .until),
        Recipe(rule: "FREQ=MONTHLY;BYDAY=-1FR", bound: .open),
        Recipe(rule: "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU,-2TH", bound: .until),
        Recipe(rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", bound: .open),
        Recipe(rule: "FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1,2", bound: .until),
        Recipe(rule: "FREQ=MONTHLY;BYMONTHDAY=-3,-1;BYSETPOS=1", bound: .open),
        Recipe(rule: "FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR", bound: .open),
        // YEARLY: BYMONTH, ordinal BYDAY within BYMONTH and within the year, BYYEARDAY, BYWEEKNO
        Recipe(rule: "FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU", bound: .open),
        Recipe(rule: "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", bound: .until),
        Recipe(rule: "FREQ=YEARLY;BYDAY=20MO", bound: .open),
        Recipe(rule: "FREQ=YEARLY;BYDAY=-2FR,10WE", bound: .open),
        Recipe(rule: "FREQ=YEARLY;BYYEARDAY=1,100,-1", bound: .open),
        Recipe(rule: "FREQ=YEARLY;BYWEEKNO=1,20,-1;BYDAY=MO", bound: .open),
        Recipe(rule: "FREQ=YEARLY;BYWEEKNO=1,52;WKST=SU;BYDAY=SU,MO", bound: .open),
        Recipe(rule: "FREQ=YEARLY;BYWEEKNO=53,-53;BYDAY=TH", bound: .open),
        Recipe(rule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", bound: .open),
        Recipe(rule: "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1,-1", bound: .until),
        Recipe(rule: "FREQ=YEARLY;INTERVAL=2;BYMONTH=6,12;BYDAY=MO;BYSETPOS=-1", bound: .open),
        Recipe(rule: "FREQ=YEARLY;BYMONTH=4;BYWEEKNO=15,16;BYDAY=WE", bound: .open),
        // Times of day: BYHOUR, BYMINUTE, BYSECOND and the sub-daily frequencies
        Recipe(rule: "FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0,30", bound: .until, timedOnly: true),
        Recipe(rule: "FREQ=DAILY;BYMONTH=3,11;BYHOUR=1,2,3;BYMINUTE=30", bound: .open, timedOnly: true, months: [2, 3, 10, 11]),
        Recipe(rule: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=30", bound: .open, timedOnly: true, months: [2, 3, 9, 10]),
        Recipe(rule: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=1;BYMINUTE=30", bound: .open, timedOnly: true, months: [9, 10]),
        Recipe(rule: "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU;BYHOUR=1;BYMINUTE=30", bound: .open, timedOnly: true),
        Recipe(rule: "FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=8,20;BYSECOND=0,45", bound: .until, timedOnly: true),
        Recipe(rule: "FREQ=HOURLY;INTERVAL=5", bound: .count(10...60), timedOnly: true),
        Recipe(rule: "FREQ=HOURLY;INTERVAL=3;BYHOUR={H},13,22;BYMINUTE=0,20", bound: .count(10...60), timedOnly: true,
               sync: { c in c.minute = 0 }),
        Recipe(rule: "FREQ=MINUTELY;INTERVAL=15;BYHOUR=9,10,{H}", bound: .count(10...50), timedOnly: true,
               sync: { c in c.minute = 15 }),
        Recipe(rule: "FREQ=MINUTELY;INTERVAL=7;BYDAY={WD}", bound: .count(20...80), timedOnly: true),
        Recipe(rule: "FREQ=SECONDLY;INTERVAL=20;BYSECOND=0,20,40", bound: .count(10...40), timedOnly: true),
        Recipe(rule: "FREQ=SECONDLY;INTERVAL=1800;BYMINUTE=0,30", bound: .count(10...40), timedOnly: true,
               sync: { c in c.minute = 30 }),
        // EXDATE, RDATE, overrides
        Recipe(rule: "FREQ=DAILY", bound: .count(8...15), extra: .exdates),
        Recipe(rule: "FREQ=WEEKLY;BYDAY={WD}", bound: .open, extra: .rdate),
        Recipe(rule: "FREQ=WEEKLY", bound: .count(6...12), extra: .overrides),
    ]

    static let zoneCycle: [ZoneKind] = [.newYork, .berlin, .shanghai, .utc, .floating, .allDay, .customVTimezone, .newYork, .berlin, .windowsName]
    static let floatingZones = ["America/New_York", "Europe/Berlin", "Asia/Shanghai"]
    /// Series per recipe: each in a different zone.
    static let zonesPerRecipe = 3

    struct Series {
        var name: String
        var rule: String
        var zone: ZoneKind
        var floatingZone: String
        var ics: String
    }

    static func corpus() -> [Series] {
        var rng = SplitMix64(seed: 20_261_117)
        var out: [Series] = []
        var zoneIndex = 0
        for (r, recipe) in recipes.enumerated() {
            var made = 0
            while made < zonesPerRecipe {
                let zone = zoneCycle[zoneIndex % zoneCycle.count]
                zoneIndex += 1
                if recipe.timedOnly && zone == .allDay { continue }
                made += 1
                let floatingZone = floatingZones[Int.random(in: 0..<floatingZones.count, using: &rng)]
                let name = String(format: "s%03d-%d", r, made)
                out.append(series(name: name, recipe: recipe, zone: zone, floatingZone: floatingZone, rng: &rng))
            }
        }
        return out
    }

    static func series(name: String, recipe: Recipe, zone: ZoneKind, floatingZone: String, rng: inout SplitMix64) -> Series {
        let month = recipe.months?.randomElement(using: &rng) ?? Int.random(in: 1...12, using: &rng)
        let year = month >= 6 ? 2025 : 2026
        var start = Civil(year: year, month: month, day: Int.random(in: 1...28, using: &rng),
                          hour: recipe.hours?.randomElement(using: &rng) ?? Int.random(in: 0...23, using: &rng),
                          minute: [0, 15, 30, 45].randomElement(using: &rng)!)
        if zone == .allDay { start.hour = 0; start.minute = 0 }
        recipe.sync?(&start)
        var rule = recipe.rule.replacingOccurrences(of: "{WD}", with: start.weekdayCode)
            .replacingOccurrences(of: "{H}", with: String(start.hour))
        let isDate = zone == .allDay

        func property(_ name: String, _ c: Civil) -> String {
            switch zone {
            case .allDay: return "\(name);VALUE=DATE:\(c.dateText)"
            case .utc: return "\(name):\(c.dateTimeText)Z"
            case .floating: return "\(name):\(c.dateTimeText)"
            default: return "\(name);TZID=\(zone.tzid!):\(c.dateTimeText)"
            }
        }

        switch recipe.bound {
        case .count(let range):
            rule += ";COUNT=\(Int.random(in: range, using: &rng))"
        case .until:
            let u = start.adding(days: Int.random(in: 60...500, using: &rng), hour: Int.random(in: 0...23, using: &rng))
            switch zone {
            case .allDay: rule += ";UNTIL=\(u.dateText)"
            case .floating: rule += ";UNTIL=\(u.dateTimeText)"
            default: rule += ";UNTIL=\(u.dateTimeText)Z"
            }
        case .open:
            break
        }

        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//activity//oracle corpus//EN"] + zone.vtimezone + ["BEGIN:VEVENT",
                     "UID:\(name)@oracle", "SUMMARY:\(name) \(rule)", property("DTSTART", start)]
        if isDate {
            lines.append(property("DTEND", start.adding(days: Int.random(in: 1...3, using: &rng))))
        } else if Bool.random(using: &rng) {
            lines.append("DURATION:PT\(Int.random(in: 1...3, using: &rng))H")
        } else {
            lines.append(property("DTEND", start.adding(days: 0, hour: min(start.hour + 1, 23))))
        }
        lines.append("RRULE:\(rule)")
        var extraEvents: [[String]] = []
        switch recipe.extra {
        case .none:
            break
        case .exdates:
            lines.append(property("EXDATE", start.adding(days: 1)))
            lines.append(property("EXDATE", start.adding(days: 3)))
        case .rdate:
            lines.append(property("RDATE", start.adding(days: 40, hour: 13, minute: 0)))
            lines.append(property("RDATE", start.adding(days: 200, hour: 7, minute: 45)))
        case .overrides:
            // The third instance moves two days later (into another week); the fourth is cancelled.
            let moved = start.adding(days: 14)
            extraEvents.append(["BEGIN:VEVENT", "UID:\(name)@oracle", "SEQUENCE:1", "SUMMARY:\(name) moved",
                                property("RECURRENCE-ID", moved), property("DTSTART", moved.adding(days: 2, hour: isDate ? 0 : 10)),
                                isDate ? property("DTEND", moved.adding(days: 3)) : "DURATION:PT1H", "END:VEVENT"])
            let cancelled = start.adding(days: 21)
            extraEvents.append(["BEGIN:VEVENT", "UID:\(name)@oracle", "SEQUENCE:1", "STATUS:CANCELLED",
                                "SUMMARY:\(name) cancelled", property("RECURRENCE-ID", cancelled),
                                property("DTSTART", cancelled), isDate ? property("DTEND", cancelled.adding(days: 1)) : "DURATION:PT1H",
                                "END:VEVENT"])
        }
        lines.append("END:VEVENT")
        for e in extraEvents { lines.append(contentsOf: e) }
        lines.append("END:VCALENDAR")
        return Series(name: name, rule: rule, zone: zone, floatingZone: floatingZone,
                      ics: lines.joined(separator: "\r\n") + "\r\n")
    }

    // MARK: - Running the oracle

    struct OracleRow: Decodable {
        var file: String
        var uid: String
        var recurrence_id: String?
        var start: String
        var end: String?
        var all_day: Bool
    }

    static func repositoryRoot() -> URL? {
        var dir = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("scripts/oracle/expand.py").path) { return dir }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    /// Runs expand.py; on failure returns a message that says how to install what is missing.
    static func runOracle(root: URL, files: [URL], from: String, to: String, tz: String) -> Result<[OracleRow], OracleFailure> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/oracle/expand.py").path]
            + files.map(\.path) + ["--from", from, "--to", to, "--tz", tz]
        process.currentDirectoryURL = root
        let out = Pipe()
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("oracle-stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        guard let errHandle = try? FileHandle(forWritingTo: errFile) else {
            return .failure(OracleFailure(message: "cannot create \(errFile.path)"))
        }
        process.standardOutput = out
        process.standardError = errHandle
        do {
            try process.run()
        } catch {
            return .failure(OracleFailure(message: "cannot run /usr/bin/env python3 (\(error)); run scripts/install-deps "
                + "and `python3 -m pip install icalendar recurring-ical-events`"))
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errHandle.close()
        let stderr = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            return .failure(OracleFailure(message: "the recurrence oracle (python3 scripts/oracle/expand.py) failed with exit code "
                + "\(process.terminationStatus): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines)). Python 3 with the "
                + "packages icalendar and recurring-ical-events is needed: run scripts/install-deps "
                + "(it installs python3 and pip; then `python3 -m pip install icalendar recurring-ical-events`)"))
        }
        var rows: [OracleRow] = []
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            do {
                rows.append(try decoder.decode(OracleRow.self, from: Data(line)))
            } catch {
                return .failure(OracleFailure(message: "unreadable oracle output line \(String(decoding: line, as: UTF8.self)): \(error)"))
            }
        }
        return .success(rows)
    }

    struct OracleFailure: Error {
        var message: String
    }

    static let windowFrom = "2026-01-01T00:00:00Z"
    static let windowTo = "2027-07-01T00:00:00Z"

    static func isoDate(_ s: String) -> Date {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)!
    }

    static func text(of instance: EventInstance) -> String {
        if instance.isAllDay, let d = instance.startDay, let y = d.year, let m = d.month, let day = d.day {
            return String(format: "%04d-%02d-%02d", y, m, day)
        }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: instance.start)
    }

    @Test("expansion agrees with icalendar + recurring-ical-events on a generated corpus of DST, UTC, floating and all-day series")
    func agreesWithOracle() throws {
        let corpus = Self.corpus()
        #expect(corpus.count >= 120)
        guard let root = Self.repositoryRoot() else {
            Issue.record("scripts/oracle/expand.py not found above \(#filePath)")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ical-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var oracle: [String: [OracleRow]] = [:]
        for tz in Self.floatingZones {
            let members = corpus.filter { $0.floatingZone == tz }
            var files: [URL] = []
            for s in members {
                let url = dir.appendingPathComponent(s.name + ".ics")
                try s.ics.write(to: url, atomically: true, encoding: .utf8)
                files.append(url)
            }
            switch Self.runOracle(root: root, files: files, from: Self.windowFrom, to: Self.windowTo, tz: tz) {
            case .failure(let failure):
                Issue.record(Comment(rawValue: failure.message))
                return
            case .success(let rows):
                for row in rows { oracle[row.file, default: []].append(row) }
            }
        }

        var compared = 0, instances = 0, differing: [String] = []
        for s in corpus {
            let calendar = try ICalendar.parse(s.ics)
            let mine = RecurrenceExpander.instances(of: calendar, from: Self.isoDate(Self.windowFrom), to: Self.isoDate(Self.windowTo),
                                                    floatingZone: TimeZone(identifier: s.floatingZone)!)
            // The oracle can list one instant twice (a nonexistent wall-clock time in the spring-forward gap
            // shifts onto the next hour's instance); RFC 5545 3.8.5.3: "Duplicate instances are ignored."
            let expected = Set((oracle[s.name + ".ics"] ?? []).map { "\($0.start) \($0.recurrence_id ?? "-")" }).sorted()
            let actual = mine.map { "\(Self.text(of: $0)) \($0.recurrenceID ?? "-")" }.sorted()
            compared += 1
            instances += expected.count
            if expected != actual {
                let missing = expected.filter { !actual.contains($0) }
                let extra = actual.filter { !expected.contains($0) }
                differing.append("\(s.name) [\(s.zone), floating \(s.floatingZone)] RRULE:\(s.rule): "
                    + "oracle \(expected.count) vs ours \(actual.count); missing \(missing.prefix(6)); extra \(extra.prefix(6))")
            }
        }
        #expect(differing.isEmpty, Comment(rawValue: "\(differing.count) of \(compared) series differ:\n" + differing.joined(separator: "\n")))
        #expect(instances > 2000, "the corpus should produce thousands of instances, got \(instances)")
        print("recurrence oracle: compared \(compared) series, \(instances) instances")
    }
}
