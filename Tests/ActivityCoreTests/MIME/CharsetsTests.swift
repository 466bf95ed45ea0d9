import Foundation
import Testing
@testable import ActivityCore

@Suite("Charsets")
struct CharsetsTests {
    @Test("GBK, GB2312 and CP936 labels all decode through GB18030")
    func gbFamily() {
        let bytes: [UInt8] = [0xB1, 0xA8, 0xBC, 0xDB, 0xB5, 0xA5] // 报价单 in GBK
        for label in ["gbk", "GBK", "gb2312", "GB2312", "cp936", "x-gbk", "gb18030", "euc-cn", " \"GB2312\" "] {
            #expect(Charsets.decode(bytes, charset: label) == "报价单", "label \(label)")
        }
    }

    @Test("GB18030 four-byte sequences and the euro sign decode")
    func gb18030FourByte() {
        #expect(Charsets.decode([0x95, 0x32, 0x82, 0x36], charset: "GB18030") == "\u{20000}")
        #expect(Charsets.decode([0xA2, 0xE3], charset: "gb2312") == "€")
    }

    @Test("Big5 decodes, including the CP950 euro sign")
    func big5() {
        #expect(Charsets.decode([0xB7, 0x7C, 0xC4, 0xB3], charset: "big5") == "會議")
        #expect(Charsets.decode([0xA3, 0xE1], charset: "Big5") == "€")
    }

    @Test("Shift_JIS, EUC-KR under its Outlook label, KOI8-R and ISO-2022-JP decode")
    func otherCJKAndCyrillic() {
        #expect(Charsets.decode([0x8C, 0xA9, 0x90, 0xCF, 0x8F, 0x91], charset: "shift_jis") == "見積書")
        #expect(Charsets.decode([0xB0, 0xDF, 0xC0, 0xFB, 0xBC, 0xAD], charset: "ks_c_5601-1987") == "견적서")
        #expect(Charsets.decode([0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4], charset: "KOI8-R") == "Привет")
        let jis: [UInt8] = [0x1B, 0x24, 0x42, 0x38, 0x2B, 0x40, 0x51, 0x3D, 0x71, 0x1B, 0x28, 0x42]
        #expect(Charsets.decode(jis, charset: "iso-2022-jp") == "見積書")
    }

    @Test("UTF-8 labels are validated natively")
    func utf8() {
        #expect(Charsets.decode(Array("Grüße 你好".utf8), charset: "UTF-8") == "Grüße 你好")
        #expect(Charsets.decode(Array("ok".utf8), charset: "utf8") == "ok")
        #expect(Charsets.decode([0xE6, 0x8A], charset: "utf-8") == nil)
        #expect(Charsets.decode([0xC0, 0xAF], charset: "utf-8") == nil)
    }

    @Test("Latin-1 is exactly ISO-8859-1 while Windows-1252 maps 0x80-0x9F")
    func latin1VersusWindows1252() {
        #expect(Charsets.decode([0x63, 0x61, 0x66, 0xE9], charset: "ISO-8859-1") == "café")
        #expect(Charsets.decode([0x80, 0x93], charset: "latin1") == "\u{80}\u{93}")
        #expect(Charsets.decode([0x80, 0x93, 0x94, 0x96], charset: "windows-1252") == "€“”–")
        #expect(Charsets.decode([0x81], charset: "cp1252") == "\u{81}")
    }

    @Test("an RFC 2231 language suffix on the label is ignored")
    func languageSuffix() {
        #expect(Charsets.decode([0xB1, 0xA8], charset: "gbk*zh-cn") == "报")
    }

    @Test("unknown or hostile charset names give nil")
    func unknownCharsets() {
        #expect(Charsets.decode([0x41], charset: "x-no-such-charset") == nil)
        #expect(Charsets.decode([0x41], charset: "") == nil)
        #expect(Charsets.decode([0x41], charset: "UTF-8//TRANSLIT") == nil)
        #expect(Charsets.decode([0x41], charset: "utf-8 ; rm -rf") == nil)
        #expect(Charsets.decode([0x41], charset: String(repeating: "a", count: 1000)) == nil)
    }

    @Test("invalid or truncated bytes in a multibyte charset give nil")
    func invalidBytes() {
        #expect(Charsets.decode([0xB1], charset: "gbk") == nil)
        #expect(Charsets.decode([0xB1, 0x20], charset: "gbk") == nil)
        #expect(Charsets.decode([0xFF, 0xFF], charset: "shift_jis") == nil)
    }

    @Test("other iconv charsets pass through by name")
    func passthrough() {
        #expect(Charsets.decode([0xCF, 0xF0, 0xE8], charset: "windows-1251") == "При")
        #expect(Charsets.decode([0x00, 0x41, 0x4F, 0x60], charset: "UTF-16BE") == "A你")
        #expect(Charsets.decode([0xA1], charset: "iso-8859-2") == "Ą")
    }

    @Test("empty input in a known charset is the empty string")
    func empty() {
        #expect(Charsets.decode([], charset: "gbk") == "")
        #expect(Charsets.decode([], charset: "utf-8") == "")
    }

    @Test("large inputs grow the iconv output buffer")
    func largeInput() {
        let chunk: [UInt8] = [0xB1, 0xA8, 0xBC, 0xDB, 0xB5, 0xA5]
        var bytes: [UInt8] = []
        for _ in 0..<20_000 { bytes += chunk }
        let text = Charsets.decode(bytes, charset: "gbk")
        #expect(text?.count == 60_000)
        #expect(text?.hasPrefix("报价单报价单") == true)
        // Four-byte GB18030 characters become four UTF-8 bytes: the output is as long as the input.
        var wide: [UInt8] = []
        for _ in 0..<5_000 { wide += [0x95, 0x32, 0x82, 0x36] }
        #expect(Charsets.decode(wide, charset: "gb18030")?.unicodeScalars.count == 5_000)
    }

    @Test("raw header bytes: UTF-8 first, then GB18030, then Latin-1")
    func headerBytes() {
        #expect(Charsets.decodeHeaderBytes(Array("报价单 from 张三".utf8)) == "报价单 from 张三")
        let gbk: [UInt8] = [0xB1, 0xA8, 0xBC, 0xDB, 0xB5, 0xA5, 0x20, 0x66, 0x72, 0x6F, 0x6D, 0x20, 0xD5, 0xC5, 0xC8, 0xFD]
        #expect(Charsets.decodeHeaderBytes(gbk) == "报价单 from 张三")
        #expect(Charsets.decodeHeaderBytes([0x63, 0x61, 0x66, 0xE9]) == "café")
        #expect(Charsets.decodeHeaderBytes([0x63, 0x61, 0x66, 0xE9, 0x20, 0x21]) == "café !")
        #expect(Charsets.decodeHeaderBytes([0xFF, 0x80]) == "\u{FF}\u{80}")
        #expect(Charsets.decodeHeaderBytes([]) == "")
        #expect(Charsets.decodeHeaderBytes(Array("plain".utf8)) == "plain")
    }

    @Test("us-ascii labels tolerate the 8-bit bytes mislabelled mail carries")
    func usASCIILenient() {
        #expect(Charsets.decode(Array("hello".utf8), charset: "us-ascii") == "hello")
        #expect(Charsets.decode(Array("héllo".utf8), charset: "US-ASCII") == "héllo")
        #expect(Charsets.decode([0x68, 0xE9], charset: "us-ascii") == "hé")
    }
}
