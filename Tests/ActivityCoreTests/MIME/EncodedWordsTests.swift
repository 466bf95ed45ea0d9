import Foundation
import Testing
@testable import ActivityCore

@Suite("RFC 2047 encoded words")
struct EncodedWordsTests {
    @Test("a GBK B-encoded Chinese subject decodes")
    func gbkBase64() {
        #expect(EncodedWords.decode("=?gbk?B?sai827Wl?=") == "报价单")
        #expect(EncodedWords.decode("Re: =?GBK?b?sai827Wl?=") == "Re: 报价单")
    }

    @Test("a GB2312 Q-encoded subject decodes, underscores becoming spaces")
    func gb2312Quoted() {
        #expect(EncodedWords.decode("=?gb2312?q?=B9=D8=D3=DA=B1=A8=BC=DB=B5=A5?=") == "关于报价单")
        #expect(EncodedWords.decode("=?gb2312?Q?=B1=A8=BC=DB_=B5=A5_=C8=B7=C8=CF?=") == "报价 单 确认")
    }

    @Test("Big5 subjects decode")
    func big5() {
        #expect(EncodedWords.decode("=?big5?B?t3zEs7Nxqr4=?=") == "會議通知")
    }

    @Test("UTF-8 split in the middle of a character across two B words decodes")
    func utf8SplitAcrossWords() {
        // "报价单确认": the first word ends with the first byte of 价.
        #expect(EncodedWords.decode("=?UTF-8?B?5oql5A==?= =?UTF-8?B?u7fljZXnoa7orqQ=?=") == "报价单确认")
        #expect(EncodedWords.decode("=?utf-8?B?5oql5A==?=\r\n =?UTF-8?B?u7fljZXnoa7orqQ=?=") == "报价单确认")
    }

    @Test("GBK split in the middle of a character across folded words decodes")
    func gbkSplitAcrossWords() {
        let folded = "=?GBK?B?udjT?=\r\n =?GBK?B?2rGovNu1pQ==?="
        #expect(EncodedWords.decode(folded) == "关于报价单")
        let headers = MessageHeaders(raw: Array("Subject: \(folded)\r\n\r\n".utf8))
        #expect(headers.decoded("subject") == "关于报价单")
    }

    @Test("whitespace between adjacent encoded words is dropped, other whitespace kept")
    func adjacentWhitespace() {
        #expect(EncodedWords.decode("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=") == "ab")
        #expect(EncodedWords.decode("=?ISO-8859-1?Q?a?=  \t  =?ISO-8859-1?Q?b?=") == "ab")
        #expect(EncodedWords.decode("=?ISO-8859-1?Q?a?= b") == "a b")
        #expect(EncodedWords.decode("a =?ISO-8859-1?Q?b?=") == "a b")
        #expect(EncodedWords.decode("=?ISO-8859-1?Q?a?= x =?ISO-8859-1?Q?b?=") == "a x b")
        #expect(EncodedWords.decode("=?ISO-8859-1?Q?a_?= =?ISO-8859-1?Q?_b?=") == "a  b")
        // Different charsets side by side: whitespace still dropped, each converted on its own.
        #expect(EncodedWords.decode("=?gbk?B?sai827Wl?= =?utf-8?Q?_=E2=9C=93?=") == "报价单 ✓")
    }

    @Test("Q encoding: hex case-insensitive, stray '=' kept, B/Q and charset case-insensitive")
    func quotedDetails() {
        #expect(EncodedWords.decode("=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_Z=c3=bcrich?=") == "Grüße aus Zürich")
        #expect(EncodedWords.decode("=?UTF-8?Q?a=3Db=?=") == "a=b=")
        #expect(EncodedWords.decode("=?Utf-8?b?5oql5Lu35Y2V?=") == "报价单")
        #expect(EncodedWords.decode("=?windows-1252?q?=80_price_=96_=93ok=94?=") == "€ price – “ok”")
    }

    @Test("other charsets: Shift_JIS, ks_c_5601-1987, KOI8-R, ISO-2022-JP")
    func otherCharsets() {
        #expect(EncodedWords.decode("=?shift_jis?B?jKmQz4+R?=") == "見積書")
        #expect(EncodedWords.decode("=?ks_c_5601-1987?B?sN/A+7yt?=") == "견적서")
        #expect(EncodedWords.decode("=?koi8-r?B?8NLJ18XU?=") == "Привет")
        #expect(EncodedWords.decode("=?iso-2022-jp?B?GyRCOCtAUT1xGyhC?=") == "見積書")
    }

    @Test("RFC 2231 language in the charset is ignored")
    func languageTag() {
        #expect(EncodedWords.decode("=?US-ASCII*EN?Q?Keith_Moore?=") == "Keith Moore")
        #expect(EncodedWords.decode("=?utf-8*zh-CN?B?5oql5Lu35Y2V?=") == "报价单")
    }

    @Test("base64 without padding decodes")
    func missingPadding() {
        #expect(EncodedWords.decode("=?gbk?B?1cXI/Q?=") == "张三")
        #expect(EncodedWords.decode("=?utf-8?B?5oql5A?= =?utf-8?B?u7fljZXnoa7orqQ?=") == "报价单确认")
    }

    @Test("words that fail to decode are left as written, with their whitespace")
    func undecodable() {
        #expect(EncodedWords.decode("=?x-unknown-cs?Q?abc?=") == "=?x-unknown-cs?Q?abc?=")
        #expect(EncodedWords.decode("=?utf-8?B?***?=") == "=?utf-8?B?***?=")
        #expect(EncodedWords.decode("=?utf-8?Q?=FF?=") == "=?utf-8?Q?=FF?=")
        #expect(EncodedWords.decode("=?utf-8?Q?ok?= =?utf-8?Q?=FF?=") == "ok =?utf-8?Q?=FF?=")
        #expect(EncodedWords.decode("=?utf-8?Q?=FF?= =?utf-8?Q?ok?=") == "=?utf-8?Q?=FF?= ok")
        #expect(EncodedWords.decode("=?bogus?X?abc?=") == "=?bogus?X?abc?=")
    }

    @Test("text that only resembles encoded words is untouched")
    func lookalikes() {
        for s in ["What =? is this ?= thing", "=?", "?=", "=?utf-8?", "=?utf-8?Q?", "=?utf-8?Q?abc", "=??Q?abc?=",
                  "=?utf-8?Q?a b?=", "a=?b", "plain subject", ""] {
            #expect(EncodedWords.decode(s) == s, "\(s)")
        }
    }

    @Test("encoded words glued to text and to each other decode")
    func glued() {
        #expect(EncodedWords.decode("Re:=?gbk?B?sai827Wl?=") == "Re:报价单")
        #expect(EncodedWords.decode("=?gbk?B?sai827Wl?=(2)") == "报价单(2)")
        #expect(EncodedWords.decode("=?UTF-8?B?5oql5A==?==?UTF-8?B?u7fljZXnoa7orqQ=?=") == "报价单确认")
        #expect(EncodedWords.decode("=?utf-8?q?abc=?utf-8?q?x?=") == "=?utf-8?q?abcx")
    }

    @Test("an empty encoded word decodes to nothing")
    func emptyWord() {
        #expect(EncodedWords.decode("a =?utf-8?Q??= b") == "a  b")
        #expect(EncodedWords.decode("=?utf-8?B??=") == "")
    }

    @Test("raw UTF-8 around encoded words passes through")
    func rawUTF8Around() {
        #expect(EncodedWords.decode("回复：=?gbk?B?sai827Wl?= ✓") == "回复：报价单 ✓")
    }
}
