import Foundation
import Testing
@testable import ActivityCore

@Suite("Modified UTF-7 mailbox names")
struct ModifiedUTF7Tests {
    @Test("known pairs encode and decode both ways", arguments: [
        ("已发送", "&XfJT0ZAB-"),
        ("&", "&-"),
        ("Sent & Archive", "Sent &- Archive"),
        ("INBOX", "INBOX"),
        ("", ""),
        ("草稿箱", "&g0l6P3ux-"),
        ("已删除", "&XfJSIJZk-"),
        ("垃圾邮件", "&V4NXPpCuTvY-"),
        ("INBOX/已发送", "INBOX/&XfJT0ZAB-"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("😀", "&2D3eAA-"),
    ])
    func pairs(_ pair: (String, String)) {
        #expect(ModifiedUTF7.encode(pair.0) == pair.1)
        #expect(ModifiedUTF7.decode(pair.1) == pair.0)
    }

    @Test("round trips of mixed names")
    func roundTrips() {
        for name in ["Sent & Archive", "报价 & 合同/2026", "a&b&c", "&&", "Ünïcödé & 中文 & ascii", "tab\there", "-&-", "&已发送-"] {
            #expect(ModifiedUTF7.decode(ModifiedUTF7.encode(name)) == name, "\(name)")
        }
    }

    @Test("the encoder uses ',' for '/' and never pads")
    func alphabet() {
        let encoded = ModifiedUTF7.encode("台北")
        #expect(encoded == "&U,BTFw-")
        #expect(!encoded.contains("="))
    }

    @Test("malformed input gives nil", arguments: [
        "&", "&XfJT0ZAB", "&XfJT0ZA!-", "&XfJT0ZA=-", "&A-", "&AA-", "&AAA-", "已发送", "tab\there", "&2D0-", "&3gA-",
        "&XfJ-",
    ])
    func malformed(_ value: String) {
        #expect(ModifiedUTF7.decode(value) == nil, "\(value)")
    }

    @Test("needlessly encoded ASCII and adjacent runs are tolerated")
    func lenient() {
        #expect(ModifiedUTF7.decode("&AGEAYg-") == "ab")
        #expect(ModifiedUTF7.decode("&XfI-&U9GQAQ-") == "已发送")
    }
}
