import Foundation
import Testing

/// `activity pipeline` on the fixture team, against the deals labelled by hand in
/// Fixtures/mail/expected-pipeline.json.
@Suite("The weekly review (pipeline)", .serialized)
struct PipelineCommandTests {
    @Test("the fixture team's open deals on 2026-11-22 are the hand-labelled ones, class, stage, days and next step alike")
    func fixtureDealsMatchTheLabels() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let labels = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Repo.path("Fixtures/mail/expected-pipeline.json")))) as? [String: Any]
        let expected = try #require(labels?["reps"] as? [String: [[String: Any]]])

        let r = try team.activity(["pipeline", "--date", "2026-11-22", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(json?["date"] as? String == "2026-11-22")
        let reps = try #require(json?["reps"] as? [[String: Any]])
        #expect(reps.map { $0["rep"] as? String } == ["alice", "bob", "carol"])
        func line(_ d: [String: Any]) -> String {
            "\(d["org"] ?? "") \(d["stage"] ?? "") \(d["class"] ?? "") \(d["days_since"] ?? "") \(d["next"] ?? "") \(d["stale"] as? Bool ?? false)"
        }
        for rep in reps {
            let id = rep["rep"] as? String ?? ""
            let actual = (rep["deals"] as? [[String: Any]] ?? []).map(line)
            #expect(actual == (expected[id] ?? []).map(line), "\(id)")
        }

        // The table a manager reads in the review: counts per class, then the deals.
        let table = try team.activity(["pipeline", "--date", "2026-11-22", "--rep", "alice"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("(alice) 2026-11-22: A 4  B 0  C 2"), "\(table.stdout)")
        #expect(table.stdout.contains("nbport.com.cn") && table.stdout.contains("跟进"))
    }

    @Test("week 2026-W47 gives each rep the A/B/C counts of the hand-labelled review on its last day, and export's pipeline table (JSON, XLSX, HTML) lists those deals")
    func weekAndExportCarryTheReview() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let labels = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Repo.path("Fixtures/mail/expected-pipeline.json")))) as? [String: Any]
        let expected = try #require(labels?["reps"] as? [String: [[String: Any]]])
        func counts(_ deals: [[String: Any]]) -> [String: Int] {
            var c = ["A": 0, "B": 0, "C": 0, "stale": 0]
            for d in deals {
                c[d["class"] as? String ?? "?", default: 0] += 1
                if d["stale"] as? Bool == true { c["stale", default: 0] += 1 }
            }
            return c
        }

        // week: {"pipeline": {"A": 4, "B": 0, "C": 2, "stale": 0}} per rep, and the table's line.
        let week = try team.activity(["week", "--all", "--week", "2026-W47", "--format", "json"])
        #expect(week.status == 0, "\(week.stderr)")
        let reps = try #require((try JSONSerialization.jsonObject(with: Data(week.stdout.utf8)) as? [String: Any])?["reps"] as? [[String: Any]])
        #expect(reps.count == 3)
        for rep in reps {
            let id = rep["rep"] as? String ?? ""
            #expect(rep["pipeline"] as? [String: Int] == counts(expected[id] ?? []), "\(id)")
        }
        let table = try team.activity(["week", "--rep", "alice", "--week", "2026-W47"])
        #expect(table.stdout.contains("过堂 Open deals: A 4  B 0  C 2"), "\(table.stdout)")

        // export to W47: the review on 2026-11-22, one row per rep and deal.
        let export = try team.activity(["export", "--from", "2026-W46", "--to", "2026-W47", "--format", "json"])
        #expect(export.status == 0, "\(export.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])
        #expect(json["pipeline_date"] as? String == "2026-11-22")
        let rows = try #require(json["pipeline"] as? [[String: Any]])
        func line(_ d: [String: Any]) -> String { "\(d["org"] ?? "") \(d["stage"] ?? "") \(d["class"] ?? "") \(d["days_since"] ?? "") \(d["next"] ?? "")" }
        for id in ["alice", "bob", "carol"] {
            #expect(rows.filter { $0["rep"] as? String == id }.map(line) == (expected[id] ?? []).map(line), "\(id)")
        }
        #expect(rows.first?["team"] as? String == "east")

        let path = team.dir.file("review.xlsx")
        #expect(try team.activity(["export", "--from", "2026-W46", "--to", "2026-W47", "--format", "xlsx", "--output", path]).status == 0)
        let read = try run("/usr/bin/env", ["python3", Repo.path("scripts/oracle/read-xlsx.py"), path])
        let book = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any])
        let sheet = try #require(book["pipeline"] as? [String: Any])
        #expect(sheet["header"] as? [String] == ["rep", "name", "team", "class", "org", "stage", "step", "last_activity", "days_since", "next", "stale"])
        let cells = try #require(sheet["rows"] as? [[Any]])
        #expect(cells.count == rows.count)
        #expect(cells.first.map { "\($0[0]) \($0[1]) \($0[3]) \($0[4]) \($0[6])" } == "alice 王丽 A hangzhou.gov.cn 合作缔结")

        let html = try team.activity(["export", "--from", "2026-W46", "--to", "2026-W47", "--format", "html"])
        #expect(html.stdout.contains("<section id=\"pipeline\">") && html.stdout.contains("王丽 (alice): A 4  B 0  C 2"), "\(html.stdout.suffix(3000))")
    }

    @Test("a review six months later finds every deal gone silent, and an unknown rep is a usage error")
    func laterAndErrors() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let r = try team.activity(["pipeline", "--date", "2027-06-30", "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        for rep in json?["reps"] as? [[String: Any]] ?? [] { #expect((rep["deals"] as? [Any])?.isEmpty == true) }
        #expect(try team.activity(["pipeline", "--rep", "nobody"]).status == 64)
        #expect(try team.activity(["pipeline", "--date", "22/11/2026"]).status == 64)
    }
}
