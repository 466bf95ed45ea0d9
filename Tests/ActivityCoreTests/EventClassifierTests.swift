import Foundation
import Testing
@testable import ActivityCore

/// DOMAIN.md's calendar rules, each proved on a real-looking .ics file under Fixtures/caldav/alice/meetings.
@Suite("Event classification")
struct EventClassifierTests {
    static let psl = PublicSuffixList(text: "com\ncn\ncom.cn\nco.uk\nuk\n")
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures/caldav/alice/meetings").standardizedFileURL
    let zone = TimeZone(identifier: "Asia/Shanghai")!
    let alice = RepProfile(id: "alice", name: "王丽", emails: ["alice@hxsoft.cn"], timeZone: TimeZone(identifier: "Asia/Shanghai")!)

    func classifier(sharedCredit: ClassificationSettings.SharedCredit = .each) -> Classifier {
        Classifier(rep: alice, settings: ClassificationSettings(
            identity: OrgIdentity(internalDomains: ["hxsoft.cn"], suffixes: Self.psl),
            sharedCredit: sharedCredit, repAddresses: ["alice@hxsoft.cn", "bob@hxsoft.cn"]))
    }

    func events(_ files: String...) throws -> [Classifier.EventInput] {
        var out: [Classifier.EventInput] = []
        let from = ISO8601DateFormatter().date(from: "2026-11-01T00:00:00+08:00")!
        let to = ISO8601DateFormatter().date(from: "2026-12-01T00:00:00+08:00")!
        for f in files {
            let data = try Data(contentsOf: Self.fixtures.appendingPathComponent(f))
            let cal = try ICalendar.parse(bytes: [UInt8](data))
            out += RecurrenceExpander.instances(of: cal, from: from, to: to, floatingZone: zone)
                .map { .init(instance: $0, account: "alice-cal", origin: .calendar) }
        }
        return out
    }

    func activities(_ files: String...) throws -> [String] {
        var inputs: [Classifier.EventInput] = []
        for f in files { inputs += try events(f) }
        return classifier().classify(mails: [], events: inputs).flatMap(\.activities).map { "\($0.kind.rawValue) \($0.org)" }
    }

    @Test("拜访华为 in a rep's own calendar, with nobody invited, is a visit to the hinted organisation, with no lead")
    func visitByKeywordAlone() throws {
        #expect(try activities("visit-keyword-no-attendees.ics") == ["visit hint:华为 坂田基地"])
    }

    @Test("a meeting with an external attendee at a physical place is a visit and a lead, even without a keyword (Windows zone name)")
    func visitByLocation() throws {
        let v = classifier().classify(mails: [], events: try events("onsite-external.ics"))
        #expect(v.flatMap(\.activities).map { "\($0.kind.rawValue) \($0.org)" } == ["lead cmbchina.com", "visit cmbchina.com"])
        #expect(v[0].activities[1].rule == "meeting:external-in-person")
        #expect(v[0].activities[1].at == ISO8601DateFormatter().date(from: "2026-11-18T14:30:00+08:00"))
    }

    @Test("an online meeting with a new organisation is a first contact; with a known one, a follow-up")
    func onlineMeeting() throws {
        #expect(try activities("online-first-contact.ics") == ["lead sf-express.com", "contact sf-express.com"])
        let v = classifier().classify(mails: [], events: try events("onsite-external.ics") + events("online-first-contact.ics"))
        #expect(v.flatMap(\.activities).last?.kind == .contact)
    }

    @Test("a product demo with two people of one bank is one demo and one lead")
    func demo() throws {
        #expect(try activities("demo-external.ics") == ["lead cmbchina.com", "demo cmbchina.com"])
    }

    @Test("cancelled and declined meetings count for nothing, and leave no history")
    func cancelledAndDeclined() throws {
        let v = classifier().classify(mails: [], events: try events("cancelled.ics", "declined.ics"))
        #expect(v.flatMap(\.activities).isEmpty)
        #expect(v.map(\.ignored) == ["the event is cancelled", "alice declined the meeting"])
    }

    @Test("the weekly sales meeting is internal even though its title says 拜访")
    func internalMeeting() throws {
        let v = classifier().classify(mails: [], events: try events("internal-weekly.ics"))
        #expect(v.count == 5)  // Mondays 2, 9, 16, 23 and 30 November
        #expect(v.allSatisfy { $0.activities.isEmpty && $0.ignored?.contains("周会") == true })
    }

    @Test("a recurring 回访 counts each instance in its own week; EXDATE removes one, an override moves one into another week")
    func recurringFollowUp() throws {
        let inputs = try events("recurring-followup.ics")
        let weeks = inputs.map { ISOWeek(containing: $0.instance.start, in: zone).description }
        // Tuesdays 3, 10 (EXDATE), 17 (moved to Monday 23), 24; 1 December is past the window.
        #expect(weeks == ["2026-W45", "2026-W48", "2026-W48"])
        let v = classifier().classify(mails: [], events: inputs)
        #expect(v.flatMap(\.activities).map(\.kind) == [.lead, .followUp, .followUp, .followUp])
    }

    @Test("the calendar copy of an event wins over its mailed invitation, and the pair counts once")
    func invitationAndCalendarCopy() throws {
        var invitation = try events("demo-external.ics")[0]
        invitation.origin = .invitation
        invitation.account = "alice-mail"
        invitation.instance.summary = "邀请：产品演示 - 招商银行"
        let calendar = try events("demo-external.ics")[0]
        let v = classifier().classify(mails: [], events: [invitation, calendar])
        #expect(v.count == 1)
        #expect(v[0].activities.last?.title == "产品演示 - 招商银行")
        #expect(v[0].activities.last?.account == "alice-cal")
    }

    @Test("with shared_credit = organizer a meeting organised by another rep is not credited")
    func organizerCredit() throws {
        var e = try events("demo-external.ics")[0]
        e.instance.organizer = ICalParticipant(address: "bob@hxsoft.cn")
        #expect(classifier(sharedCredit: .each).classify(mails: [], events: [e]).flatMap(\.activities).count == 2)
        let v = classifier(sharedCredit: .organizer).classify(mails: [], events: [e])
        #expect(v[0].activities.isEmpty)
        #expect(v[0].ignored?.contains("organiser bob@hxsoft.cn") == true)
    }
}
