import Foundation
import Testing
@testable import ActivityConfig
@testable import ActivityCore

/// DOMAIN.md "Other flows from the seeds": the same ledger, seen through another stage model.
@Suite("Flows: standard, yonyou7, keyaccount6 and [[flow]] tables")
struct FlowTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// The review: Sunday 2026-11-22, 20:00 in China.
    static let review = Date(timeIntervalSince1970: 1_795_348_800)

    func activity(_ kind: Kind, _ org: String, daysAgo: Int, title: String = "t") -> Activity {
        Activity(rep: "alice", kind: kind, at: Self.review.addingTimeInterval(-Double(daysAgo) * 86_400 - 10 * 3600), org: org,
                 title: title, rule: "r", sourceType: .imap, account: "a", ref: "\(org)-\(kind)-\(daysAgo)-\(title)")
    }

    func deals(_ activities: [Activity], flow: Flow, unanswered: Set<String> = []) -> [String: Pipeline.Deal] {
        let list = Pipeline.deals(Pipeline.standings(activities, asOf: Self.review, flow: flow), on: Self.review, in: Self.zone,
                                  unanswered: unanswered, flow: flow)
        return Dictionary(list.map { ($0.org, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test("the built-in flows map every kind but follow_up, and name their steps as the seeds do")
    func builtIns() {
        for flow in Flow.builtIn { #expect(Flow.problems(steps: flow.steps).isEmpty, "\(flow.id)") }
        #expect(Flow.yonyou7.steps.map(\.name) == ["定位目标客户群", "发掘潜在商机", "确认客户意向", "引导客户立项", "赢得客户认可", "进行商务谈判", "完成销售成交"])
        #expect(Flow.keyaccount6.steps.map(\.name) == ["客户开发", "立项", "提案", "招投标", "商务谈判", "工程实施"])
        #expect(Flow.standard.steps.map(\.name) == Flow.stepKinds.map(\.chineseName))
    }

    @Test("under the standard flow every kind is its own step, whatever the title", arguments: Kind.allCases)
    func standardIsTheKinds(_ kind: Kind) {
        for title in ["投标", "proposal", "报价", ""] { #expect(Flow.standard.step(of: kind, title: title) == kind.step) }
        #expect(Flow.standard.name(of: kind.step) == (kind == .followUp ? "" : kind.chineseName))
    }

    @Test("keyaccount6 splits closing on the title: a tender is 招投标, a proposal 提案, the rest 商务谈判; the later stage wins", arguments: [
        ("关于杭州市智慧园区平台投标事宜的沟通", 4), ("建行北京分行 CRM 项目投标文件", 4), ("HK reseller agreement proposal", 3),
        ("华为云 ERP 集成报价（第一版）", 5), ("江苏移动项目商务谈判会议纪要", 5), ("投标建议书", 4), ("Tender documents", 4),
        ("Bidding schedule", 4), ("Forbidden city contract", 5),
    ])
    func keyAccountClosing(_ title: String, _ step: Int) {
        #expect(Flow.keyaccount6.step(of: .closing, title: title) == step)
    }

    @Test("yonyou7: a contact explores an opportunity (2), a reply confirms intent (3); onboarding and payment complete the sale (7)")
    func yonyouSteps() {
        let f = Flow.yonyou7
        #expect([Kind.lead, .contact, .qualified, .visit, .demo, .closing, .onboarding, .payment].map { f.step(of: $0, title: "x") } == [1, 2, 3, 4, 5, 6, 7, 7])
        #expect(f.step(of: .followUp, title: "跟进") == 0)
        #expect(f.label(of: .payment) == "完成销售成交" && f.label(of: .followUp) == "跟进")
        #expect(Flow.keyaccount6.label(of: .closing) == "提案/招投标/商务谈判")
    }

    @Test("the same deals under each flow: stage, name, class and next are the flow's; the days are the same")
    func sameDealsThroughEachFlow() throws {
        let ledger = [
            activity(.contact, "hangzhou.gov.cn", daysAgo: 30), activity(.closing, "hangzhou.gov.cn", daysAgo: 3, title: "智慧园区平台投标事宜"),
            activity(.contact, "pacificlink.com.hk", daysAgo: 16), activity(.closing, "pacificlink.com.hk", daysAgo: 2, title: "HK reseller agreement proposal"),
            activity(.onboarding, "acme.com.cn", daysAgo: 4), activity(.lead, "zju.edu.cn", daysAgo: 11),
            activity(.qualified, "zju.edu.cn", daysAgo: 10), activity(.contact, "nbport.com.cn", daysAgo: 16),
        ]
        let standard = deals(ledger, flow: .standard, unanswered: ["nbport.com.cn"])
        let yonyou = deals(ledger, flow: .yonyou7, unanswered: ["nbport.com.cn"])
        let key = deals(ledger, flow: .keyaccount6, unanswered: ["nbport.com.cn"])
        func line(_ d: Pipeline.Deal?) -> String { d.map { "\($0.stage) \($0.stepName) \($0.dealClass.rawValue) \($0.next) \($0.daysSince)" } ?? "none" }

        #expect(line(standard["hangzhou.gov.cn"]) == "6 合作缔结 A 签约 3")
        #expect(line(yonyou["hangzhou.gov.cn"]) == "6 进行商务谈判 A 完成销售成交 3")
        #expect(line(key["hangzhou.gov.cn"]) == "4 招投标 A 商务谈判 3")

        #expect(line(standard["pacificlink.com.hk"]) == "6 合作缔结 A 签约 2")
        #expect(line(key["pacificlink.com.hk"]) == "3 提案 B 招投标 2")

        // Installation: still waiting for 回款 in the eight steps; a completed sale in the others.
        #expect(line(standard["acme.com.cn"]) == "7 安装培训 A 回款 4")
        #expect(yonyou["acme.com.cn"] == nil && key["acme.com.cn"] == nil)

        // Never contacted by kind (a reply to a mail credited elsewhere): no deal under any flow.
        #expect(standard["zju.edu.cn"] == nil && yonyou["zju.edu.cn"] == nil && key["zju.edu.cn"] == nil)

        #expect(line(standard["nbport.com.cn"]) == "3 初步接洽 C 跟进 16")
        #expect(line(yonyou["nbport.com.cn"]) == "2 发掘潜在商机 C 跟进 16")
        #expect(line(key["nbport.com.cn"]) == "1 客户开发 C 跟进 16")
    }

    @Test("a week's stages follow the flow; its counts do not")
    func weekStages() {
        let profile = RepProfile(id: "alice", name: "王丽", team: nil, emails: ["alice@hxsoft.cn"], timeZone: Self.zone, startDate: nil)
        let week = ISOWeek(containing: Self.review, in: Self.zone)
        let acts = [activity(.closing, "ccb.com", daysAgo: 5, title: "建行北京分行 CRM 项目投标文件"), activity(.qualified, "pku.edu.cn", daysAgo: 1)]
        func build(_ flow: Flow) -> RepWeek {
            RepWeek.build(rep: profile, week: week, activities: acts, reached: ["pku.edu.cn": flow.step(of: .contact, title: "")], exchanges: [],
                          targets: [:], followUpAfterDays: 7, now: Self.review.addingTimeInterval(86_400), flow: flow)
        }
        let s = build(.standard), y = build(.yonyou7), k = build(.keyaccount6)
        #expect(s.counts == y.counts && y.counts == k.counts)
        #expect(Dictionary(uniqueKeysWithValues: s.stages.map { ($0.org, $0.step) }) == ["ccb.com": 6, "pku.edu.cn": 3])
        #expect(Dictionary(uniqueKeysWithValues: y.stages.map { ($0.org, $0.step) }) == ["ccb.com": 6, "pku.edu.cn": 3])
        #expect(Dictionary(uniqueKeysWithValues: k.stages.map { ($0.org, $0.step) }) == ["ccb.com": 4, "pku.edu.cn": 1])
    }

    @Test("the funnel's T6 points land on each flow's steps; the standard flow's are the T6 norms themselves")
    func funnelPoints() {
        let standard = LedgerExport.funnelPoints(.standard)
        #expect(standard.map(\.from) == LedgerExport.funnelNorms.map(\.from) && standard.map(\.to) == LedgerExport.funnelNorms.map(\.to))
        #expect(standard.map(\.norm) == LedgerExport.funnelNorms.map(\.norm))
        #expect(standard.map { "\($0.fromStep)→\($0.toStep)" } == ["1→4", "4→5", "5→6", "6→8"])
        #expect(LedgerExport.funnelPoints(.yonyou7).map { "\($0.fromStep)→\($0.toStep)" } == ["1→4", "4→5", "5→6", "6→7"])
        #expect(LedgerExport.funnelPoints(.keyaccount6).map { "\($0.fromStep)→\($0.toStep)" } == ["1→2", "2→3", "3→5", "5→6"])
    }

    // MARK: configuration

    func parse(_ text: String) throws -> Config { try Config.parse(text: text, path: "/etc/activity/activity.toml") }

    func error(_ text: String) -> ActivityError? {
        do { _ = try parse(text); return nil } catch let e as ActivityError { return e } catch { return nil }
    }

    @Test("[ledger] flow picks a built-in flow; the default is standard")
    func choose() throws {
        #expect(try parse("").flow == .standard)
        #expect(try parse("[ledger]\nflow = \"yonyou7\"\n").flow == .yonyou7)
        #expect(try parse("[ledger]\nflow = \"keyaccount6\"\n").flow == .keyaccount6)
    }

    @Test("each Config/flow-*.toml spells out exactly its built-in flow", arguments: ["standard", "yonyou7", "keyaccount6"])
    func examples(_ id: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config/flow-\(id).toml")
        let c = try Config.load(path: url.standardizedFileURL.path)
        let builtIn = try #require(Flow.builtIn(id))
        #expect(c.flow.id == "my-\(id)")
        #expect(c.flow.name == builtIn.name)
        #expect(c.flow.steps == builtIn.steps)
        #expect(c.flows.map(\.id) == ["my-\(id)"])
    }

    static let twoSteps = """
        [ledger]
        flow = "short"

        [[flow]]
        id = "short"
        name = "两段"

        [[flow.step]]
        name = "开发"
        kinds = ["lead", "qualified", "contact", "visit", "demo"]

        [[flow.step]]
        name = "招标"
        english = "Tender"
        keywords = { closing = ["投标"] }

        [[flow.step]]
        name = "成交"
        kinds = ["closing", "onboarding", "payment"]
        next = "收款"

        """

    @Test("a [[flow]] of its own: steps, English names, keyword groups and next as written")
    func ownFlow() throws {
        let c = try parse(Self.twoSteps)
        #expect(c.flow.id == "short" && c.flow.name == "两段")
        #expect(c.flow.steps.map(\.name) == ["开发", "招标", "成交"] && c.flow.steps[1].english == "Tender")
        #expect(c.flow.step(of: .closing, title: "投标文件") == 2 && c.flow.step(of: .closing, title: "合同") == 3)
        #expect(c.flow.next(after: 3) == "收款" && c.flow.next(after: 1) == "招标")
    }

    @Test("flow mistakes name the file, line and key, with exit code 78", arguments: [
        ("[ledger]\nflow = \"yonyou\"\n", 2, "[ledger] key flow: no flow has id \"yonyou\""),
        (FlowTests.twoSteps.replacingOccurrences(of: "\"lead\", ", with: ""), 5, "[[flow]] short key id: flow short: kind lead is left unmapped"),
        (FlowTests.twoSteps.replacingOccurrences(of: "keywords = { closing = [\"投标\"] }", with: ""), 13, "step 2 招标 has no kinds"),
        (FlowTests.twoSteps.replacingOccurrences(of: "\"visit\", \"demo\"", with: "\"visit\", \"demos\""), 10, "key kinds: \"demos\" is not a kind"),
        (FlowTests.twoSteps.replacingOccurrences(of: "\"visit\", \"demo\"", with: "\"visit\", \"demo\", \"follow_up\""), 10, "follow_up never advances a flow"),
        (FlowTests.twoSteps.replacingOccurrences(of: "[\"closing\", \"onboarding\"", with: "[\"demo\", \"closing\", \"onboarding\""), 19, "kind demo is already the kind of step 1"),
        (FlowTests.twoSteps.replacingOccurrences(of: "closing = [\"投标\"]", with: "closng = [\"投标\"]"), 15, "key closng: is not a kind"),
        (FlowTests.twoSteps.replacingOccurrences(of: "id = \"short\"", with: "id = \"yonyou7\"").replacingOccurrences(of: "flow = \"short\"", with: "flow = \"yonyou7\""), 5, "\"yonyou7\" is a built-in flow"),
        (FlowTests.twoSteps.replacingOccurrences(of: "english = \"Tender\"", with: "englsh = \"Tender\""), 14, "unknown key; did you mean english?"),
    ])
    func mistakes(_ text: String, _ line: Int, _ fragment: String) throws {
        let e = try #require(error(text))
        #expect(e.code == .config)
        #expect(e.message.hasPrefix("/etc/activity/activity.toml:\(line): "), "\(e.message)")
        #expect(e.message.contains(fragment), "\(e.message)")
    }
}
