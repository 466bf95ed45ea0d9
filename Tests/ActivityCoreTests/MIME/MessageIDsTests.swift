import Foundation
import Testing
@testable import ActivityCore

@Suite("Message IDs")
struct MessageIDsTests {
    @Test("a single Message-ID loses its brackets")
    func single() {
        #expect(MessageIDs.parse("<20261117.abc@mail.example.cn>") == ["20261117.abc@mail.example.cn"])
        #expect(MessageIDs.parse("  <a@b>  ") == ["a@b"])
    }

    @Test("References keep their order across folds, tabs and commas")
    func references() {
        let value = "<one@x>\r\n <two@y>\t<three@z>,<four@w>"
        #expect(MessageIDs.parse(value) == ["one@x", "two@y", "three@z", "four@w"])
    }

    @Test("comments and phrases between ids are skipped")
    func commentsAndPhrases() {
        #expect(MessageIDs.parse("<a@b> (message from <not@an-id>)") == ["a@b"])
        #expect(MessageIDs.parse("Your message of \"Tue <17> Nov\" <id@host>") == ["id@host"])
        #expect(MessageIDs.parse("(nested (comment) <x@y>) <z@w>") == ["z@w"])
    }

    @Test("whitespace folded inside an id is removed, empty ids dropped")
    func broken() {
        #expect(MessageIDs.parse("<abc\r\n @host>") == ["abc@host"])
        #expect(MessageIDs.parse("<> <a@b>") == ["a@b"])
        #expect(MessageIDs.parse("<<a@b>") == ["a@b"])
        #expect(MessageIDs.parse("<a@b> <unclosed@c") == ["a@b", "unclosed@c"])
    }

    @Test("bare ids when there are no brackets at all")
    func bareIDs() {
        #expect(MessageIDs.parse("abc@host") == ["abc@host"])
        #expect(MessageIDs.parse("one@x two@y, three@z") == ["one@x", "two@y", "three@z"])
        #expect(MessageIDs.parse("one@x (comment with at@sign) two@y") == ["one@x", "two@y"])
        #expect(MessageIDs.parse("Your message of Tuesday").isEmpty)
    }

    @Test("duplicates are kept, empty input is empty")
    func duplicatesAndEmpty() {
        #expect(MessageIDs.parse("<a@b> <a@b>") == ["a@b", "a@b"])
        #expect(MessageIDs.parse("").isEmpty)
        #expect(MessageIDs.parse("   ").isEmpty)
    }
}
