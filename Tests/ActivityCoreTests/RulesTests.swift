import Testing
@testable import ActivityCore

@Suite("Keyword rules")
struct RulesTests {
    let rules = Rules.builtIn

    @Test("Chinese keywords match as substrings")
    func cjkSubstring() {
        #expect(rules.match("关于华为项目的报价单")?.kind == .closing)
        #expect(rules.match("拜访华为")?.kind == .visit)
    }

    @Test("ASCII keywords match only on word boundaries: demo is not in democracy")
    func asciiBoundaries() {
        #expect(rules.match("Democracy in the workplace") == nil)
        #expect(rules.match("Product DEMO for Acme")?.kind == .demo)
        #expect(rules.match("Re: quote, revised")?.kind == .closing)
        #expect(rules.match("quotes") == nil)
    }

    @Test("a CJK character next to an ASCII keyword is a boundary")
    func cjkNextToAscii() {
        #expect(rules.match("华为POC测试")?.kind == .demo)
        #expect(rules.match("全角ＰＯＣ测试")?.kind == .demo)
    }

    @Test("multi-word and hyphenated keywords match as written")
    func multiWord() {
        #expect(rules.match("Quick follow up on our call")?.kind == .followUp)
        #expect(rules.match("Go-live checklist")?.kind == .onboarding)
    }

    @Test("precedence: a trial install is a demo, onsite training is onboarding")
    func precedence() {
        #expect(rules.match("软件试用安装")?.kind == .demo)
        #expect(rules.match("Acme onsite training")?.kind == .onboarding)
    }

    @Test("mail may only take onboarding, closing and payment keywords, in precedence order")
    func mailKinds() {
        #expect(rules.match("产品演示及报价", allowed: Kind.mailKeywordKinds)?.kind == .closing)
        #expect(rules.match("拜访安排", allowed: Kind.mailKeywordKinds) == nil)
    }

    @Test("the ignore list matches 1:1 and 周会")
    func ignoreList() {
        #expect(rules.ignoreMatch("Alice / Bob 1:1") == "1:1")
        #expect(rules.ignoreMatch("销售周会") == "周会")
        #expect(rules.ignoreMatch("拜访华为") == nil)
    }

    @Test("a deployment's words are added to the defaults, never replacing them")
    func adding() {
        let r = rules.adding(keywords: [.visit: ["走访"]], onlineMarkers: ["welink"], ignore: ["培训会议室"])
        #expect(r.match("走访客户")?.kind == .visit)
        #expect(r.match("拜访客户")?.kind == .visit)
        #expect(r.onlineMarker(in: "https://welink.huaweicloud.com/x") == "welink")
    }
}

@Suite("Public Suffix List and organisations")
struct IdentityTests {
    static let psl = PublicSuffixList(text: """
        // a few real rules
        com
        cn
        com.cn
        gov.cn
        uk
        co.uk
        *.ck
        !www.ck
        """)
    let identity = OrgIdentity(internalDomains: ["hxsoft.cn"], extraFreemail: ["139.com"], suffixes: IdentityTests.psl)

    @Test("the registrable domain of sales.acme.com.cn is acme.com.cn")
    func registrable() {
        #expect(Self.psl.registrableDomain("sales.acme.com.cn") == "acme.com.cn")
        #expect(Self.psl.registrableDomain("bj.chinamobile.com") == "chinamobile.com")
        #expect(Self.psl.registrableDomain("mail.nhs.co.uk") == "nhs.co.uk")
        #expect(Self.psl.registrableDomain("com.cn") == nil)
    }

    @Test("wildcard and exception rules follow the PSL algorithm")
    func wildcards() {
        #expect(Self.psl.registrableDomain("a.b.ck") == "a.b.ck")
        #expect(Self.psl.registrableDomain("www.ck") == "www.ck")
        #expect(Self.psl.registrableDomain("x.www.ck") == "www.ck")
    }

    @Test("freemail organisations are the whole address, subdomains included")
    func freemail() {
        #expect(identity.org(of: "Xiaoming@QQ.com") == "xiaoming@qq.com")
        #expect(identity.org(of: "boss@vip.163.com") == "boss@vip.163.com")
        #expect(identity.org(of: "li@139.com") == "li@139.com")
    }

    @Test("internal and automated addresses are never organisations")
    func notExternal() {
        #expect(identity.org(of: "zhao@hxsoft.cn") == nil)
        #expect(identity.org(of: "zhao@bj.hxsoft.cn") == nil)
        #expect(identity.org(of: "noreply@acme.com") == nil)
        #expect(identity.org(of: "MAILER-DAEMON@mx.acme.com") == nil)
        #expect(identity.org(of: "notifications+x@github.com") == nil)
    }

    @Test("local parts and domains read the same on the ASCII fast path and the Unicode one")
    func addressParts() {
        #expect(OrgIdentity.localPart(of: "NoReply+Bounce@Acme.COM") == "noreply")
        #expect(OrgIdentity.localPart(of: "no+at-sign") == "no+at-sign")
        #expect(OrgIdentity.localPart(of: "\"a@b\"@acme.com") == "\"a@b\"")
        #expect(OrgIdentity.domain(of: "zhang@..Sales.Acme.com.CN.") == "sales.acme.com.cn")
        #expect(OrgIdentity.domain(of: "no-at-sign") == "")
        #expect(OrgIdentity.localPart(of: "Zhāng+x@华为.cn") == "zhāng")
        #expect(OrgIdentity.domain(of: "Zhāng@华为.CN") == "华为.cn")
        #expect(identity.org(of: "Zhang@Sales.ACME.com.cn") == "acme.com.cn")
    }

    @Test("the Debian list gives the same answers as the sample")
    func debianList() throws {
        guard let text = try? String(contentsOfFile: PublicSuffixList.debianPath, encoding: .utf8) else {
            Issue.record("\(PublicSuffixList.debianPath) is missing: run scripts/install-deps")
            return
        }
        let psl = PublicSuffixList(text: text)
        #expect(psl.registrableDomain("sales.acme.com.cn") == "acme.com.cn")
        #expect(psl.registrableDomain("www.beijing.gov.cn") == "beijing.gov.cn")
        #expect(psl.registrableDomain("shop.example.co.uk") == "example.co.uk")
        #expect(psl.registrableDomain("foo.github.io") == "foo.github.io")
    }
}
