import Foundation
import Testing
@testable import ActivityCore

/// Megabyte-sized and adversarial values must finish quickly (no quadratic work) and never trap.
@Suite("Hostile input")
struct HostileInputTests {
    static let size = 1 << 20

    private func repeated(_ piece: String) -> String {
        String(repeating: piece, count: Self.size / max(1, piece.utf8.count))
    }

    private func elapsed(_ body: () -> Void) -> Duration {
        ContinuousClock().measure(body)
    }

    @Test("a megabyte of encoded-word lookalikes decodes in linear time", arguments: [
        "=?", "=?a?", "=?a?B?", "=?a?B?x", "?=", "=?utf-8?Q?a?=", "=?utf-8?B?5oql?= ", "=?x?Q?a?= ", "=?utf-8?B?***?=",
        "\"\\", "=?utf-8?Q?=FF?=",
    ])
    func encodedWords(_ piece: String) {
        let value = repeated(piece)
        var out = ""
        let time = elapsed { out = EncodedWords.decode(value) }
        #expect(!out.isEmpty)
        #expect(time < .seconds(10), "\(piece): \(time)")
    }

    @Test("a megabyte of address-list garbage parses in linear time", arguments: [
        "<", ">", ",", ";", ":", "\"", "(", ")", "\"\\", "<@a,", "a@b,", "a b ", "@.", "[", "=?utf-8?Q?x?= ",
        "\"a\" <b@c>, ", "G: ", "\\\"",
    ])
    func addresses(_ piece: String) {
        let value = repeated(piece)
        let time = elapsed { _ = AddressList.parse(value) }
        #expect(time < .seconds(10), "\(piece): \(time)")
    }

    @Test("a megabyte of date garbage parses in linear time", arguments: [
        "1", "1 ", "1:", "1:1:", "((", ")", "+", "-1", "Nov ", "2026-", "2026-11-", "a", "日", "1.",
    ])
    func dates(_ piece: String) {
        let value = repeated(piece)
        let time = elapsed { _ = MailDate.parse(value) }
        #expect(time < .seconds(10), "\(piece): \(time)")
    }

    @Test("a megabyte of message-id garbage parses in linear time", arguments: ["<", ">", "(", "\"", "\\", "a@b ", "<a@b>"])
    func messageIDs(_ piece: String) {
        let value = repeated(piece)
        let time = elapsed { _ = MessageIDs.parse(value) }
        #expect(time < .seconds(10), "\(piece): \(time)")
    }

    @Test("a megabyte header block with long folded values parses in linear time")
    func headerBlock() {
        var raw = Array("Subject: ".utf8)
        for _ in 0..<(Self.size / 8) { raw += Array("\r\n x =?".utf8) }
        raw += Array("\r\nTo: ".utf8) + [UInt8](repeating: 0xB1, count: Self.size)
        raw += Array("\r\n\r\n".utf8)
        var h = MessageHeaders(raw: [])
        let time = elapsed { h = MessageHeaders(raw: raw) }
        #expect(h.fields.count == 2)
        #expect(time < .seconds(10), "\(time)")
        let decodeTime = elapsed { _ = h.decoded("subject") }
        #expect(decodeTime < .seconds(10), "\(decodeTime)")
    }

    @Test("a megabyte of lines without colons or with only newlines")
    func lineGarbage() {
        let raws: [[UInt8]] = [
            [UInt8](repeating: 0x0A, count: Self.size),
            Array(repeated("x\n").utf8),
            Array(repeated(":\n").utf8),
            Array(repeated(" \n").utf8),
            [UInt8](repeating: 0x0D, count: Self.size),
        ]
        for raw in raws {
            let time = elapsed { _ = MessageHeaders(raw: raw) }
            #expect(time < .seconds(10), "\(time)")
        }
    }

    @Test("modified UTF-7 on long input", arguments: ["&", "&-", "A", "&AGE-", "已"])
    func modifiedUTF7(_ piece: String) {
        let value = repeated(piece)
        let time = elapsed {
            _ = ModifiedUTF7.decode(value)
            _ = ModifiedUTF7.encode(value)
        }
        #expect(time < .seconds(10), "\(piece): \(time)")
    }

    @Test("random bytes never trap any parser")
    func fuzz() {
        var generator = SplitMix64(seed: 0x5EED)
        let alphabet = Array("=?BbQq_<>()\"\\,;:@.[] \t\r\n&-+0123456789:AaZz".utf8) + [0xB1, 0xA8, 0xE6, 0x8A, 0xFF, 0x80]
        for round in 0..<3_000 {
            let length = Int(generator.next() % 64)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                bytes.append(round % 2 == 0
                    ? alphabet[Int(generator.next() % UInt64(alphabet.count))]
                    : UInt8(truncatingIfNeeded: generator.next()))
            }
            let text = Charsets.decodeHeaderBytes(bytes)
            _ = EncodedWords.decode(text)
            _ = AddressList.parse(text)
            _ = MailDate.parse(text)
            _ = MessageIDs.parse(text)
            _ = ModifiedUTF7.decode(text)
            _ = ModifiedUTF7.encode(text)
            let headers = MessageHeaders(raw: Array("Subject: ".utf8) + bytes + Array("\r\n\r\n".utf8))
            _ = headers.decoded("subject")
            for charset in ["gbk", "big5", "utf-8", "shift_jis", "iso-2022-jp", "windows-1252"] {
                _ = Charsets.decode(bytes, charset: charset)
            }
        }
    }

    @Test("encoded words of random bytes in every charset never trap")
    func encodedFuzz() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(generator.next() % 24) { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
            let charset = ["gbk", "utf-8", "big5", "iso-2022-jp", "euc-kr", "koi8-r", "x-unknown"][Int(generator.next() % 7)]
            let word = "=?\(charset)?B?\(Data(bytes).base64EncodedString())?="
            let decoded = EncodedWords.decode("\(word) \(word)")
            #expect(!decoded.isEmpty || bytes.isEmpty)
        }
    }
}

