import Foundation
import Testing

/// DOMAIN.md "Other flows from the seeds" on the fixture team: one synced ledger read through
/// `[ledger] flow = "standard" | "yonyou7" | "keyaccount6"`, against the stages and deals
/// labelled by hand in Fixtures/mail/expected-flows.json.
@Suite("Flows: the same ledger through each stage model", .serialized)
struct FlowCommandTests {
    /// The team's config with `[ledger] flow` set (nil: the key left out).
    static func setFlow(_ team: FixtureTeam, _ flow: String?) throws {
        var text = try String(contentsOfFile: team.config, encoding: .utf8)
        text = text.replacingOccurrences(of: #"(?m)^flow = .*\n"#, with: "", options: .regularExpression)
        if let flow { text = text.replacingOccurrences(of: "followup_after_days = 7\n", with: "followup_after_days = 7\nflow = \"\(flow)\"\n") }
        team.dir.write("activity.toml", text)
    }

    static func labels() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repo.path("Fixtures/mail/expected-flows.json")))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return json?["flows"] as? [String: [String: Any]] ?? [:]
    }

    @Test("each flow gives the hand-labelled stages and open deals; counts per kind and targets are the same under every flow",
          arguments: ["sqlite", "postgres"])
    func stagesAndDealsPerFlow(_ engine: String) throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)",
                                   postgres: engine == "postgres" ? try PostgresServer.shared() : nil)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let labels = try FlowCommandTests.labels()
        #expect(Set(labels.keys) == ["standard", "yonyou7", "keyaccount6"])

        var countsPerFlow: [String: [String: [String: Int]]] = [:]
        var targetsPerFlow: [String: [NSDictionary]] = [:]
        for flow in ["standard", "yonyou7", "keyaccount6"] {
            try FlowCommandTests.setFlow(team, flow)
            let label = try #require(labels[flow])
            let stages = try #require(label["stages"] as? [String: [String: Int]])
            let deals = try #require(label["deals"] as? [String: [[String: Any]]])

            // The weekly review: stage number, step name, class and next are the flow's.
            let r = try team.activity(["pipeline", "--date", "2026-11-22", "--format", "json"])
            #expect(r.status == 0, "\(flow): \(r.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            func line(_ d: [String: Any]) -> String { "\(d["org"] ?? "") \(d["stage"] ?? "") \(d["step"] ?? "") \(d["class"] ?? "") \(d["next"] ?? "")" }
            for rep in json?["reps"] as? [[String: Any]] ?? [] {
                let id = rep["rep"] as? String ?? ""
                #expect((rep["deals"] as? [[String: Any]] ?? []).map(line) == (deals[id] ?? []).map(line), "\(flow) \(id)")
            }

            // The week ending on the review's day: each organisation active in it at its labelled stage.
            let week = try team.week("2026-W47")
            var seen = 0
            for rep in week["reps"] as? [[String: Any]] ?? [] {
                let id = rep["rep"] as? String ?? ""
                for (org, step) in rep["stages"] as? [String: Int] ?? [:] {
                    #expect(stages[id]?[org] == step, "\(flow) \(id) \(org): \(step)")
                    seen += 1
                }
                countsPerFlow[flow, default: [:]][id] = rep["counts"] as? [String: Int]
                targetsPerFlow[flow, default: []].append(rep["targets"] as? NSDictionary ?? [:])
            }
            #expect(seen >= 10, "\(flow): only \(seen) organisations active in 2026-W47")
        }
        #expect(countsPerFlow["standard"] == countsPerFlow["yonyou7"] && countsPerFlow["yonyou7"] == countsPerFlow["keyaccount6"])
        #expect(targetsPerFlow["standard"] == targetsPerFlow["yonyou7"] && targetsPerFlow["yonyou7"] == targetsPerFlow["keyaccount6"])

        // An activity's step in the week's JSON is the flow's: alice's tender reply (a41) is 招投标, 4.
        try FlowCommandTests.setFlow(team, "keyaccount6")
        let week = try team.week("2026-W47")
        let alice = (week["reps"] as? [[String: Any]])?.first { $0["rep"] as? String == "alice" }
        let tender = (alice?["activities"] as? [[String: Any]])?.first { ($0["title"] as? String)?.contains("投标事宜") == true && $0["kind"] as? String == "closing" }
        #expect(tender?["step"] as? Int == 4)
        // explain says the same step.
        let explain = try team.activity(["explain", tender?["id"] as? String ?? "", "--format", "json"])
        #expect(explain.status == 0, "\(explain.stderr)")
        let items = (try JSONSerialization.jsonObject(with: Data(explain.stdout.utf8)) as? [String: Any])?["items"] as? [[String: Any]]
        let explained = (items?.first?["activities"] as? [[String: Any]])?.first { $0["kind"] as? String == "closing" }
        #expect(explained?["step"] as? Int == 4, "\(explain.stdout)")

        // Tables speak the flow's words.
        let table = try team.activity(["pipeline", "--date", "2026-11-22", "--rep", "carol"])
        #expect(table.stdout.contains("4 招投标") && table.stdout.contains("1 客户开发"), "\(table.stdout)")
        let weekTable = try team.activity(["week", "--week", "2026-W47", "--rep", "alice"])
        #expect(weekTable.stdout.contains("4 招投标") && weekTable.stdout.contains("提案/招投标/商务谈判"), "\(weekTable.stdout)")
    }

    @Test("the export's funnel runs over the flow's steps, with its names in JSON, XLSX and HTML")
    func exportFunnel() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        #expect(try team.activity(["sync", "--once"]).status == 0)

        func funnel() throws -> [[String: Any]] {
            let r = try team.activity(["export", "--from", "2026-W45", "--to", "2026-W47", "--format", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            return json?["funnel"] as? [[String: Any]] ?? []
        }
        func steps(_ f: [[String: Any]]) -> [String] { f.prefix(4).map { "\($0["from_name"] ?? "")→\($0["to_name"] ?? "")" } }

        let standard = try funnel()
        #expect(steps(standard) == ["信息搜集→面谈", "面谈→产品展示", "产品展示→合作缔结", "合作缔结→回款"])
        #expect(standard.prefix(4).map { "\($0["from"] ?? "")→\($0["to"] ?? "")" } == ["lead→visit", "visit→demo", "demo→closing", "closing→payment"])

        try FlowCommandTests.setFlow(team, "keyaccount6")
        let key = try funnel()
        #expect(steps(key) == ["客户开发→立项", "立项→提案", "提案→商务谈判", "商务谈判→工程实施"])
        #expect(key.prefix(4).map { $0["norm"] as? Double } == [0.2, 0.3333, 0.5, 0.5])
        // carol, W45–W47: 商务谈判 holds mike.zhang.bj@gmail.com, pku.edu.cn and 2851736624@qq.com (ccb.com's
        // closing is a tender); 工程实施 pku.edu.cn (installation) and 2851736624@qq.com (payment): 2 of 3.
        let carol = key.first { $0["rep"] as? String == "carol" && $0["from_name"] as? String == "商务谈判" }
        #expect(carol?["ratio"] as? Double == 0.6667, "\(carol ?? [:])")

        // The XLSX funnel sheet names the steps in its last two columns.
        let path = team.dir.file("flow.xlsx")
        #expect(try team.activity(["export", "--from", "2026-W45", "--to", "2026-W47", "--output", path]).status == 0)
        let read = try run("/usr/bin/env", ["python3", Repo.path("scripts/oracle/read-xlsx.py"), path])
        let book = try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any]
        let sheet = book?["funnel"] as? [String: Any]
        #expect((sheet?["header"] as? [String])?.suffix(2) == ["from_step", "to_step"])
        #expect((sheet?["rows"] as? [[Any]])?.prefix(4).map { "\($0[9])→\($0[10])" } == ["1 客户开发→2 立项", "2 立项→3 提案", "3 提案→5 商务谈判", "5 商务谈判→6 工程实施"])

        let html = try team.activity(["export", "--from", "2026-W45", "--to", "2026-W47", "--format", "html"])
        #expect(html.stdout.contains("大客户销售六阶段") && html.stdout.contains("商务谈判 → 工程实施"))
    }

    @Test("the web view's pages and API and the digest speak the flow: carol's tender is 4 招投标 under keyaccount6")
    func webAndDigest() throws {
        let f = try WebFixture()
        try FlowCommandTests.setFlow(f.team, "keyaccount6")
        let server = try WebServerProcess(config: f.team.config)
        let jars = TempDir("activity-flow-jar")
        let jar = jars.file("jar")
        #expect(try HTTP.login(server.base, "root", WebFixture.passwords["root"]!, jar: jar).status == 303)
        let page = try HTTP.request("\(server.base)/rep/carol/2026-W47", jar: jar)
        #expect(page.status == 200)
        #expect(page.text.contains("4 招投标") && page.text.contains("1 客户开发") && page.text.contains("提案/招投标/商务谈判"), "\(page.text.prefix(3000))")
        #expect(!page.text.contains("合作缔结"))
        #expect(page.text.contains("4 招投标 <span class=\"zh\">Tender</span>") && page.text.contains("大客户销售六阶段"))
        let api = try #require(try HTTP.request("\(server.base)/api/pipeline?date=2026-11-22", jar: jar).json as? [String: Any])
        let carol = (api["reps"] as? [[String: Any]])?.first { $0["rep"] as? String == "carol" }
        let ccb = (carol?["deals"] as? [[String: Any]])?.first { $0["org"] as? String == "ccb.com" }
        #expect(ccb?["stage"] as? Int == 4 && ccb?["step"] as? String == "招投标" && ccb?["next"] as? String == "商务谈判")

        // The digest of the week: the admin's deal lines name the flow's steps.
        var text = try String(contentsOfFile: f.team.config, encoding: .utf8)
        text += "\n[[user]]\nlogin = \"qian\"\nname = \"钱总\"\nemail = \"qian@hxsoft.cn\"\nrole = \"admin\"\n"
        f.team.dir.write("activity.toml", text)
        let out = TempDir("activity-flow-digest")
        let r = try f.team.activity(["digest", "--week", "2026-W47", "--dry-run", "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let qian = try readEML(out.file("qian.eml"))
        let plain = qian["text"] as? String ?? ""
        #expect(plain.contains("ccb.com 招投标") && plain.contains("pacificlink.com.hk 提案"), "\(plain)")
        #expect((qian["html"] as? String ?? "").contains("招投标"))
    }

    @Test("an unknown flow id or a flow leaving a kind unmapped is a configuration error (78) naming the file, line and key")
    func configErrors() throws {
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:1")
        // A valid flow: config check shows the stage model the reports will speak (the accounts fail: nothing listens).
        try FlowCommandTests.setFlow(team, "keyaccount6")
        let valid = try team.activity(["config", "check"])
        #expect(valid.stdout.contains("flow keyaccount6 (大客户销售六阶段): 1 客户开发 [lead, qualified, contact] → 2 立项 [visit]"), "\(valid.stdout)")
        #expect(valid.stdout.contains("4 招投标 [closing titled 投标/招标/标书"), "\(valid.stdout)")

        try FlowCommandTests.setFlow(team, "yonyou")
        let r = try team.activity(["config", "check"])
        #expect(r.status == 78)
        #expect(r.stderr.contains("activity.toml:9: [ledger] key flow: no flow has id \"yonyou\""), "\(r.stderr)")

        try FlowCommandTests.setFlow(team, "mine")
        team.dir.write("activity.toml", try String(contentsOfFile: team.config, encoding: .utf8) + """

            [[flow]]
            id = "mine"

            [[flow.step]]
            name = "开发"
            kinds = ["lead", "qualified", "contact", "visit", "demo", "closing", "payment"]

            """)
        let unmapped = try team.activity(["config", "check"])
        #expect(unmapped.status == 78)
        #expect(unmapped.stderr.contains("[[flow]] mine key id: flow mine: kind onboarding is left unmapped"), "\(unmapped.stderr)")
    }
}
