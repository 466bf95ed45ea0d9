import Foundation
import Testing
@testable import ActivityCore

@Suite("Address lists")
struct AddressListTests {
    private func one(_ value: String) -> MailAddress? {
        let list = AddressList.parse(value)
        return list.count == 1 ? list[0] : nil
    }

    @Test("quoted display name with angle address")
    func quotedName() {
        #expect(one("\"John Doe\" <John.Doe@Example.COM>") == MailAddress(name: "John Doe", address: "john.doe@example.com"))
    }

    @Test("unquoted display names, including dots (obs-phrase)")
    func unquotedName() {
        #expect(one("John Q. Public <jqp@example.com>") == MailAddress(name: "John Q. Public", address: "jqp@example.com"))
        #expect(one("  Jane   Roe\t<jane@example.com>  ")?.name == "Jane Roe")
    }

    @Test("bare addresses and bracketed addresses without a name")
    func bare() {
        #expect(one("a@b.com") == MailAddress(name: nil, address: "a@b.com"))
        #expect(one("<A@B.com>") == MailAddress(name: nil, address: "a@b.com"))
        #expect(one("\"\" <a@b.com>") == MailAddress(name: nil, address: "a@b.com"))
    }

    @Test("encoded display names in GBK, UTF-8 and Q decode")
    func encodedNames() {
        #expect(one("=?gbk?B?1cXI/Q==?= <zhang@example.cn>") == MailAddress(name: "张三", address: "zhang@example.cn"))
        #expect(one("\"=?gbk?B?1cXI/Q==?=\" <zhang@example.cn>")?.name == "张三")
        #expect(one("=?UTF-8?B?5oql5A==?= =?UTF-8?B?u7fljZXnoa7orqQ=?= <q@x.cn>")?.name == "报价单确认")
        #expect(one("=?utf-8?Q?Gr=C3=BC=C3=9Fe,_Team?= <team@x.de>") == MailAddress(name: "Grüße, Team", address: "team@x.de"))
    }

    @Test("a list with encoded names, plain names and bare addresses")
    func mixedList() {
        let list = AddressList.parse("=?gbk?B?1cXI/Q==?= <zhang@example.cn>, \"Doe, John\" <john@x.com>, bob@y.org")
        #expect(list == [
            MailAddress(name: "张三", address: "zhang@example.cn"),
            MailAddress(name: "Doe, John", address: "john@x.com"),
            MailAddress(name: nil, address: "bob@y.org"),
        ])
    }

    @Test("the comment serves as name when there is no phrase")
    func commentName() {
        #expect(one("a@b.com (Alice Smith)") == MailAddress(name: "Alice Smith", address: "a@b.com"))
        #expect(one("a@b.com (Alice (the boss) Smith)")?.name == "Alice (the boss) Smith")
        #expect(one("Bob <b@c.com> (ignored)")?.name == "Bob")
        #expect(one("(=?gbk?B?1cXI/Q==?=) z@x.cn")?.name == "张三")
    }

    @Test("groups yield their members; empty groups yield nothing")
    func groups() {
        #expect(AddressList.parse("Team: a@b.com, \"C\" <c@d.com>;") == [
            MailAddress(name: nil, address: "a@b.com"),
            MailAddress(name: "C", address: "c@d.com"),
        ])
        #expect(AddressList.parse("undisclosed-recipients:;").isEmpty)
        #expect(AddressList.parse("undisclosed-recipients: ;").isEmpty)
        #expect(AddressList.parse("A: a@x.com;, b@y.com, G2: c@z.com;").map(\.address) == ["a@x.com", "b@y.com", "c@z.com"])
    }

    @Test("quoted local parts stay quoted only when they need to")
    func quotedLocalPart() {
        #expect(one("\"john.doe\"@example.com")?.address == "john.doe@example.com")
        let odd = one("\"John Doe\"@Example.com")
        #expect(odd?.address == "\"john doe\"@example.com")
        #expect(odd?.localPart == "\"john doe\"")
        #expect(odd?.domain == "example.com")
        #expect(one("<\"a@b\"@c.com>")?.domain == "c.com")
    }

    @Test("commas and angle brackets inside quotes do not split")
    func specialsInQuotes() {
        let list = AddressList.parse("\"Smith, Jane <CEO>\" <jane@x.com>, \"a;b:c\" <ab@x.com>")
        #expect(list.map(\.name) == ["Smith, Jane <CEO>", "a;b:c"])
        #expect(list.map(\.address) == ["jane@x.com", "ab@x.com"])
    }

    @Test("escaped quotes in display names")
    func escapedQuotes() {
        #expect(one("\"John \\\"JD\\\" Doe\" <jd@x.com>")?.name == "John \"JD\" Doe")
    }

    @Test("angle address with an obsolete route")
    func route() {
        #expect(one("Joe <@relay.one,@relay.two:joe@example.com>") == MailAddress(name: "Joe", address: "joe@example.com"))
        #expect(one("<mailto:Joe@Example.com>")?.address == "joe@example.com")
    }

    @Test("obsolete whitespace and comments inside addr-spec")
    func obsoleteAddrSpec() {
        #expect(one("john . doe @ example . com")?.address == "john.doe@example.com")
        #expect(one("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>")
            == MailAddress(name: "Pete", address: "pete@silly.test"))
    }

    @Test("semicolon-separated lists (Outlook) and empty elements")
    func semicolons() {
        #expect(AddressList.parse("A <a@x.com>; B <b@x.com>;").map(\.address) == ["a@x.com", "b@x.com"])
        #expect(AddressList.parse(", ,a@x.com,, ,b@x.com,").map(\.address) == ["a@x.com", "b@x.com"])
    }

    @Test("salvage: names without brackets, unclosed brackets, stray brackets")
    func salvage() {
        #expect(one("John Doe john@x.com") == MailAddress(name: "John Doe", address: "john@x.com"))
        #expect(AddressList.parse("Name <a@x.com, b@y.com").map(\.address) == ["a@x.com", "b@y.com"])
        #expect(one("a@x.com>") == MailAddress(name: nil, address: "a@x.com"))
        #expect(one("<<a@x.com>>")?.address == "a@x.com")
        #expect(one("john@x.com <john@x.com>") == MailAddress(name: "john@x.com", address: "john@x.com"))
        #expect(one("'Jane Roe' <jane@x.com>")?.name == "Jane Roe")
        #expect(one("\"Unterminated <u@x.com>") == MailAddress(name: "Unterminated", address: "u@x.com"))
    }

    @Test("things without an address yield nothing")
    func noAddress() {
        for value in ["", "   ", "Undisclosed recipients", "Name <>", ",;:<>", "(just a comment)", "\""] {
            #expect(AddressList.parse(value).isEmpty, "\(value)")
        }
    }

    @Test("raw UTF-8 addresses and names (RFC 6532)")
    func internationalized() {
        #expect(one("用户 <用户@例子.广告>") == MailAddress(name: "用户", address: "用户@例子.广告"))
    }

    @Test("domain literals")
    func domainLiteral() {
        #expect(one("<root@[192.168.0.1]>")?.domain == "[192.168.0.1]")
        #expect(one("[External] Bob <bob@x.com>")?.name == "[External] Bob")
    }

    @Test("localPart and domain accessors")
    func accessors() {
        let a = MailAddress(name: "  ", address: "  Sales@Example.CN ")
        #expect(a.name == nil)
        #expect(a.address == "sales@example.cn")
        #expect(a.localPart == "sales")
        #expect(a.domain == "example.cn")
        let local = MailAddress(name: nil, address: "postmaster")
        #expect(local.localPart == "postmaster")
        #expect(local.domain == "")
    }
}
