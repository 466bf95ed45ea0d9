import Foundation
import Testing
@testable import ActivityCore

/// The parsers read bytes with ASCII fast paths; these pin the edges where a byte-wise answer could differ from the
/// String operation it stands for (non-ASCII neighbours, combining marks, Unicode spaces, case mappings).
@Suite("Byte fast paths")
struct ByteFastPathTests {
    /// Every string of up to three pieces.
    private static func combinations(_ pieces: [String]) -> [String] {
        var out = [""]
        for a in pieces {
            out.append(a)
            for b in pieces {
                out.append(a + b)
                for c in pieces { out.append(a + b + c) }
            }
        }
        return out
    }

    private static let pieces = [
        " ", "\t", "\r\n", "\n", "\u{0B}", "\u{3000}", "\u{00A0}", "\u{200B}", "\u{1680}", "\u{205F}", "\u{85}", "\u{2028}",
        "\u{301}", "\u{0600}", "\u{0E33}", "\u{FF9E}", "a", "Z", "张", "é", "\"", "'", "\u{212A}", "İ", "\u{1F600}",
    ]

    @Test("trimmedWhitespace, lowercased and Foundation's space trimming agree with the String operations")
    func stringHelpers() {
        for s in Self.combinations(Self.pieces) {
            #expect(s.trimmedWhitespace == s[...].trimmedWhitespace, "\(s.unicodeScalars.map(\.value))")
            #expect(ByteText.lowercased(s) == s.lowercased(), "\(s.unicodeScalars.map(\.value))")
            #expect(ByteText.trimmingSpaces(s) == s.trimmingCharacters(in: .whitespaces), "\(s.unicodeScalars.map(\.value))")
        }
    }

    @Test("space trimming on bytes that are not valid UTF-8 equals trimming the repaired text")
    func spacesAroundBrokenBytes() {
        let pieces: [[UInt8]] = [[0x20], [0x09], [0xE3, 0x80, 0x80], [0xE3, 0x80], [0x80], [0xE2, 0x80, 0x8B], [0xC2, 0xA0],
                                 [0xC2], [0xF0, 0x9F], [0x61], [0xE5, 0xBC, 0xA0]]
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let bytes = a + b + c
                    let trimmed = bytes.withUnsafeBufferPointer { ByteText.string($0, ByteText.trimSpaces($0, 0..<$0.count)) }
                    #expect(trimmed == String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces), "\(bytes)")
                }
            }
        }
    }

    // MARK: - Headers

    @Test("a raw 8-bit byte in an otherwise ASCII header decodes that field alone, its spaces trimmed")
    func eightBitByteInASCIIHeader() {
        // 报 in GB18030, then trailing spaces; the next field is plain ASCII.
        let raw: [UInt8] = Array("Subject: Re: ".utf8) + [0xB1, 0xA8] + Array("  \r\nTo: a@b.cn\r\n\r\n".utf8)
        let h = MessageHeaders(raw: raw)
        #expect(h.first("Subject") == "Re: 报")
        #expect(h.first("To") == "a@b.cn")
        #expect(MessageHeaders(raw: Array("Subject: \t \r\n\r\n".utf8)).first("Subject") == "")
    }

    @Test("an encoded word split across a fold is two words; a fold inside one leaves it as written")
    func encodedWordsAndFolds() {
        let split = MessageHeaders(raw: Array("Subject: =?UTF-8?B?5byg?=\r\n =?UTF-8?B?5Lyf?=\r\n\r\n".utf8))
        #expect(split.decoded("Subject") == "张伟")
        let broken = MessageHeaders(raw: Array("Subject: =?UTF-8?B?5byg\r\n 5Lyf?=\r\n\r\n".utf8))
        #expect(broken.decoded("Subject") == "=?UTF-8?B?5byg 5Lyf?=")
    }

    @Test("lookups lower-case the asked name as String does (a Kelvin sign is a k)")
    func lookupCaseMapping() {
        let h = MessageHeaders(raw: Array("Key: v\r\n\r\n".utf8))
        #expect(h.first("\u{212A}EY") == "v")
        #expect(h.values("KEY") == ["v"])
    }

    // MARK: - Addresses

    @Test("quote marks are stripped from a name only when they are characters of their own")
    func quotesAndCombiningMarks() {
        #expect(AddressList.parse("'Bob' <a@b.cn>").first?.name == "Bob")
        #expect(AddressList.parse("'\u{301}Bob' <a@b.cn>").first?.name == "'\u{301}Bob'")
        #expect(AddressList.parse("'Bob'\u{301} <a@b.cn>").first?.name == "'Bob'\u{301}")
        #expect(AddressList.parse("\u{3000}张伟\u{3000} <a@b.cn>").first?.name == "张伟")
        // The last character is a space with a combining mark: white space, trimmed whole.
        #expect(AddressList.parse("张伟 \u{301}<a@b.cn>").first?.name == "张伟")
    }

    @Test("non-ASCII addresses are lower-cased as text, ASCII ones byte by byte")
    func addressCase() {
        #expect(AddressList.parse("<ÄBC@Example.COM>").first?.address == "äbc@example.com")
        #expect(AddressList.parse("Zhang =?UTF-8?B?5Lyf?= <Zhang.Wei@HXSoft.CN>").first
                == MailAddress(name: "Zhang 伟", address: "zhang.wei@hxsoft.cn"))
        #expect(MailAddress(name: " x ", address: " A@B ") == MailAddress(name: "x", address: "a@b"))
    }

    @Test("a phrase of one atom and a phrase of several give the same names")
    func phraseShapes() {
        #expect(AddressList.parse("=?GBK?B?1cXOsA==?= <a@b.cn>").first?.name == "张伟")
        #expect(AddressList.parse("\"=?GBK?B?1cXOsA==?=\" <a@b.cn>").first?.name == "张伟")
        #expect(AddressList.parse("=?GBK?B?1cXOsA==?= (x) <a@b.cn>").first?.name == "张伟")
        #expect(AddressList.parse("Wei\u{301} <a@b.cn>").first?.name == "Wei\u{301}")
    }

    @Test("a value parsed again, from the cache, gives the same addresses; long values are parsed every time")
    func cachedValues() {
        let value = "=?UTF-8?B?5byg5Lyf?= <ZhangWei@hxsoft.cn>, \"Li, Na\" <li.na@x.cn>"
        let first = AddressList.parse(value)
        #expect(first.count == 2)
        #expect(AddressList.parse(value) == first)
        let long = (0..<100).map { "user\($0)@example.cn" }.joined(separator: ", ")
        #expect(AddressList.parse(long).count == 100)
        #expect(AddressList.parse(long) == AddressList.parse(long))
    }

    // MARK: - Dates and ids

    @Test("dates: zone names through String lower-casing, U+2212, long words, comments with escaped characters")
    func dateEdges() {
        let kst = MailDate.parse("17 Nov 2026 10:05:00 KST")
        #expect(kst != nil)
        #expect(MailDate.parse("17 Nov 2026 10:05:00 \u{212A}ST") == kst)
        #expect(MailDate.parse("17 Nov 2026 10:05:00 \u{2212}0100") == MailDate.parse("17 Nov 2026 10:05:00 -0100"))
        #expect(MailDate.parse("17 Novemberish 2026 10:05:00") == nil)
        #expect(MailDate.parse("17 Nov 2026 10:05:00 +0800 (\\张 (中国标准时间))") == MailDate.parse("17 Nov 2026 10:05:00 +0800"))
        #expect(MailDate.parse("2026年11月17日 10:05") == MailDate.parse("17 Nov 2026 10:05:00 +0000"))
    }

    @Test("MessageIDs.first is the first of parse")
    func firstID() {
        for value in ["<a@b> <c@d>", "<a\r\n @b>", "x@y z@w", "(c <n@o>) <a@b>", "<<a@b>", "<>", "", "<a@b", "no ids"] {
            #expect(MessageIDs.first(value) == MessageIDs.parse(value).first, "\(value)")
        }
    }

    // MARK: - Automated mail

    @Test("multipart/report, Precedence and Auto-Submitted read as the String code reads them")
    func automatedHeaders() {
        #expect(MailItem.isMultipartReport("Multipart/Report; report-type=delivery-status"))
        #expect(MailItem.isMultipartReport("MULTIPART/REPORT"))
        #expect(!MailItem.isMultipartReport("multipart/repor"))
        #expect(!MailItem.isMultipartReport("multipart/report\u{301}"))
        #expect(MailItem.isMultipartReport("multipart/report\u{3000}"))
        func automated(_ headers: String) -> String? {
            MailItem(headers: Array((headers + "\r\n\r\n").utf8), internalDate: nil).automated
        }
        #expect(automated("Precedence: Bulk") == "Precedence: bulk")
        #expect(automated("Precedence: bulk\u{3000}") == "Precedence: bulk")
        #expect(automated("Auto-Submitted: ;;Auto-Replied ; x") == "Auto-Submitted: auto-replied")
        #expect(automated("Auto-Submitted: No") == nil)
        #expect(automated("Auto-Submitted: \u{3000}Auto-Generated") == "Auto-Submitted: auto-generated")
    }
}
