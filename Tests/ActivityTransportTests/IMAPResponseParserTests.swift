import Testing
@testable import ActivityTransport

/// Frames a byte string the way the connection does and parses every response in it.
func responses(_ text: String) throws -> [IMAPResponse] {
    var framer = IMAPResponseFramer()
    framer.append(Array(text.utf8))
    var out: [IMAPResponse] = []
    while let r = try framer.next() { out.append(try IMAPResponseParser.parse(r)) }
    return out
}

@Suite("IMAP response reader")
struct IMAPResponseParserTests {
    @Test("a tagged OK carries its response code and text")
    func taggedOK() throws {
        let r = try responses("s3 OK [READ-ONLY] EXAMINE completed (0.001 + 0.000 secs).\r\n")
        #expect(r == [.tagged(tag: "s3", status: .ok, code: IMAPResponseCode(name: "READ-ONLY", values: []),
                              text: "EXAMINE completed (0.001 + 0.000 secs).")])
    }

    @Test("untagged status responses give UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ")
    func untaggedCodes() throws {
        let r = try responses("* OK [UIDVALIDITY 1763345100] UIDs valid\r\n* OK [HIGHESTMODSEQ 18446744073709551000] Highest\r\n* 23 EXISTS\r\n")
        #expect(r[0] == .untaggedStatus(status: .ok, code: IMAPResponseCode(name: "UIDVALIDITY", values: [.atom("1763345100")]), text: "UIDs valid"))
        #expect(r[1] == .untaggedStatus(status: .ok, code: IMAPResponseCode(name: "HIGHESTMODSEQ", values: [.atom("18446744073709551000")]), text: "Highest"))
        #expect(r[2] == .numbered(number: 23, name: "EXISTS", values: []))
    }

    @Test("a LIST answer gives attributes, delimiter and a modified UTF-7 name")
    func listResponse() throws {
        let r = try responses("* LIST (\\HasNoChildren \\Sent) \"/\" \"&XfJT0ZAB-\"\r\n* LIST (\\Noselect) NIL \"\"\r\n")
        #expect(r[0] == .data(name: "LIST", values: [.list([.atom("\\HasNoChildren"), .atom("\\Sent")]), .string(Array("/".utf8)), .string(Array("&XfJT0ZAB-".utf8))]))
        #expect(r[1] == .data(name: "LIST", values: [.list([.atom("\\Noselect")]), .nilValue, .string([])]))
    }

    @Test("a FETCH with a header literal keeps the literal's bytes exactly, CRLFs and UTF-8 included")
    func fetchWithLiteral() throws {
        let header = "Subject: 报价单\r\nFrom: a@b.cn\r\n\r\n"
        let n = Array(header.utf8).count
        let text = "* 12 FETCH (UID 34 INTERNALDATE \"17-Nov-2026 10:05:00 +0800\" BODY[HEADER.FIELDS (SUBJECT FROM)] {\(n)}\r\n\(header) BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 12 1 NIL NIL NIL NIL))\r\n"
        let r = try responses(text)
        guard case .numbered(12, "FETCH", let values) = r[0], let items = values.first?.list else {
            Issue.record("not a FETCH: \(r)")
            return
        }
        #expect(items[0] == .atom("UID"))
        #expect(items[1] == .atom("34"))
        #expect(items[4] == .atom("BODY[HEADER.FIELDS (SUBJECT FROM)]"))
        #expect(items[5] == .string(Array(header.utf8)))
        #expect(items[6] == .atom("BODYSTRUCTURE"))
    }

    @Test("literal+ and binary literal8 announcements are read like plain literals")
    func literalPlus() throws {
        let r = try responses("* 1 FETCH (BODY[1] {3+}\r\nabc BINARY[2] ~{2}\r\nxy)\r\n")
        guard case .numbered(1, "FETCH", let values) = r[0], let items = values.first?.list else {
            Issue.record("not a FETCH")
            return
        }
        #expect(items[1] == .string(Array("abc".utf8)))
        #expect(items[3] == .string(Array("xy".utf8)))
    }

    @Test("a literal that holds something looking like a line end and a tag does not end the response")
    func literalHidingATag() throws {
        let body = "x\r\ns1 OK fake\r\n"
        let r = try responses("* 1 FETCH (BODY[] {\(body.utf8.count)}\r\n\(body))\r\ns1 OK done\r\n")
        #expect(r.count == 2)
        #expect(r[1] == .tagged(tag: "s1", status: .ok, code: nil, text: "done"))
    }

    @Test("a response split across reads is framed only when it is complete")
    func splitAcrossReads() throws {
        var framer = IMAPResponseFramer()
        let whole = Array("* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n".utf8)
        framer.append(whole[0..<20])
        #expect(try framer.next() == nil)
        framer.append(whole[20..<30])
        #expect(try framer.next() == nil)
        framer.append(whole[30...])
        #expect(try framer.next() == whole)
    }

    @Test("quoted strings unescape backslashes and quotes")
    func quotedEscapes() throws {
        let r = try responses("* LIST () \"/\" \"a \\\"quoted\\\" \\\\ name\"\r\n")
        #expect(r[0] == .data(name: "LIST", values: [.list([]), .string(Array("/".utf8)), .string(Array("a \"quoted\" \\ name".utf8))]))
    }

    @Test("a literal announcing more than the limit is refused before any of it is buffered")
    func hostileLiteral() throws {
        var framer = IMAPResponseFramer()
        framer.append(Array("* 1 FETCH (BODY[] {99999999999}\r\n".utf8))
        #expect(throws: IMAPProtocolError.self) { try framer.next() }
    }

    @Test("an endless line is refused at the line limit")
    func hostileLine() throws {
        var framer = IMAPResponseFramer()
        framer.append([UInt8](repeating: UInt8(ascii: "a"), count: IMAPLimits.maxLineLength + 10))
        #expect(throws: IMAPProtocolError.self) { try framer.next() }
    }

    @Test("a line of exactly the limit is framed; one byte more is refused, whether or not its end has come")
    func lineLimitBoundary() throws {
        let limit = IMAPLimits.maxLineLength
        // `* ` and atoms up to the limit, then LF: the LF is the byte at `limit`.
        let longest = Array("* ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: limit - 2) + [0x0A]
        var framer = IMAPResponseFramer()
        framer.append(longest[0..<1000])
        #expect(try framer.next() == nil)
        framer.append(longest[1000...])
        #expect(try framer.next() == longest)
        var over = IMAPResponseFramer()
        over.append(Array("* ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: limit - 1))
        #expect(throws: IMAPProtocolError.self) { try over.next() }
        var almost = IMAPResponseFramer()
        almost.append(Array("* ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: limit - 2))
        #expect(try almost.next() == nil)
    }

    @Test("a response framed in place parses as its copy does, across reads and literals")
    func inPlaceFraming() throws {
        let text = "* 1 FETCH (UID 7 BODY[HEADER] {12}\r\nSubject: x\r\n INTERNALDATE \"17-Nov-2026 10:05:00 +0800\")\r\n"
            + "* 2 FETCH (UID 8 FLAGS (\\Seen))\r\ns1 OK done\r\n"
        let bytes = Array(text.utf8)
        var copying = IMAPResponseFramer(), inPlace = IMAPResponseFramer()
        var expected: [IMAPResponse] = [], got: [IMAPResponse] = []
        for chunk in stride(from: 0, to: bytes.count, by: 7).map({ bytes[$0..<min($0 + 7, bytes.count)] }) {
            copying.append(chunk)
            inPlace.append(chunk)
            while let r = try copying.next() { expected.append(try IMAPResponseParser.parse(r)) }
            while let r = try inPlace.next({ try IMAPResponseParser.parse($0) }) { got.append(r) }
        }
        #expect(expected.count == 3)
        #expect(got == expected)
    }

    @Test("lists nested past the depth limit are refused, not recursed into")
    func hostileNesting() throws {
        let deep = String(repeating: "(", count: 10_000) + String(repeating: ")", count: 10_000)
        #expect(throws: IMAPProtocolError.self) { try responses("* 1 FETCH \(deep)\r\n") }
    }

    @Test("an unclosed list or quoted string is an error, not a crash")
    func truncated() throws {
        #expect(throws: IMAPProtocolError.self) { try responses("* 1 FETCH (UID 3\r\n") }
        #expect(throws: IMAPProtocolError.self) { try responses("* LIST () \"/\" \"open\r\n") }
    }

    @Test("a continuation request and a BYE are recognised")
    func continuationAndBye() throws {
        let r = try responses("+ go ahead\r\n* BYE Server shutting down.\r\n")
        #expect(r == [.continuation(text: "go ahead"), .untaggedStatus(status: .bye, code: nil, text: "Server shutting down.")])
    }

    @Test("a bare LF line end (a sloppy server) still frames")
    func bareLF() throws {
        let r = try responses("* 3 EXISTS\ns1 OK done\n")
        #expect(r.count == 2)
    }
}

@Suite("BODYSTRUCTURE")
struct BodyStructureTests {
    func structure(_ text: String) throws -> BodyStructure? {
        let r = try responses("* 1 FETCH (BODYSTRUCTURE \(text))\r\n")
        guard case .numbered(_, _, let values) = r[0], let items = values.first?.list else { return nil }
        return BodyStructure(items[1])
    }

    @Test("an invitation's text/calendar part is found with its part number and encoding")
    func invitation() throws {
        let s = try structure("""
            (("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 40 2 NIL NIL NIL NIL)("text" "calendar" ("charset" "UTF-8" "method" "REQUEST") NIL NIL "base64" 800 11 NIL NIL NIL NIL) "mixed" ("boundary" "b1") NIL NIL NIL)
            """)
        #expect(s?.topType == "multipart/mixed")
        #expect(s?.calendarParts.map(\.number) == ["2"])
        #expect(s?.calendarParts.first?.encoding == "base64")
        #expect(s?.calendarParts.first?.parameters["method"] == "REQUEST")
    }

    @Test("nested multiparts number their parts 1.1, 1.2, 2")
    func nested() throws {
        let s = try structure("""
            ((("text" "plain" NIL NIL NIL "7bit" 1 1 NIL NIL NIL NIL)("text" "html" NIL NIL NIL "7bit" 1 1 NIL NIL NIL NIL) "alternative")("application" "ics" ("name" "invite.ics") NIL NIL "base64" 10 NIL NIL NIL NIL) "mixed")
            """)
        #expect(s?.parts.map(\.number) == ["1.1", "1.2", "2"])
        #expect(s?.calendarParts.map(\.number) == ["2"])
    }

    @Test("a single-part message is part 1; a delivery report is recognised by its top type")
    func singleAndReport() throws {
        let single = try structure("(\"text\" \"plain\" (\"charset\" \"gbk\") NIL NIL \"base64\" 100 2 NIL NIL NIL NIL)")
        #expect(single?.parts.map(\.number) == ["1"])
        let report = try structure("((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) (\"message\" \"delivery-status\" NIL NIL NIL \"7bit\" 1) \"report\" (\"report-type\" \"delivery-status\"))")
        #expect(report?.topType == "multipart/report")
    }

    @Test("NIL in any case is nil; other three-letter atoms, and a dotless i that upper-cases to NIL, read as String does")
    func nilAtoms() throws {
        let r = try responses("* 1 FETCH (A nil B Nil C NIX D N\u{131}L E NI)\r\n")
        guard case .numbered(1, "FETCH", let values) = r[0], let items = values.first?.list else {
            Issue.record("not a FETCH: \(r)")
            return
        }
        #expect(items[1] == .nilValue)
        #expect(items[3] == .nilValue)
        #expect(items[5] == .atom("NIX"))
        #expect(items[7] == .nilValue)   // "N\u{131}L".uppercased() == "NIL"
        #expect(items[9] == .atom("NI"))
    }

    @Test("quoted strings without escapes, with UTF-8, and empty are read whole")
    func quotedPlain() throws {
        let r = try responses("* LIST () \"\" \"报价 单\"\r\n")
        #expect(r[0] == .data(name: "LIST", values: [.list([]), .string([]), .string(Array("报价 单".utf8))]))
        #expect(throws: IMAPProtocolError.self) { try responses("* LIST () \"/\" \"open\r\n") }
    }

    @Test("FETCH item names are matched in any case")
    func fetchItemNames() throws {
        let header = "Subject: x\r\n\r\n"
        let text = "* 3 FETCH (uid 7 InternalDate \"17-Nov-2026 10:05:00 +0800\" body[HEADER.FIELDS (SUBJECT)] {\(header.utf8.count)}\r\n\(header) bodystructure (\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1))\r\n"
        let response = try #require(try responses(text).first)
        let message = try #require(FetchedMessage(response))
        #expect(message.uid == 7)
        #expect(message.internalDate == "17-Nov-2026 10:05:00 +0800")
        #expect(message.headers == Array(header.utf8))
        #expect(message.structure?.topType == "text/plain")
    }
}
