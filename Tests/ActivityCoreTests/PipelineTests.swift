import Foundation
import Testing
@testable import ActivityCore

/// DOMAIN.md "Deal classes and the weekly review" (seed 001's 过堂), edge by edge.
@Suite("Pipeline: deal classes A/B/C, stale and lost")
struct PipelineTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// The review: Sunday 2026-11-22, 20:00 in China.
    static let review = Date(timeIntervalSince1970: 1_795_348_800)

    /// An activity `daysAgo` calendar days before the review, at 10:00 that day.
    func activity(_ kind: Kind, _ org: String, daysAgo: Int) -> Activity {
        Activity(rep: "alice", kind: kind, at: Self.review.addingTimeInterval(-Double(daysAgo) * 86_400 - 10 * 3600), org: org,
                 title: "t", rule: "r", sourceType: .imap, account: "a", ref: "\(org)-\(kind)-\(daysAgo)")
    }

    func deals(_ activities: [Activity], unanswered: Set<String> = []) -> [String: Pipeline.Deal] {
        let standings = Pipeline.standings(activities, asOf: Self.review)
        let list = Pipeline.deals(standings, on: Self.review, in: Self.zone, unanswered: unanswered)
        return Dictionary(list.map { ($0.org, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test("合作缔结 is A within 14 days, B from 15 to 45 days, C after; stale after 45", arguments: [
        (0, "A", false), (14, "A", false), (15, "B", false), (45, "B", false), (46, "C", true), (180, "C", true),
    ])
    func closingEdges(_ days: Int, _ dealClass: String, _ stale: Bool) throws {
        let d = try #require(deals([activity(.contact, "huawei.com", daysAgo: 200), activity(.closing, "huawei.com", daysAgo: days)])["huawei.com"])
        #expect(d.dealClass.rawValue == dealClass && d.stale == stale && d.daysSince == days && d.stage == 6 && d.next == "签约")
    }

    @Test("面谈 and 产品展示 are B within 30 days, C after", arguments: [(Kind.visit, 30, "B"), (.visit, 31, "C"), (.demo, 0, "B"), (.demo, 31, "C")])
    func meetingEdges(_ kind: Kind, _ days: Int, _ dealClass: String) throws {
        let d = try #require(deals([activity(kind, "acme.com.cn", daysAgo: days)])["acme.com.cn"])
        #expect(d.dealClass.rawValue == dealClass)
        #expect(d.next == (kind == .visit ? "约演示或见高层" : "商务谈判"))
    }

    @Test("a deal silent for more than 180 days is lost and leaves the pipeline")
    func lostBySilence() {
        #expect(deals([activity(.closing, "old.com", daysAgo: 180)])["old.com"] != nil)
        #expect(deals([activity(.closing, "old.com", daysAgo: 181)])["old.com"] == nil)
    }

    @Test("回款 closes a deal; below 初步接洽 there is no deal yet; a follow-up keeps a deal warm at its stage")
    func openDeals() throws {
        let all = deals([
            activity(.closing, "paid.com", daysAgo: 20), activity(.payment, "paid.com", daysAgo: 3),
            activity(.lead, "new.com", daysAgo: 1), activity(.qualified, "new.com", daysAgo: 0),
            activity(.visit, "warm.com", daysAgo: 40), activity(.followUp, "warm.com", daysAgo: 2),
        ])
        #expect(all["paid.com"] == nil && all["new.com"] == nil)
        let warm = try #require(all["warm.com"])
        #expect(warm.stage == 4 && warm.daysSince == 2 && warm.dealClass == .b)
    }

    @Test("安装培训 without 回款 is classed like 合作缔结 and waits for 回款")
    func onboarding() throws {
        let d = try #require(deals([activity(.onboarding, "pku.edu.cn", daysAgo: 5)])["pku.edu.cn"])
        #expect(d.dealClass == .a && d.next == "回款" && d.stepName == "安装培训")
    }

    @Test("an unanswered last mail makes the next step 跟进")
    func unanswered() throws {
        let d = try #require(deals([activity(.contact, "nbport.com.cn", daysAgo: 16)], unanswered: ["nbport.com.cn"])["nbport.com.cn"])
        #expect(d.next == "跟进" && d.dealClass == .c)
    }

    @Test("days since count calendar days in the rep's zone: late last night is one day ago")
    func calendarDays() throws {
        // Saturday 23:50 in China is 1 day before Sunday 20:00, though only 20 hours.
        let late = Activity(rep: "alice", kind: .closing, at: Date(timeIntervalSince1970: 1_795_276_200), org: "x.com",
                            title: "t", rule: "r", sourceType: .imap, account: "a", ref: "x")
        let d = try #require(deals([late])["x.com"])
        #expect(d.daysSince == 1)
    }

    @Test("deals come A first, then B, then C, the most recent first within a class")
    func order() {
        let list = Pipeline.deals(Pipeline.standings([
            activity(.contact, "c.com", daysAgo: 1), activity(.visit, "b.com", daysAgo: 3),
            activity(.closing, "a2.com", daysAgo: 9), activity(.closing, "a1.com", daysAgo: 2),
        ], asOf: Self.review), on: Self.review, in: Self.zone)
        #expect(list.map(\.org) == ["a1.com", "a2.com", "b.com", "c.com"])
    }
}
