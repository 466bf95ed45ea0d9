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
