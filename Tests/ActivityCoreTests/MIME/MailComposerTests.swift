import Foundation
import Testing
@testable import ActivityCore

/// What the composer writes, our own reader reads back.
@Suite("The MIME composer (the digest's writer)")
struct MailComposerTests {
    func mail(subject: String = "销售活动周报 2026-W47 华东区：3 人中 2 人拜访未达标", fromName: String = "销售活动周报",
              toName: String = "赵经理") -> ComposedMail {
        ComposedMail(from: MailAddress(name: fromName, address: "activity@hxsoft.cn"),
                     to: [MailAddress(name: toName, address: "zhao@hxsoft.cn")],
                     subject: subject, date: Date(timeIntervalSince1970: 1_795_395_000),
                     timeZone: TimeZone(identifier: "Asia/Shanghai")!, messageID: "digest.2026-W47.0123456789abcdef@hxsoft.cn",
                     text: "王丽 拜访 2/8\n", html: "<p>王丽</p>\n",
                     attachments: [.init(filename: "销售活动周报-2026-W47-华东区.xlsx",
                                         contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                         data: Array(repeating: 0xAB, count: 3000))])
    }

    @Test("subject, from, to, message-id and date come back through MessageHeaders and MailItem")
    func roundTrip() {
        let raw = mail().render()
        let item = MailItem(headers: raw, internalDate: nil)
        #expect(item.subject == "销售活动周报 2026-W47 华东区：3 人中 2 人拜访未达标")
        #expect(item.from == "activity@hxsoft.cn")
        #expect(item.fromName == "销售活动周报")
        #expect(item.to == ["zhao@hxsoft.cn"])
        #expect(item.messageID == "digest.2026-W47.0123456789abcdef@hxsoft.cn")
        #expect(item.date == Date(timeIntervalSince1970: 1_795_395_000))
        #expect(item.dateSource == "header")
        let headers = MessageHeaders(raw: raw)
        #expect(AddressList.parse(headers.first("To") ?? "").first?.name == "赵经理")
    }

    @Test("every line ends in CRLF and none is longer than 76 characters")
    func lines() {
        let long = String(repeating: "很长的主题", count: 30) + " with ASCII words and \"quotes\""
        let raw = mail(subject: long, fromName: String(repeating: "发件人", count: 20)).render()
        let text = String(decoding: raw, as: UTF8.self)
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 76, "\(line)") }
        #expect(MailItem(headers: raw, internalDate: nil).subject == long)
        #expect(MailItem(headers: raw, internalDate: nil).fromName == String(repeating: "发件人", count: 20))
    }

    @Test("hostile subjects: line breaks become spaces, never a header of their own; encoded-word lookalikes stay text")
    func hostile() {
        for s in ["a\r\nBcc: victim@example.com", "=?UTF-8?B?SGk=?=", "  leading and trailing  ", "", "x\u{0}y", "e\u{301}\u{1F468}\u{200D}\u{1F469}"] {
            let raw = mail(subject: s, toName: "\"Evil\" <x@y>, Bcc\r\n").render()
            let h = MessageHeaders(raw: raw)
            #expect(h.values("Bcc").isEmpty)
            #expect(MailItem(headers: raw, internalDate: nil).subject == MailComposer.headerText(s), "\(s)")
            #expect(MailItem(headers: raw, internalDate: nil).to == ["zhao@hxsoft.cn"])
        }
    }

    @Test("hostile display names come back as they were (fuzz target digest's findings)")
    func hostileNames() {
        let found: [[UInt8]] = [
            Array("\"Evil\"\u{1}".utf8),
            [0x20, 0xDB, 0x9C, 0x90, 0x92],
            Array(repeating: 0x27, count: 36),
            [0x22, 0x94, 0x2A, 0x20, 0x80, 0xE5, 0x94, 0xAE, 0xE6, 0xB4, 0xBB, 0xE5, 0x52, 0x43, 0x1A, 0x53, 0x65, 0x31, 0x22, 0x2D, 0x45, 0x76, 0x69, 0x32, 0x6C, 0x22],
        ]
        for bytes in found {
            let name = String(decoding: bytes, as: UTF8.self)
            let raw = mail(fromName: name).render()
            // What the composer is given: a MailAddress, which trims the name by characters.
            let expected = MailComposer.displayName(MailAddress(name: name, address: "a@b").name ?? "")
            let got = MailItem(headers: raw, internalDate: nil).fromName
            #expect(got == (expected.isEmpty ? nil : expected),
                    "\(got.map { Array($0.unicodeScalars).map(\.value) } ?? []) vs \(Array(expected.unicodeScalars).map(\.value)): \(String(decoding: raw.prefix(120), as: UTF8.self))")
        }
        // Ordinary names are kept as they are.
        for name in ["赵经理", "Carol Chen", "O'Brien, Pat", "销售活动周报 (华东)", "'quoted' name"] {
            #expect(MailComposer.displayName(name) == name)
        }
    }

    @Test("the attachment's name is RFC 2231 UTF-8 in continuations, never with an ASCII fallback that readers would prefer")
    func filename() {
        let p = MailComposer.filenameParameters("销售活动周报-2026-W47-华东区.xlsx")
        #expect(p.contains("filename*0*=UTF-8''%E9%94%80"))
        #expect(p.contains("filename*1*="))
        #expect(!p.contains(" filename="))
        #expect(MailComposer.filenameParameters("a b\"c.xlsx") == " filename*0*=UTF-8''a%20b%22c.xlsx")
    }

    @Test("the same digest composes to the same bytes (a re-send is the same message)")
    func stable() {
        #expect(mail().render() == mail().render())
    }
}
