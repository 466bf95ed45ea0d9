import Foundation
import Testing
@testable import ActivityCore

@Suite("Message headers")
struct MessageHeadersTests {
    private func headers(_ text: String) -> MessageHeaders {
        MessageHeaders(raw: Array(text.utf8))
    }

    @Test("fields come back in order with names as written")
    func orderAndNames() {
        let h = headers("From: a@b.com\r\nTo: c@d.com\r\nSubject: Hello\r\n\r\n")
        #expect(h.fields.map(\.name) == ["From", "To", "Subject"])
        #expect(h.fields.map(\.value) == ["a@b.com", "c@d.com", "Hello"])
    }

    @Test("names are case-insensitive for lookups")
    func caseInsensitive() {
        let h = headers("SUBJECT: x\r\nmessage-id: <1@a>\r\n\r\n")
        #expect(h.first("Subject") == "x")
        #expect(h.first("Message-ID") == "<1@a>")
        #expect(h.contains("subject"))
        #expect(!h.contains("Date"))
        #expect(h.first("Date") == nil)
    }

    @Test("folded values are unfolded: CRLF removed, the whitespace kept")
    func folding() {
        let h = headers("Subject: This is\r\n a folded\r\n\tsubject\r\nTo: x@y\r\n\r\n")
        #expect(h.first("subject") == "This is a folded\tsubject")
        #expect(h.first("to") == "x@y")
    }

    @Test("LF-only line endings work like CRLF")
    func lfOnly() {
        let h = headers("Subject: one\n two\nFrom: a@b\n\nBody: not a header\n")
        #expect(h.first("subject") == "one two")
        #expect(h.first("from") == "a@b")
        #expect(!h.contains("body"))
    }

    @Test("a full message stops at the first empty line and reports where the body starts")
    func fullMessage() {
        let text = "From: a@b\r\nSubject: s\r\n\r\nX-Not-A-Header: body\r\n\r\nmore"
        let h = headers(text)
        #expect(h.fields.count == 2)
        #expect(h.first("X-Not-A-Header") == nil)
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[h.bodyOffset...], as: UTF8.self) == "X-Not-A-Header: body\r\n\r\nmore")
        let noBody = headers("A: 1\r\nB: 2")
        #expect(noBody.fields.count == 2)
        #expect(noBody.bodyOffset == 10)
    }

    @Test("repeated fields are all returned by values")
    func repeated() {
        let h = headers("Received: one\r\nReceived: two\r\n  continued\r\nReceived: three\r\n\r\n")
        #expect(h.values("received") == ["one", "two  continued", "three"])
        #expect(h.first("RECEIVED") == "one")
        #expect(h.values("missing").isEmpty)
    }

    @Test("leading and trailing whitespace of values is trimmed, empty values kept")
    func trimming() {
        let h = headers("Subject:    padded \t \r\nX-Empty:\r\nX-Blank:   \r\n\r\n")
        #expect(h.first("subject") == "padded")
        #expect(h.first("x-empty") == "")
        #expect(h.first("x-blank") == "")
    }

    @Test("values are raw: RFC 2047 is decoded only by decoded(_:)")
    func rawVersusDecoded() {
        let h = headers("Subject: =?gbk?B?sai827Wl?= (v2)\r\n\r\n")
        #expect(h.first("subject") == "=?gbk?B?sai827Wl?= (v2)")
        #expect(h.decoded("subject") == "报价单 (v2)")
        #expect(h.decoded("nope") == nil)
    }

    @Test("raw UTF-8 header values decode as UTF-8 (RFC 6532)")
    func rawUTF8() {
        let h = headers("Subject: 报价单 – Grüße\r\nFrom: 张三 <zhang@example.cn>\r\n\r\n")
        #expect(h.first("subject") == "报价单 – Grüße")
        #expect(h.decoded("subject") == "报价单 – Grüße")
        #expect(AddressList.parse(h.first("from") ?? "") == [MailAddress(name: "张三", address: "zhang@example.cn")])
    }

    @Test("undeclared GBK header bytes decode as GB18030, Latin-1 as a last resort, per field")
    func rawEightBit() {
        var raw = Array("Subject: ".utf8) + [0xB1, 0xA8, 0xBC, 0xDB, 0xB5, 0xA5] + Array("\r\n".utf8)
        raw += Array("X-Latin: caf".utf8) + [0xE9] + Array("\r\n".utf8)
        raw += Array("X-Utf8: 价\r\n\r\n".utf8)
        let h = MessageHeaders(raw: raw)
        #expect(h.first("subject") == "报价单")
        #expect(h.first("x-latin") == "café")
        #expect(h.first("x-utf8") == "价")
    }

    @Test("a folded GBK value is decoded as one byte sequence")
    func foldedRawGBK() {
        let raw = Array("Subject: ".utf8) + [0xB1, 0xA8] + Array("\r\n ".utf8) + [0xBC, 0xDB] + Array("\r\n\r\n".utf8)
        #expect(MessageHeaders(raw: raw).first("subject") == "报 价")
    }

    @Test("non-field lines are skipped with their continuations; obsolete space before the colon is accepted")
    func garbageLines() {
        let text = "From sender@example.com Tue Nov 17 10:05:00 2026\r\n"
            + " continuation of nothing\r\n"
            + "Subject : obsolete\r\n"
            + "no colon here\r\n"
            + "  continuation of garbage\r\n"
            + ": empty name\r\n"
            + "Bad\u{1}Name: x\r\n"
            + "X-Ok: yes\r\n\r\n"
        let h = headers(text)
        #expect(h.fields.map(\.name) == ["Subject", "X-Ok"])
        #expect(h.first("subject") == "obsolete")
        #expect(h.first("x-ok") == "yes")
    }

    @Test("colons in values are kept")
    func colonsInValue() {
        let h = headers("Date: Tue, 17 Nov 2026 10:05:00 +0800\r\n\r\n")
        #expect(h.first("date") == "Tue, 17 Nov 2026 10:05:00 +0800")
    }

    @Test("empty input and a leading blank line give no fields")
    func emptyInput() {
        #expect(MessageHeaders(raw: []).fields.isEmpty)
        let h = headers("\r\nSubject: body\r\n")
        #expect(h.fields.isEmpty)
        #expect(h.bodyOffset == 2)
    }

    @Test("string convenience initialiser")
    func stringInit() {
        #expect(MessageHeaders(string: "A: 1\n\n").first("a") == "1")
    }
}
