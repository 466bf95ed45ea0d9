import Foundation
import Testing

/// `activity export` end to end: the fixture team's mail on a real Dovecot → sync → export in
/// each format, checked against the hand-labelled ledger (Fixtures/mail/expected.json) and read
/// back by independent readers (openpyxl for XLSX, headless Chromium for HTML).
@Suite("Export of the fixture team", .serialized)
struct ExportTests {
    /// 2025-W24 … 2026-W47: every labelled week, and the 2025 → 2026 year end between them.
    static let from = "2025-W24", to = "2026-W47"
    static let reps = ["alice", "bob", "carol"]
    static let kinds = ["lead", "qualified", "contact", "visit", "demo", "closing", "onboarding", "payment", "follow_up"]
    static let names = ["alice": "王丽", "bob": "张伟", "carol": "Carol Chen"]
    static let teamOf = ["alice": "east", "bob": "east", "carol": "north"]

    /// The weeks of the range, as ISO week names (2025 has 52 weeks).
    static var weeks: [String] {
        (24...52).map { String(format: "2025-W%02d", $0) } + (1...47).map { String(format: "2026-W%02d", $0) }
    }

    struct Synced {
        let dovecot: Dovecot
        let team: FixtureTeam
    }

    func synced() throws -> Synced {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        let sync = try team.activity(["sync", "--once"])
        guard sync.status == 0 else { throw HarnessError(description: "sync failed: \(sync.stderr)") }
        return Synced(dovecot: dovecot, team: team)
    }

    func exportJSON(_ team: FixtureTeam, _ extra: [String] = []) throws -> [String: Any] {
        let r = try team.activity(["export", "--from", ExportTests.from, "--to", ExportTests.to, "--format", "json"] + extra)
        guard r.status == 0, let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw HarnessError(description: "export failed (\(r.status)): \(r.stderr)")
        }
        return json
    }

    static func round4(_ d: Double) -> Double { (d * 10_000).rounded() / 10_000 }
    static func status(_ ratio: Double) -> String { ratio >= 1 ? "met" : ratio >= 0.8 ? "near" : "behind" }

    @Test("export JSON: the labelled weeks' counts, the configured targets week by week, and totals and teams that sum the rows")
    func jsonMatchesTheLabels() throws {
        let s = try synced()
        let json = try exportJSON(s.team)
        #expect(Array(json.keys).sorted() == ["adjustments", "from", "funnel", "pipeline", "pipeline_date", "rows", "teams", "timezone", "to", "totals"])
        #expect(json["from"] as? String == ExportTests.from && json["to"] as? String == ExportTests.to)
        #expect(json["timezone"] as? String == "Asia/Shanghai")
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.count == 3 * 76 * 9)

        // Every count is the labelled one; weeks without labels are empty.
        let expected = try ExpectedLedger()
        var row: [String: [String: Any]] = [:]
        for r in rows {
            let key = "\(r["rep"] as? String ?? "")|\(r["week"] as? String ?? "")|\(r["kind"] as? String ?? "")"
            row[key] = r
            let want = expected.weeks[r["week"] as? String ?? ""]?[r["rep"] as? String ?? ""]?[r["kind"] as? String ?? ""] ?? 0
            #expect(r["actual"] as? Int == want, "\(key)")
            #expect(r["team"] as? String == ExportTests.teamOf[r["rep"] as? String ?? ""])
            if let target = r["target"] as? Double {
                let ratio = Double(r["actual"] as? Int ?? -1) / target
                #expect(r["attainment"] as? Double == ExportTests.round4(ratio), "\(key)")
                #expect(r["status"] as? String == ExportTests.status(ratio), "\(key)")
            } else {
                #expect(r["target"] is NSNull && r["attainment"] is NSNull && r["status"] is NSNull, "\(key)")
            }
        }
        #expect(Set(row.keys).count == rows.count)
        let labelled = expected.weeks.values.flatMap { $0.values.flatMap { $0.values } }.reduce(0, +)
        #expect(rows.map { $0["actual"] as? Int ?? 0 }.reduce(0, +) == labelled)
        #expect(labelled > 0)

        // Targets: rep › team › tenure band › default, week by week (Fixtures/demo/activity.toml.in).
        func target(_ rep: String, _ week: String, _ kind: String) -> Double? { row["\(rep)|\(week)|\(kind)"]?["target"] as? Double }
        #expect(target("alice", "2026-W47", "lead") == 12)     // alice's own
        #expect(target("alice", "2026-W47", "visit") == 8)     // team east
        #expect(target("alice", "2026-W47", "demo") == 1)      // default
        #expect(target("alice", "2026-W47", "closing") == 0.5) // default, fractional
        #expect(target("alice", "2026-W47", "payment") == nil)
        #expect(target("bob", "2026-W37", "lead") == 11)       // before his start on 14 September: no band
        #expect(target("bob", "2026-W38", "lead") == 5)        // months 0–3
        #expect(target("carol", "2025-W24", "visit") == 2)     // before her start on 1 August 2025
        #expect(target("carol", "2025-W40", "lead") == 5)      // months 0–3
        #expect(target("carol", "2026-W01", "visit") == 6)     // months 3–6
        #expect(target("carol", "2026-W45", "visit") == 10)    // months 6 and after; team north sets nothing
        #expect(row["alice|2026-W01|lead"] != nil && row["alice|2025-W52|lead"] != nil && row["alice|2025-W53|lead"] == nil)

        // Period totals are the sums of each rep's rows.
        let totals = try #require(json["totals"] as? [[String: Any]])
        #expect(totals.count == 3 * 9)
        for t in totals {
            let rep = t["rep"] as? String ?? "", kind = t["kind"] as? String ?? ""
            #expect(Array(t.keys).sorted() == ["actual", "attainment", "kind", "rep", "target"])
            let mine = rows.filter { $0["rep"] as? String == rep && $0["kind"] as? String == kind }
            let actual = mine.map { $0["actual"] as? Int ?? 0 }.reduce(0, +)
            let targetSum = mine.compactMap { $0["target"] as? Double }.reduce(0, +)
            #expect(t["actual"] as? Int == actual, "\(rep) \(kind)")
            if targetSum > 0 {
                #expect(abs((t["target"] as? Double ?? -1) - targetSum) < 1e-9, "\(rep) \(kind)")
                #expect(t["attainment"] as? Double == ExportTests.round4(Double(actual) / targetSum), "\(rep) \(kind)")
            } else {
                #expect(t["target"] is NSNull && t["attainment"] is NSNull)
            }
        }

        // Team roll-ups sum their reps' rows: east = alice + bob, north = carol.
        let teams = try #require(json["teams"] as? [[String: Any]])
        #expect(teams.count == 2 * 76 * 9)
        for t in teams {
            let team = t["team"] as? String ?? "", week = t["week"] as? String ?? "", kind = t["kind"] as? String ?? ""
            let members = ExportTests.reps.filter { ExportTests.teamOf[$0] == team }
            let mine = members.compactMap { row["\($0)|\(week)|\(kind)"] }
            #expect(mine.count == members.count)
            #expect(t["actual"] as? Int == mine.map { $0["actual"] as? Int ?? 0 }.reduce(0, +), "\(team) \(week) \(kind)")
            let targets = mine.compactMap { $0["target"] as? Double }
            if targets.isEmpty { #expect(t["target"] is NSNull) } else {
                #expect(abs((t["target"] as? Double ?? -1) - targets.reduce(0, +)) < 1e-9, "\(team) \(week) \(kind)")
            }
        }
        #expect(row["alice|2026-W47|closing"]?["actual"] as? Int == 3)
        let eastClosing = teams.first { $0["team"] as? String == "east" && $0["week"] as? String == "2026-W47" && $0["kind"] as? String == "closing" }
        #expect(eastClosing?["actual"] as? Int == 5 && eastClosing?["target"] as? Double == 1 && eastClosing?["attainment"] as? Double == 5)

        // Funnel: distinct organisations per step in the range, from the labelled activities.
        let funnel = try #require(json["funnel"] as? [[String: Any]])
        #expect(funnel.count == 3 * 4)
        let range = Set(ExportTests.weeks)
        for f in funnel {
            let rep = f["rep"] as? String ?? "", from = f["from"] as? String ?? "", to = f["to"] as? String ?? ""
            func orgs(_ kind: String) -> Int {
                Set(expected.activities.filter { $0["rep"] as? String == rep && $0["kind"] as? String == kind && range.contains($0["week"] as? String ?? "") }
                    .compactMap { $0["org"] as? String }).count
            }
            let n = orgs(from)
            if n == 0 { #expect(f["ratio"] is NSNull, "\(rep) \(from)→\(to)") } else {
                #expect(f["ratio"] as? Double == ExportTests.round4(Double(orgs(to)) / Double(n)), "\(rep) \(from)→\(to)")
            }
        }
        #expect(funnel.prefix(4).map { "\($0["from"] as? String ?? "")→\($0["to"] as? String ?? "")" }
                == ["lead→visit", "visit→demo", "demo→closing", "closing→payment"])
        #expect(funnel.prefix(4).map { $0["norm"] as? Double } == [0.2, 0.3333, 0.5, 0.5])

        // --team keeps that team's reps and roll-up only.
        let east = try exportJSON(s.team, ["--team", "east"])
        #expect(Set((east["rows"] as? [[String: Any]] ?? []).compactMap { $0["rep"] as? String }) == ["alice", "bob"])
        #expect(Set((east["teams"] as? [[String: Any]] ?? []).compactMap { $0["team"] as? String }) == ["east"])

        // CSV: a byte-order mark, one header row, and the JSON's rows in the same order.
        let csvPath = s.team.dir.file("ledger.csv")
        let csv = try s.team.activity(["export", "--from", ExportTests.from, "--to", ExportTests.to, "--output", csvPath])
        #expect(csv.status == 0, "\(csv.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: csvPath))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "rep,name,team,week,kind,actual,target,attainment,status")
        #expect(lines.count == rows.count + 1)
        func cell(_ v: Any?) -> String {
            switch v {
            case let s as String: return s
            case let n as NSNumber: return n.doubleValue == n.doubleValue.rounded() ? String(n.intValue) : "\(n.doubleValue)"
            default: return ""
            }
        }
        for (line, r) in zip(lines.dropFirst(), rows) {
            let want = [cell(r["rep"]), ExportTests.names[cell(r["rep"])] ?? "?", cell(r["team"]), cell(r["week"]), cell(r["kind"]),
                        cell(r["actual"]), cell(r["target"]), cell(r["attainment"]), cell(r["status"])].joined(separator: ",")
            #expect(line == want)
        }
    }

    @Test("XLSX read by openpyxl: a sheet per table with the JSON's numbers, a frozen header, percentages and status colours")
    func xlsxMatchesTheJSON() throws {
        let s = try synced()
        let json = try exportJSON(s.team)
        let path = s.team.dir.file("ledger.xlsx")
        let x = try s.team.activity(["export", "--from", ExportTests.from, "--to", ExportTests.to, "--format", "xlsx", "--output", path])
        #expect(x.status == 0, "\(x.stderr)")
        let read = try run("/usr/bin/env", ["python3", Repo.path("scripts/oracle/read-xlsx.py"), path])
        #expect(read.status == 0, "openpyxl could not read the workbook (run scripts/install-deps): \(read.stderr)")
        let book = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any])
        #expect(book["sheets"] as? [String] == ["rows", "totals", "teams", "funnel", "adjustments", "pipeline"])
        let colours = ["met": "FFC6EFCE", "near": "FFFFEB9C", "behind": "FFFFC7CE"]

        // rows: rep, name, team, week, kind, actual, target, attainment, status
        let sheet = try #require(book["rows"] as? [String: Any])
        #expect(sheet["freeze"] as? String == "A2")
        #expect(sheet["header"] as? [String] == ["rep", "name", "team", "week", "kind", "actual", "target", "attainment", "status"])
        #expect((sheet["formats"] as? [String])?[7] == "0.0%")
        #expect(sheet["autofilter"] as? String == "A1:I\(3 * 76 * 9 + 1)")
        let cells = try #require(sheet["rows"] as? [[Any]])
        let fills = try #require(sheet["fills"] as? [[Any]])
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(cells.count == rows.count)
        var coloured = Set<String>()
        for (i, (c, r)) in zip(cells, rows).enumerated() {
            #expect(c[0] as? String == r["rep"] as? String && c[1] as? String == ExportTests.names[r["rep"] as? String ?? ""])
            #expect(c[3] as? String == r["week"] as? String && c[4] as? String == r["kind"] as? String)
            #expect((c[5] as? NSNumber)?.intValue == r["actual"] as? Int, "row \(i)")
            #expect((c[6] as? NSNumber)?.doubleValue == (r["target"] as? NSNumber)?.doubleValue, "row \(i)")
            #expect((c[7] as? NSNumber)?.doubleValue == (r["attainment"] as? NSNumber)?.doubleValue, "row \(i)")
            #expect(c[8] as? String == r["status"] as? String, "row \(i)")
            if let status = r["status"] as? String {
                #expect(fills[i][7] as? String == colours[status], "row \(i)")
                #expect(fills[i][8] as? String == colours[status], "row \(i)")
                coloured.insert(status)
            } else {
                #expect(fills[i][7] is NSNull)
            }
        }
        #expect(coloured.contains("met") && coloured.contains("behind"))

        // totals, teams and funnel carry the JSON's numbers too.
        func column(_ name: String, _ header: String) throws -> [Double?] {
            let sheet = try #require(book[name] as? [String: Any])
            #expect(sheet["freeze"] as? String == "A2")
            let index = try #require((sheet["header"] as? [String])?.firstIndex(of: header))
            return (sheet["rows"] as? [[Any]] ?? []).map { ($0[index] as? NSNumber)?.doubleValue }
        }
        func field(_ table: String, _ key: String) -> [Double?] {
            (json[table] as? [[String: Any]] ?? []).map { ($0[key] as? NSNumber)?.doubleValue }
        }
        for (table, keys) in [("totals", ["actual", "target", "attainment"]), ("teams", ["actual", "target", "attainment"]),
                              ("funnel", ["ratio", "norm"])] {
            for key in keys { #expect(try column(table, key) == field(table, key), "\(table).\(key)") }
        }
        let funnel = try #require(book["funnel"] as? [String: Any])
        #expect((funnel["formats"] as? [String])?[7] == "0.0%")
    }

    @Test("the HTML page is self-contained, and headless Chromium renders it to a PNG with its heat map")
    func htmlRendersInChromium() throws {
        let s = try synced()
        let path = s.team.dir.file("ledger.html")
        let h = try s.team.activity(["export", "--from", "2026-W40", "--to", "2026-W47", "--output", path])
        #expect(h.status == 0, "\(h.stderr)")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg") && html.contains("@media print") && html.contains("王丽 · visit"))
        // Nothing is loaded from elsewhere: the only URL is the SVG namespace.
        #expect(html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").range(of: "https?://", options: .regularExpression) == nil)
        #expect(!html.contains("src=") && !html.contains("<link") && !html.contains("@import") && !html.contains("url("))

        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "headless Chromium is missing: run scripts/install-deps")
        let profile = TempDir("activity-chromium")
        let png = s.team.dir.file("ledger.png")
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                      "--user-data-dir=\(profile.path)", "--window-size=1280,1600"]
        let shot = try run("/usr/bin/timeout", ["120", browser] + common + ["--screenshot=\(png)", "file://\(path)"],
                           environment: ["HOME": profile.path])
        #expect(shot.status == 0, "\(shot.stderr.suffix(2000))")
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(Array(image.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let width = image.count > 24 ? image[16..<20].reduce(0) { $0 << 8 | Int($1) } : 0
        #expect(width == 1280)
        #expect(image.count > 20_000, "a blank page would be a few kilobytes")
        // ACTIVITY_TEST_ARTIFACTS=DIR keeps the page and its picture, for a person to look at.
        if let keep = ProcessInfo.processInfo.environment["ACTIVITY_TEST_ARTIFACTS"], !keep.isEmpty {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            for (file, name) in [(png, "export.png"), (path, "export.html")] {
                try? FileManager.default.removeItem(atPath: keep + "/" + name)
                try? FileManager.default.copyItem(atPath: file, toPath: keep + "/" + name)
            }
        }

        // The DOM Chromium built holds the chart: a cell per rep, targeted kind and week.
        let dom = try run("/usr/bin/timeout", ["120", browser] + common + ["--dump-dom", "file://\(path)"],
                          environment: ["HOME": profile.path])
        #expect(dom.status == 0)
        #expect(dom.stdout.components(separatedBy: "<rect").count - 1 == 3 * 4 * 8)
        #expect(dom.stdout.contains("Carol Chen · closing"))
    }

    @Test("usage: XLSX is never written to a terminal (64), and ranges, teams, stores and output paths are checked")
    func usageErrors() throws {
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:9")
        let base = ["export", "--from", "2026-W45", "--to", "2026-W47"]
        let missing = try team.activity(base)
        #expect(missing.status == 66 && missing.stderr.contains("run `activity sync` first"))
        _ = FileManager.default.createFile(atPath: team.store, contents: nil)

        // A pseudo-terminal on stdout, through script(1).
        let command = ([Repo.binary, "--config", team.config] + base + ["--format", "xlsx"]).map { "'\($0)'" }.joined(separator: " ")
        let tty = try run("/usr/bin/script", ["-qec", command, "/dev/null"], environment: ["ACTIVITY_LOG": "warning"])
        #expect(tty.status == 64)
        #expect(tty.stdout.contains("--format xlsx writes a binary file") && tty.stdout.contains("--output PATH"))
        let piped = try team.activity(base + ["--format", "xlsx"])
        #expect(piped.status == 0, "\(piped.stderr)")
        // 3 reps × 53,000 weeks × 9 kinds do not fit in a sheet: said before anything is read.
        let huge = try team.activity(["export", "--from", "1000-W01", "--to", "2026-W47", "--output", team.dir.file("all.xlsx")])
        #expect(huge.status == 64 && huge.stderr.contains("more than an XLSX sheet holds"), "\(huge.stderr)")

        let reversed = try team.activity(["export", "--from", "2026-W47", "--to", "2026-W45"])
        #expect(reversed.status == 64 && reversed.stderr.contains("--to 2026-W45 is before --from 2026-W47"))
        #expect(try team.activity(["export", "--from", "2026-W54"]).status == 64)
        let noTeam = try team.activity(base + ["--team", "west"])
        #expect(noTeam.status == 64 && noTeam.stderr.contains("--team west: no such team") && noTeam.stderr.contains("east, north"))
        let badPath = try team.activity(base + ["--output", "/nonexistent/dir/ledger.csv"])
        #expect(badPath.status == 73 && badPath.stderr.contains("--output /nonexistent/dir/ledger.csv"))

        // The format follows the output file's extension when --format is not given.
        let jsonPath = team.dir.file("week.json")
        #expect(try team.activity(base + ["--output", jsonPath]).status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: jsonPath))) as? [String: Any]
        #expect((json?["rows"] as? [Any])?.count == 3 * 3 * 9)
        #expect((json?["rows"] as? [[String: Any]])?.allSatisfy { $0["actual"] as? Int == 0 } == true)
    }
}
