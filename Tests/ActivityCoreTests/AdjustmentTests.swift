import Foundation
import Testing
@testable import ActivityCore

/// DOMAIN.md "Corrections" as a pure function: adjustments applied to a rep's derived activities,
/// and aliases applied before classification.
@Suite("Adjustments")
struct AdjustmentTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    static let made = ISO8601DateFormatter().date(from: "2026-11-23T09:00:00+08:00")!
    let visit = Activity(rep: "alice", kind: .visit, at: ISO8601DateFormatter().date(from: "2026-11-17T10:00:00+08:00")!,
                         org: "huawei.com", title: "拜访华为", rule: "keyword:拜访", sourceType: .caldav, account: "alice-cal", ref: "uid-1")
    let contact = Activity(rep: "alice", kind: .contact, at: ISO8601DateFormatter().date(from: "2026-11-19T10:00:00+08:00")!,
                           org: "sf-express.com", title: "华信CRM 线上交流", rule: "meeting:online-first-contact(meeting.tencent.com)",
                           sourceType: .caldav, account: "alice-cal", ref: "uid-2")

    func on(_ a: Activity, _ action: Adjustment.Action, id: Int64, kind: Kind? = nil) -> Adjustment {
        Adjustment(id: id, action: action, rep: a.rep, activity: a.id, kind: kind, fromKind: a.kind, org: a.org, activityAt: a.at,
                   title: a.title, ref: a.ref, by: "wang", madeAt: Self.made, reason: "r\(id)")
    }

    func revoke(_ target: Int64, id: Int64) -> Adjustment {
        Adjustment(id: id, action: .revoke, rep: "alice", revokes: target, by: "wang", madeAt: Self.made, reason: "undo")
    }

    func applied(_ adjustments: [Adjustment], to activities: [Activity]? = nil) -> [Activity] {
        Adjustments(adjustments).apply(to: activities ?? [visit, contact], rep: "alice").activities
    }

    @Test("void keeps the activity listed but not counted; reclassify changes its kind and keeps its id")
    func voidAndReclassify() {
        let out = applied([on(visit, .void, id: 1), on(contact, .reclassify, id: 2, kind: .demo)])
        #expect(out.map(\.id) == [visit.id, contact.id])
        #expect(out[0].counted == false && out[0].kind == .visit && out[0].adjusted?.action == .void)
        #expect(out[1].counted && out[1].kind == .demo && out[1].adjusted?.fromKind == .contact)
    }

    @Test("two adjustments of one activity: the later one decides; revoking it brings back the earlier")
    func laterWins() {
        let twice = [on(contact, .reclassify, id: 1, kind: .demo), on(contact, .void, id: 2)]
        #expect(applied(twice)[1].counted == false && applied(twice)[1].kind == .contact)
        let back = applied(twice + [revoke(2, id: 3)])
        #expect(back[1].counted && back[1].kind == .demo && back[1].adjusted?.id == 1)
        #expect(applied(twice + [revoke(2, id: 3), revoke(1, id: 4)])[1] == contact)
    }

    @Test("an added activity joins the rep's ledger with a manual source; another rep's adjustments do nothing here")
    func added() {
        let add = Adjustment(id: 7, action: .add, rep: "alice", activity: "00000000000000aa", kind: .visit, org: "hint:华为",
                             activityAt: Self.made, title: "电话约见", by: "wang", madeAt: Self.made, reason: "phone")
        var bobs = on(visit, .void, id: 8)
        bobs.rep = "bob"
        let out = applied([add, bobs])
        #expect(out.count == 3 && out[0].counted)
        #expect(out[2].id == "00000000000000aa" && out[2].sourceType == .manual && out[2].ref == "adjustment:7" && out[2].rule == "manual")
    }

    @Test("an adjustment whose activity is gone is orphaned; it finds the activity again under an alias made later")
    func orphanedAndAliased() {
        let gone = Adjustments([on(contact, .void, id: 1)]).apply(to: [visit], rep: "alice")
        #expect(gone.orphaned.map(\.id) == [1])
        // After `alias sf-express.com --to sf.com` the derived activity has another id (ids are made from the org).
        let renamed = Activity(rep: "alice", kind: .contact, at: contact.at, org: "sf.com", title: contact.title, rule: contact.rule,
                               sourceType: .caldav, account: "alice-cal", ref: "uid-2")
        let alias = Adjustment(id: 2, action: .alias, org: "sf-express.com", toOrg: "sf.com", by: "root", madeAt: Self.made, reason: "same")
        let found = Adjustments([on(contact, .void, id: 1), alias]).apply(to: [renamed], rep: "alice")
        #expect(found.orphaned.isEmpty && found.activities[0].counted == false)
    }

    @Test("aliases follow chains, a revoked alias is gone, and a loop stops")
    func aliasChains() {
        func alias(_ id: Int64, _ from: String, _ to: String) -> Adjustment {
            Adjustment(id: id, action: .alias, org: from, toOrg: to, by: "root", madeAt: Self.made, reason: "x")
        }
        let a = Adjustments([alias(1, "hint:华为 坂田基地", "huawei.com.cn"), alias(2, "huawei.com.cn", "huawei.com")])
        #expect(a.canonical("hint:华为 坂田基地") == "huawei.com" && a.canonical("huawei.com") == "huawei.com")
        #expect(Adjustments(a.all + [revoke(2, id: 3)]).canonical("hint:华为 坂田基地") == "huawei.com.cn")
        let loop = Adjustments([alias(1, "a.com", "b.com"), alias(2, "b.com", "a.com")])
        #expect(loop.canonical("a.com") == "b.com" && loop.canonical("b.com") == "a.com")
    }

    @Test("an alias is applied before classification: the hinted visit and huawei.com's meeting at the same start count once")
    func aliasBeforeClassification() throws {
        let psl = PublicSuffixList(text: "com\ncn\ncom.cn\n")
        let alice = RepProfile(id: "alice", name: "王丽", emails: ["alice@hxsoft.cn", "wangli@hxsoft.cn"], timeZone: Self.zone)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures/caldav/alice")
        var inputs: [Classifier.EventInput] = []
        for file in ["meetings/visit-keyword-no-attendees.ics", "work/visit-huawei.ics"] {
            let cal = try ICalendar.parse(bytes: [UInt8](try Data(contentsOf: root.appendingPathComponent(file).standardizedFileURL)))
            inputs += RecurrenceExpander.instances(of: cal, from: Self.made.addingTimeInterval(-30 * 86_400), to: Self.made, floatingZone: Self.zone)
                .map { .init(instance: $0, account: "alice-cal", origin: .calendar) }
        }
        func visits(_ aliases: [String: String]) -> [String] {
            var settings = ClassificationSettings(identity: OrgIdentity(internalDomains: ["hxsoft.cn"], suffixes: psl))
            settings.aliases = aliases
            return Classifier(rep: alice, settings: settings).classify(mails: [], events: inputs)
                .flatMap(\.activities).map { "\($0.kind.rawValue) \($0.org)" }.sorted()
        }
        #expect(visits([:]) == ["lead huawei.com", "visit hint:华为 坂田基地", "visit huawei.com"])
        #expect(visits(["hint:华为 坂田基地": "huawei.com"]) == ["lead huawei.com", "visit huawei.com"])
    }
}
