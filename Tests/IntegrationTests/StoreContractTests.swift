import Foundation
import Testing
import ActivityCore
import ActivityStore

/// The two stores, SQLite and PostgreSQL, keep the same promises: every test here runs against
/// both, through the store's public interface only.
enum StoreEngine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// The server a `FixtureTeam` of this engine keeps its ledger on (nil: SQLite).
    func server() throws -> PostgresServer? { self == .postgres ? try PostgresServer.shared() : nil }

    /// A fresh, empty store of this engine (a file in a temporary directory, or a new database
    /// on the shared test server); `keep` holds what must live as long as the store.
    func fresh() throws -> (location: StoreLocation, keep: AnyObject) {
        switch self {
        case .sqlite:
            let dir = TempDir("activity-store")
            return (.sqlite(path: dir.file("activity.db")), dir)
        case .postgres:
            let server = try PostgresServer.shared()
            let url = try server.database().replacingOccurrences(of: "activity@", with: "activity:\(PostgresServer.password)@")
            return (.postgres(url: url), server)
        }
    }
}

@Suite("One store contract, on SQLite and on PostgreSQL")
struct StoreContractTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// 2026-11-17 10:00 in Shanghai.
    static let tuesday = Date(timeIntervalSince1970: 1_763_344_800)

    static func mail(_ key: String, at date: Date = tuesday, parts: [[UInt8]] = []) -> MailItem {
        MailItem(key: key, messageID: "<\(key)>", date: date, dateSource: "Date", from: "alice@example.com", fromName: "王丽",
                 to: ["buyer@acme.com.cn", "cto@acme.com.cn"], cc: [], subject: "拜访华为 \(key)", threadKey: key,
                 automated: nil, calendarParts: parts)
    }

    static func activity(_ ref: String, kind: Kind = .visit, org: String = "acme.com.cn", at: Date = tuesday, title: String = "拜访") -> Activity {
        Activity(rep: "alice", kind: kind, at: at, org: org, otherOrgs: ["huawei.com"], title: title, rule: "keyword:拜访",
                 sourceType: .imap, account: "alice-mail", ref: ref)
    }

    @Test("a mail stored from two folders counts once, keeps both locations, and its bytes come back unchanged",
          arguments: StoreEngine.allCases)
    func mailIsStoredOnceWithEveryLocation(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let headers: [UInt8] = Array("Subject: =?GB2312?B?sN23w7uqzqo=?=\r\n".utf8) + [0x00, 0xFF, 0xFE, 0x80, 0x0D, 0x0A]
        let invitation: [UInt8] = Array("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".utf8) + [0xE4, 0xB8]
        let item = Self.mail("m1@acme.com.cn", parts: [invitation, [0x00]])
        let first = try store.transaction {
            try store.insertMail(rep: "alice", item: item, headers: headers, account: "alice-mail", folder: "INBOX", uidValidity: 7, uid: 1)
        }
        let again = try store.insertMail(rep: "alice", item: item, headers: headers, account: "alice-mail", folder: "Archive",
                                         uidValidity: 9, uid: 42)
        #expect(first && !again)
        #expect(try store.mailCount() == 1)
        #expect(try store.mailCount(rep: "alice") == 1)
        #expect(try store.locationCount(account: "alice-mail", folder: "INBOX") == 1)
        #expect(try store.locationCount(account: "alice-mail", folder: "Archive") == 1)
        #expect(try store.headers(rep: "alice", key: item.key) == headers)
        let withParts = try store.mailsWithCalendarParts(rep: "alice")
        #expect(withParts.map(\.item) == [item])
        #expect(withParts.first?.account == "alice-mail")
    }

    @Test("a batch of mail is stored as the same mails stored one by one: a key twice counts once, stored mail is only located",
          arguments: StoreEngine.allCases)
    func aBatchOfMailIsStoredAsOneByOne(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let invitation: [UInt8] = Array("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".utf8) + [0x00, 0xE4]
        try store.insertMail(rep: "alice", item: Self.mail("old"), headers: [1], account: "alice-mail", folder: "Archive", uidValidity: 5, uid: 9)
        // 300 mails: more than the largest chunk of one statement, and not a power of two.
        var batch = (1...300).map { n in
            Store.NewMail(rep: "alice", item: Self.mail("m\(n)", parts: n == 7 ? [invitation, [0xFF]] : []), headers: [UInt8(n % 256), 0],
                          account: "alice-mail", folder: "INBOX", uidValidity: 7, uid: UInt32(n))
        }
        batch.append(Store.NewMail(rep: "alice", item: Self.mail("m7", parts: [[0x01]]), headers: [2], account: "alice-mail",
                                   folder: "INBOX", uidValidity: 7, uid: 301))
        batch.append(Store.NewMail(rep: "alice", item: Self.mail("old"), headers: [3], account: "alice-mail", folder: "INBOX",
                                   uidValidity: 7, uid: 302))
        batch.append(Store.NewMail(rep: "bob", item: Self.mail("old"), headers: [4], account: "bob-mail", folder: "INBOX",
                                   uidValidity: 1, uid: 1))
        let inserted = try store.transaction { try store.insertMails(batch) }
        #expect(inserted == 301)
        #expect(try store.mailCount(rep: "alice") == 301)
        #expect(try store.mailCount(rep: "bob") == 1)
        #expect(try store.locationCount(account: "alice-mail", folder: "INBOX") == 302)
        #expect(try store.locationCount(account: "alice-mail", folder: "Archive") == 1)
        #expect(try store.headers(rep: "alice", key: "m7") == [7, 0])
        #expect(try store.headers(rep: "alice", key: "old") == [1])
        #expect(try store.mailsWithCalendarParts(rep: "alice").map(\.item) == [Self.mail("m7", parts: [invitation, [0xFF]])])
        #expect(try store.transaction { try store.insertMails(batch) } == 0)
        #expect(try store.locationCount(account: "alice-mail", folder: "INBOX") == 302)
    }

    @Test("mail streams in timeline order: by date, then by key compared as bytes", arguments: StoreEngine.allCases)
    func mailStreamsInTimelineOrder(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let later = Self.tuesday.addingTimeInterval(3600)
        for (key, date) in [("b", Self.tuesday), ("é", Self.tuesday), ("B", Self.tuesday), ("a", later), ("华为", Self.tuesday), ("a", Self.tuesday)] {
            try store.insertMail(rep: "alice", item: Self.mail(key, at: date), headers: [], account: "alice-mail", folder: "INBOX",
                                 uidValidity: 1, uid: UInt32(key.utf8.first!))
        }
        var keys: [String] = []
        try store.forEachMail(rep: "alice") { keys.append($0.item.key) }
        // "a" twice is one mail, the first stored (an hour later) wins; byte order puts "B" first.
        #expect(keys == ["B", "b", "é", "华为", "a"])
    }

    @Test("folder checkpoints round-trip, a HIGHESTMODSEQ above 2^63 included, and a forgotten folder keeps its mail",
          arguments: StoreEngine.allCases)
    func checkpointsRoundTrip(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let c = FolderCheckpoint(uidValidity: UInt32.max, uidNext: 1001, highestUID: 1000, highestModSeq: UInt64.max - 5)
        try store.saveCheckpoint(c, account: "alice-mail", folder: "已发送")
        try store.saveCheckpoint(FolderCheckpoint(uidValidity: 3, uidNext: nil, highestUID: 0, highestModSeq: nil),
                                 account: "alice-mail", folder: "INBOX")
        #expect(try store.checkpoint(account: "alice-mail", folder: "已发送") == c)
        #expect(try store.checkpointFolders(account: "alice-mail") == ["INBOX", "已发送"])
        try store.insertMail(rep: "alice", item: Self.mail("m"), headers: [1], account: "alice-mail", folder: "已发送", uidValidity: 3, uid: 1)
        try store.transaction { try store.forgetFolder(account: "alice-mail", folder: "已发送") }
        #expect(try store.checkpoint(account: "alice-mail", folder: "已发送") == nil)
        #expect(try store.locationCount(account: "alice-mail", folder: "已发送") == 0)
        #expect(try store.mailCount() == 1)
    }

    @Test("a rep's activities become the derived set: changed rows rewritten, vanished ones gone, weeks and stages counted",
          arguments: StoreEngine.allCases)
    func activitiesAreReplacedByTheDerivedSet(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let week = ISOWeek(containing: Self.tuesday, in: Self.zone)
        let visit = Self.activity("v1"), lead = Self.activity("l1", kind: .lead, org: "newco.cn")
        // As a derivation writes them: the activities and, from them, the kept aggregates.
        func derived(_ activities: [Activity]) throws {
            try store.transaction {
                try store.replaceActivities(rep: "alice", with: activities, timeZone: Self.zone)
                try store.replaceAggregates(rep: "alice", activities: activities, exchanges: [], timeZone: Self.zone)
            }
        }
        try derived([visit, lead])
        var renamed = visit
        renamed.title = "拜访 (改)"
        let demo = Self.activity("d1", kind: .demo, at: Self.tuesday.addingTimeInterval(7 * 86_400))
        try derived([renamed, demo])
        #expect(try store.activities(rep: "alice", week: week) == [renamed])
        #expect(try store.activity(id: lead.id) == nil)
        #expect(try store.activity(id: demo.id) == demo)
        #expect(try store.activityCount() == 2)
        let next = ISOWeek(containing: demo.at, in: Self.zone)
        #expect(try store.weeklyCounts(from: week, to: next) == ["alice": [week: [.visit: 1], next: [.demo: 1]]])
        #expect(try store.organisationCounts(from: week, to: next) == ["alice": [.visit: 1, .demo: 1]])
        #expect(try store.stages(rep: "alice", orgs: ["acme.com.cn", "none.cn"], before: demo.at.addingTimeInterval(1))
                == ["acme.com.cn": Kind.demo.step])
        // An id twice in a derivation: the last one is kept.
        var retitled = demo
        retitled.title = "演示 (二)"
        try store.transaction { try store.replaceActivities(rep: "alice", with: [renamed, demo, retitled], timeZone: Self.zone) }
        #expect(try store.activity(id: demo.id) == retitled)
        // Many at once (more than one statement's worth on PostgreSQL), then none.
        let many = (0..<600).map { Self.activity("m\($0)", at: Self.tuesday.addingTimeInterval(Double($0))) }
        #expect(try store.transaction { try store.replaceActivities(rep: "alice", with: many, timeZone: Self.zone) })
        #expect(try store.activityCount() == 600)
        #expect(try store.transaction { try store.replaceActivities(rep: "alice", with: many, timeZone: Self.zone) } == false)
        #expect(try store.transaction { try store.replaceActivities(rep: "alice", with: [], timeZone: Self.zone) })
        #expect(try store.activityCount() == 0)
    }

    @Test("exchanges keep their duplicates and give the last mail each way per organisation", arguments: StoreEngine.allCases)
    func exchangesGiveTheLastMailEachWay(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let t = Self.tuesday
        let exchanges = [Exchange(org: "acme.com.cn", at: t, direction: .outbound), Exchange(org: "acme.com.cn", at: t, direction: .outbound),
                         Exchange(org: "acme.com.cn", at: t.addingTimeInterval(60), direction: .inbound)]
        try store.transaction { try store.replaceExchanges(rep: "alice", with: exchanges) }
        try store.transaction { try store.replaceExchanges(rep: "alice", with: Array(exchanges.dropFirst())) }
        let last = try store.lastExchanges(rep: "alice", before: t.addingTimeInterval(3600), since: t.addingTimeInterval(-3600))
        #expect(last.count == 1)
        #expect(last.first?.org == "acme.com.cn")
        #expect(last.first?.lastOut == t)
        #expect(last.first?.lastIn == t.addingTimeInterval(60))
    }

    @Test("the kept aggregates answer as the history does: standings and unanswered mail as of any moment, counts per week",
          arguments: StoreEngine.allCases)
    func keptAggregatesAnswerAsTheHistoryDoes(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let t = Self.tuesday, day: TimeInterval = 86_400
        // acme: a visit, then a demo in two weeks (a meeting ahead); newco: a lead only; an id
        // twice (the last one wins, as in `replaceActivities`).
        var activities = [Self.activity("v1", at: t), Self.activity("d1", kind: .demo, at: t.addingTimeInterval(14 * day)),
                          Self.activity("l1", kind: .lead, org: "newco.cn", at: t.addingTimeInterval(-30 * day)),
                          Self.activity("f1", kind: .followUp, org: "newco.cn", at: t.addingTimeInterval(-2 * day))]
        var twice = Self.activity("x1", kind: .closing, org: "gone.cn", at: t)
        activities.append(twice)
        twice.kind = .lead
        activities.append(twice)
        // acme: out at t-20d, in at t-19d, out at t-10d (waiting), out at t+3d (after); newco: out
        // at t-400d only (before the window); bigco: in then out, out unanswered since t-8d; smallco: out at t-1d.
        let exchanges = [Exchange(org: "acme.com.cn", at: t.addingTimeInterval(-20 * day), direction: .outbound),
                         Exchange(org: "acme.com.cn", at: t.addingTimeInterval(-19 * day), direction: .inbound),
                         Exchange(org: "acme.com.cn", at: t.addingTimeInterval(-10 * day), direction: .outbound),
                         Exchange(org: "acme.com.cn", at: t.addingTimeInterval(3 * day), direction: .outbound),
                         Exchange(org: "newco.cn", at: t.addingTimeInterval(-400 * day), direction: .outbound),
                         Exchange(org: "bigco.cn", at: t.addingTimeInterval(-9 * day), direction: .inbound),
                         Exchange(org: "bigco.cn", at: t.addingTimeInterval(-8 * day), direction: .outbound),
                         Exchange(org: "smallco.cn", at: t.addingTimeInterval(-1 * day), direction: .outbound)]
        // Written twice, the second time over a different earlier state: only differences are written.
        try store.transaction {
            try store.replaceActivities(rep: "alice", with: [Self.activity("z", org: "old.cn")], timeZone: Self.zone)
            try store.replaceExchanges(rep: "alice", with: [Exchange(org: "old.cn", at: t, direction: .inbound)])
            try store.replaceAggregates(rep: "alice", activities: [Self.activity("z", org: "old.cn")],
                                        exchanges: [Exchange(org: "old.cn", at: t, direction: .inbound)], timeZone: Self.zone)
        }
        try store.transaction {
            try store.replaceActivities(rep: "alice", with: activities, timeZone: Self.zone)
            try store.replaceExchanges(rep: "alice", with: exchanges)
            try store.replaceAggregates(rep: "alice", activities: activities, exchanges: exchanges, timeZone: Self.zone)
        }
        let stored = Array(activities.dropLast(2)) + [twice]
        for moment in [t.addingTimeInterval(-31 * day), t.addingTimeInterval(-day), t, t.addingTimeInterval(20 * day)] {
            let expected = Pipeline.standings(stored, asOf: moment)
            let got = try store.standings(rep: "alice", asOf: moment)
            #expect(Set(got.keys) == Set(expected.keys), "as of \(moment)")
            for (org, s) in expected {
                #expect(got[org]?.stage == s.stage && got[org]?.last == s.lastActivity, "\(org) as of \(moment)")
            }
        }
        for moment in [t.addingTimeInterval(-5 * day), t, t.addingTimeInterval(2 * day), t.addingTimeInterval(4 * day), t.addingTimeInterval(30 * day)] {
            let since = moment.addingTimeInterval(-365 * day)
            let expected = RepWeek.followUpsDue(try store.lastExchanges(rep: "alice", before: moment, since: since), asOf: moment, afterDays: 7)
            let candidates = try store.unansweredExchanges(rep: "alice", before: moment, since: since,
                                                           waitedUntil: moment.addingTimeInterval(-7 * day))
            let got = RepWeek.followUpsDue(candidates, asOf: moment, afterDays: 7)
            #expect(got.map(\.org) == expected.map(\.org), "as of \(moment)")
            #expect(got.map(\.lastContact) == expected.map(\.lastContact), "as of \(moment)")
        }
        // At t + 4d: acme's last outbound before then (t+3d) is not a week old; at t: acme (t-10d) and bigco (t-8d).
        #expect(RepWeek.followUpsDue(try store.unansweredExchanges(rep: "alice", before: t, since: t.addingTimeInterval(-365 * day),
                                                                   waitedUntil: t.addingTimeInterval(-7 * day)),
                                     asOf: t, afterDays: 7).map(\.org) == ["acme.com.cn", "bigco.cn"])
        let week = ISOWeek(containing: t, in: Self.zone)
        #expect(try store.weeklyCounts(from: week, to: week) == ["alice": [week: [.visit: 1, .lead: 1]]])
    }

    @Test("the standings that can be open deals, read from the kept aggregates, make the deals the history makes at any moment",
          arguments: StoreEngine.allCases)
    func openStandingsMakeTheDealsOfTheHistory(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let t = Self.tuesday, day: TimeInterval = 86_400
        // acme: a visit, a closing two weeks later (its kept stage is above its stage at t), and a
        // voided closing; won.cn: paid; late.cn: contacted, paid later (open until then); old.cn:
        // a visit 200 days ago (dropped by silence, open 100 days ago); lead.cn: a lead only.
        var voided = Self.activity("c0", kind: .closing, at: t.addingTimeInterval(day))
        voided.counted = false
        let activities = [Self.activity("v1", at: t), Self.activity("c1", kind: .closing, at: t.addingTimeInterval(14 * day)), voided,
                          Self.activity("p1", kind: .payment, org: "won.cn", at: t.addingTimeInterval(-5 * day)),
                          Self.activity("k1", kind: .contact, org: "late.cn", at: t.addingTimeInterval(-3 * day)),
                          Self.activity("p2", kind: .payment, org: "late.cn", at: t.addingTimeInterval(10 * day)),
                          Self.activity("v2", org: "old.cn", at: t.addingTimeInterval(-200 * day)),
                          Self.activity("l1", kind: .lead, org: "lead.cn", at: t.addingTimeInterval(-day))]
        try store.transaction {
            try store.replaceActivities(rep: "alice", with: activities, timeZone: Self.zone)
            try store.replaceAggregates(rep: "alice", activities: activities, exchanges: [], timeZone: Self.zone)
        }
        let counted = activities.filter(\.counted)
        for moment in [t.addingTimeInterval(-100 * day), t.addingTimeInterval(-day), t, t.addingTimeInterval(12 * day),
                       t.addingTimeInterval(20 * day), t.addingTimeInterval(400 * day)] {
            let expected = Pipeline.deals(Pipeline.standings(counted, asOf: moment), on: moment, in: Self.zone)
            let kept = try store.openStandings(rep: "alice", asOf: moment, stages: 3...7, activeSince: moment.addingTimeInterval(-183 * day))
            let got = Pipeline.deals(kept.mapValues { Pipeline.Standing(stage: $0.stage, lastActivity: $0.last) }, on: moment, in: Self.zone)
            #expect(got == expected, "as of \(moment)")
        }
        // At t: acme is a meeting (its closing comes later), late.cn open; won.cn, old.cn and lead.cn are no deals.
        let atT = try store.openStandings(rep: "alice", asOf: t, stages: 3...7, activeSince: t.addingTimeInterval(-183 * day))
        #expect(Set(atT.keys) == ["acme.com.cn", "late.cn"])
        #expect(atT["acme.com.cn"]?.stage == 4 && atT["late.cn"]?.stage == 3)
    }

    @Test("a derivation of older items than the one recorded is refused, and a rep is stale until derived",
          arguments: StoreEngine.allCases)
    func itemsVersionsKeepTheNewestDerivation(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        #expect(try store.staleReps(["alice", "bob"]) == ["alice", "bob"])
        try store.transaction { try store.itemsChanged(rep: "alice"); try store.itemsChanged(rep: "alice") }
        #expect(try store.itemsVersion(rep: "alice") == 2)
        #expect(try store.transaction { try store.recordDerived(rep: "alice", version: 2, at: Self.tuesday) })
        #expect(try store.transaction { try store.recordDerived(rep: "alice", version: 1, at: Self.tuesday) } == false)
        #expect(try store.staleReps(["alice", "bob"]) == ["bob"])
    }

    @Test("account status keeps the last attempt, success and error", arguments: StoreEngine.allCases)
    func accountStatusRoundTrips(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let t = Self.tuesday
        try store.recordAttempt(account: "alice-mail", at: t)
        try store.recordSuccess(account: "alice-mail", at: t, newItems: 5)
        try store.recordSuccess(account: "alice-mail", at: t.addingTimeInterval(60), newItems: 2)
        try store.recordFailure(account: "alice-mail", at: t.addingTimeInterval(120), message: "服务器 unreachable")
        let s = try #require(try store.accountStatuses().first)
        #expect(s.account == "alice-mail" && s.itemsSeen == 7 && s.lastError == "服务器 unreachable")
        #expect(s.lastAttempt == t && s.lastSuccess == t.addingTimeInterval(60) && s.lastErrorAt == t.addingTimeInterval(120))
    }

    @Test("malformed items are recorded once, found by their ref, and cleared", arguments: StoreEngine.allCases)
    func malformedItemsRoundTrip(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let t = Self.tuesday
        let m = MalformedItem(account: "alice-cal", location: "/dav/alice/work/", ref: "/dav/alice/work/bad.ics", kind: .event,
                              reason: "no DTSTART", firstSeen: t, lastSeen: t)
        try store.recordMalformed(m)
        var later = m
        later.lastSeen = t.addingTimeInterval(60)
        try store.recordMalformed(later)
        #expect(try store.malformedItems() == [later])
        #expect(try store.malformedItems(ref: "bad.ics") == [later])
        try store.clearMalformed(account: "alice-cal", location: "/dav/alice/work/")
        #expect(try store.malformedItems(account: "alice-cal") == [])
    }

    @Test("calendar objects and sync tokens round-trip, and a removed calendar takes its events along", arguments: StoreEngine.allCases)
    func calendarsRoundTrip(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        try store.saveCalendar(account: "alice-cal", url: "/dav/alice/work/", displayName: "工作", token: "t1")
        let object = Store.CalendarObject(account: "alice-cal", calendar: "/dav/alice/work/", href: "/dav/alice/work/a.ics",
                                          etag: "\"e1\"", data: Array("BEGIN:VCALENDAR\r\n".utf8) + [0xFF])
        try store.saveCalendarObject(object)
        #expect(try store.calendars(account: "alice-cal").map(\.token) == ["t1"])
        #expect(try store.calendarETags(account: "alice-cal", calendar: "/dav/alice/work/") == [object.href: "\"e1\""])
        #expect(try store.calendarObjects(accounts: ["alice-cal"]) == [object])
        try store.removeCalendar(account: "alice-cal", url: "/dav/alice/work/")
        #expect(try store.calendarObjectCount() == 0)
    }

    @Test("a lease has one holder at a time, is renewed by it, and is free again once released or expired",
          arguments: StoreEngine.allCases)
    func leasesHaveOneHolderAtATime(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let a = try Store(location: location), b = try Store(location: location)
        #expect(try a.takeLeases(units: [["alice-mail"], ["bob-mail"]], holder: "one:1", for: 30) == [0, 1])
        #expect(try b.takeLeases(units: [["alice-mail"], ["carol-mail"]], holder: "two:2", for: 30) == [1])
        #expect(try b.liveLeases().mapValues(\.holder) == ["alice-mail": "one:1", "bob-mail": "one:1", "carol-mail": "two:2"])
        #expect(try a.renewLeases(accounts: ["alice-mail", "carol-mail"], holder: "one:1", for: 30) == ["carol-mail"])
        try a.releaseLeases(accounts: ["alice-mail"], holder: "one:1")
        #expect(try b.takeLeases(units: [["alice-mail"]], holder: "two:2", for: 30) == [0])
        // A short lease that its holder stops renewing is taken over once it has expired.
        #expect(try a.takeLeases(units: [["dave-mail"]], holder: "one:1", for: 1) == [0])
        #expect(try b.takeLeases(units: [["dave-mail"]], holder: "two:2", for: 30) == [])
        Thread.sleep(forTimeInterval: 2.2)
        #expect(try b.takeLeases(units: [["dave-mail"]], holder: "two:2", for: 30) == [0])
        #expect(try a.renewLeases(accounts: ["dave-mail"], holder: "one:1", for: 30) == ["dave-mail"])
    }

    @Test("a unit of accounts is leased whole or not at all", arguments: StoreEngine.allCases)
    func unitsAreLeasedWhole(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        #expect(try store.takeLeases(units: [["alice-work"]], holder: "one:1", for: 30) == [0])
        #expect(try store.takeLeases(units: [["alice-work", "alice-163"], ["bob-mail"]], holder: "two:2", for: 30) == [1])
        #expect(try store.liveLeases()["alice-163"] == nil)
    }

    @Test("a worker whose lease was taken over cannot commit another batch for that account", arguments: StoreEngine.allCases)
    func aLostLeaseFencesTheOldHolder(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let old = try Store(location: location), new = try Store(location: location)
        #expect(try old.takeLeases(units: [["alice-mail"]], holder: "old:1", for: 1) == [0])
        old.fence = LeaseFence(holder: "old:1", accounts: ["alice-mail"])
        try old.transaction { try old.recordAttempt(account: "alice-mail", at: Self.tuesday) }
        Thread.sleep(forTimeInterval: 2.2)
        #expect(try new.takeLeases(units: [["alice-mail"]], holder: "new:2", for: 30) == [0])
        #expect(throws: LeaseLost.self) {
            try old.transaction { try old.recordSuccess(account: "alice-mail", at: Self.tuesday, newItems: 1) }
        }
        #expect(try new.accountStatuses().first?.lastSuccess == nil, "the fenced batch was rolled back")
    }

    @Test("store copy carries awkward values unchanged into PostgreSQL (COPY) and back: backslashes, tabs, line ends, bytes, NULLs, INTERNALDATE")
    func storeCopyCarriesAwkwardValues() throws {
        let (sqlite, keepSQLite) = try StoreEngine.sqlite.fresh()
        let (postgres, keepPostgres) = try StoreEngine.postgres.fresh()
        let (back, keepBack) = try StoreEngine.sqlite.fresh()
        defer { withExtendedLifetime((keepSQLite, keepPostgres, keepBack)) {} }
        let source = try Store(location: sqlite)
        var item = Self.mail("a\\b\tc\r\nd@\\N", parts: [[0x00, 0x5C, 0x4E, 0x0A, 0x09, 0xFF]])
        item.subject = "\\N \\. tab\tline\nreturn\r back\\slash 华为 \u{1F600}"
        item.messageID = nil
        item.internalDate = Self.tuesday.addingTimeInterval(-61)
        try source.transaction {
            try source.insertMail(rep: "alice", item: item, headers: [0x00, 0x5C, 0x5C, 0x78, 0x0D, 0x0A, 0x09], account: "alice-mail",
                                  folder: "IN\\BOX\t1", uidValidity: UInt32.max, uid: 1)
            try source.insertMail(rep: "alice", item: Self.mail("plain"), headers: [], account: "alice-mail", folder: "INBOX",
                                  uidValidity: 1, uid: 2)
            try source.saveCheckpoint(FolderCheckpoint(uidValidity: 1, uidNext: nil, highestUID: 2, highestModSeq: UInt64.max - 1),
                                      account: "alice-mail", folder: "INBOX")
        }
        let there = try Store(location: postgres)
        let report = try source.copy(into: there)
        #expect(report.rows.first { $0.table == "mail" }?.count == 2)
        #expect(try there.firstDifference(from: source) == nil)
        #expect(try there.mails(rep: "alice").first { $0.item.key == item.key }?.item.subject == item.subject)
        // After the copy, PostgreSQL hands out mail ids above the copied ones.
        try there.insertMail(rep: "alice", item: Self.mail("new"), headers: [], account: "alice-mail", folder: "INBOX", uidValidity: 1, uid: 3)
        let home = try Store(location: back)
        _ = try there.copy(into: home)
        #expect(try home.firstDifference(from: there) == nil)
        #expect(try home.headers(rep: "alice", key: item.key) == [0x00, 0x5C, 0x5C, 0x78, 0x0D, 0x0A, 0x09])
    }
}
