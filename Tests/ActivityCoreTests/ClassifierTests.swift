import Foundation
import Testing
@testable import ActivityCore

/// Mail rules of DOMAIN.md, one sentence a test. Items are built directly here because each test
/// is about one rule; the labelled corpus under Fixtures/mail checks them all end to end.
@Suite("Mail classification")
struct ClassifierTests {
    static let psl = PublicSuffixList(text: "com\ncn\ncom.cn\n")
    let alice = RepProfile(id: "alice", name: "王丽", emails: ["alice@hxsoft.cn", "wangli@hxsoft.cn"],
                           timeZone: TimeZone(identifier: "Asia/Shanghai")!)
    var classifier: Classifier {
        Classifier(rep: alice, settings: ClassificationSettings(
            identity: OrgIdentity(internalDomains: ["hxsoft.cn"], suffixes: ClassifierTests.psl)))
    }

    func mail(_ from: String, _ to: [String], _ subject: String, _ at: String, cc: [String] = [], id: String? = nil,
              thread: String? = nil, automated: String? = nil) -> Classifier.MailInput {
        guard let date = ISO8601DateFormatter().date(from: at) else { fatalError("bad test date \(at)") }
        let key = id ?? "\(from)|\(at)|\(subject)"
        return .init(item: MailItem(key: key, messageID: key, date: date, dateSource: "header", from: from, fromName: nil,
                                    to: to, cc: cc, subject: subject, threadKey: thread ?? key, automated: automated),
                     account: "alice-mail")
    }

    func kinds(_ verdicts: [ItemVerdict]) -> [String] {
        verdicts.flatMap { $0.activities.map { "\($0.kind.rawValue):\($0.org)" } }
    }

    @Test("a first outbound mail to a new organisation is a contact and a lead")
    func firstContact() {
        let v = classifier.classify(mails: [mail("alice@hxsoft.cn", ["zhang@sales.acme.com.cn"], "您好，华信软件介绍", "2026-11-16T09:00:00+08:00")])
        #expect(kinds(v) == ["lead:acme.com.cn", "contact:acme.com.cn"])
        #expect(v[0].activities[1].rule == "outbound:first-contact")
    }

    @Test("a second outbound mail without a keyword is a follow-up, and yields no new lead")
    func followUp() {
        let v = classifier.classify(mails: [
            mail("alice@hxsoft.cn", ["zhang@acme.com.cn"], "介绍", "2026-11-16T09:00:00+08:00"),
            mail("alice@hxsoft.cn", ["li@acme.com.cn"], "拜访安排", "2026-11-17T09:00:00+08:00"),
        ])
        #expect(kinds(v) == ["lead:acme.com.cn", "contact:acme.com.cn", "follow_up:acme.com.cn"])
    }

    @Test("an outbound quote is a closing even to a new organisation, which still yields its lead")
    func keywordOnNewOrg() {
        let v = classifier.classify(mails: [mail("wangli@hxsoft.cn", ["cto@acme.com"], "Quotation for ERP", "2026-11-16T09:00:00+08:00")])
        #expect(kinds(v) == ["lead:acme.com", "closing:acme.com"])
        #expect(v[0].activities[1].rule == "keyword:quotation")
    }

    @Test("inbound mail before any contact counts for nothing and yields no lead; the first reply after contact qualifies, once")
    func qualified() {
        let v = classifier.classify(mails: [
            mail("cold@acme.com", ["alice@hxsoft.cn"], "合作咨询", "2026-11-15T09:00:00+08:00"),
            mail("alice@hxsoft.cn", ["cold@acme.com"], "Re: 合作咨询", "2026-11-16T09:00:00+08:00"),
            mail("cold@acme.com", ["alice@hxsoft.cn"], "Re: Re: 合作咨询", "2026-11-17T09:00:00+08:00"),
            mail("cold@acme.com", ["alice@hxsoft.cn"], "再次感谢", "2026-11-18T09:00:00+08:00"),
        ])
        #expect(kinds(v) == ["lead:acme.com", "contact:acme.com", "qualified:acme.com"])
        #expect(v[0].ignored?.contains("before any contact") == true)
        #expect(v[3].ignored?.contains("already qualified") == true)
    }

    @Test("replying five times in one week to a quote thread is one closing; the next week counts again")
    func threadPerWeek() {
        var mails = (0..<5).map { i in
            mail("alice@hxsoft.cn", ["zhang@acme.com"], "Re: 报价", "2026-11-\(16 + i)T10:00:00+08:00", id: "m\(i)", thread: "t1")
        }
        mails.append(mail("alice@hxsoft.cn", ["zhang@acme.com"], "Re: 报价", "2026-11-23T10:00:00+08:00", id: "m9", thread: "t1"))
        let v = classifier.classify(mails: mails)
        #expect(kinds(v).filter { $0.hasPrefix("closing") }.count == 2)
        #expect(v[1].ignored?.contains("thread already counted as closing in 2026-W47") == true)
    }

    @Test("a mail to two organisations credits the first and gives each new one its lead")
    func twoOrgs() {
        let v = classifier.classify(mails: [mail("alice@hxsoft.cn", ["a@acme.com"], "方案介绍", "2026-11-16T09:00:00+08:00",
                                                  cc: ["b@beta.com.cn", "zhao@hxsoft.cn"])])
        #expect(kinds(v) == ["lead:acme.com", "lead:beta.com.cn", "contact:acme.com"])
        #expect(v[0].activities[2].otherOrgs == ["beta.com.cn"])
    }

    @Test("an organisation not seen for more than 365 days yields a new lead; one seen within does not")
    func leadLookback() {
        let v = classifier.classify(mails: [
            mail("alice@hxsoft.cn", ["a@acme.com"], "hello", "2025-06-01T09:00:00+08:00"),
            mail("alice@hxsoft.cn", ["b@beta.com"], "hello", "2026-01-10T09:00:00+08:00"),
            mail("alice@hxsoft.cn", ["a@acme.com"], "hello again", "2026-11-16T09:00:00+08:00"),
            mail("alice@hxsoft.cn", ["b@beta.com"], "hello again", "2026-11-16T10:00:00+08:00"),
        ])
        let leads = v.flatMap(\.activities).filter { $0.kind == .lead }
        #expect(leads.map(\.org) == ["acme.com", "beta.com", "acme.com"])
        #expect(leads[2].rule == "lead:not-seen-in-365-days")
    }

    @Test("automated and internal-only mail count for nothing")
    func ignored() {
        let v = classifier.classify(mails: [
            mail("news@acme.com", ["alice@hxsoft.cn"], "Newsletter", "2026-11-16T09:00:00+08:00", automated: "List-Id header"),
            mail("alice@hxsoft.cn", ["zhao@hxsoft.cn"], "报价审批", "2026-11-16T10:00:00+08:00"),
            mail("alice@hxsoft.cn", ["noreply@acme.com"], "Re: 通知", "2026-11-16T11:00:00+08:00"),
        ])
        #expect(kinds(v).isEmpty)
        #expect(v.allSatisfy { $0.ignored != nil })
    }

    @Test("the ledger does not depend on the order mails were synced in")
    func orderIndependent() {
        let mails = [
            mail("cold@acme.com", ["alice@hxsoft.cn"], "Re: 介绍", "2026-11-17T09:00:00+08:00"),
            mail("alice@hxsoft.cn", ["cold@acme.com"], "介绍", "2026-11-16T09:00:00+08:00"),
            mail("alice@hxsoft.cn", ["cold@acme.com"], "合同", "2026-11-18T09:00:00+08:00"),
        ]
        let a = classifier.classify(mails: mails).flatMap(\.activities)
        let b = classifier.classify(mails: mails.reversed()).flatMap(\.activities)
        #expect(a == b)
        #expect(a.map(\.kind) == [.lead, .contact, .qualified, .closing])
    }
}
