import Testing
@testable import ActivityTransport

@Suite("CalDAV hrefs and multistatus parsing")
struct DAVParsingTests {
    @Test("hrefs become one canonical absolute path however the server writes them")
    func hrefsAreCanonical() {
        let base = "/alice/work/"
        let encoded = "/alice/work/%E4%BA%A7%E5%93%81%20a.ics"
        #expect(DAVPath.resolve("/alice/work/产品 a.ics", against: base) == encoded)
        #expect(DAVPath.resolve("/alice/work/%e4%ba%a7%e5%93%81%20a.ics", against: base) == encoded)
        #expect(DAVPath.resolve("产品%20a.ics", against: base) == encoded)
        #expect(DAVPath.resolve("http://127.0.0.1:5232/alice/work/%E4%BA%A7%E5%93%81 a.ics", against: base) == encoded)
        #expect(DAVPath.resolve("  /alice/work/../work/./x.ics\n", against: base) == "/alice/work/x.ics")
        #expect(DAVPath.resolve("/alice/work/a%2Fb%40c.ics", against: base) == "/alice/work/a%2Fb@c.ics")
        #expect(DAVPath.resolve("/alice/work/100%25.ics", against: base) == "/alice/work/100%25.ics")
        // Xandikos: a percent-encoded absolute URL.
        #expect(DAVPath.resolve("http%3A//127.0.0.1%3A8080/alice/nosuch/", against: base) == "/alice/nosuch/")
        #expect(DAVPath.same("/alice/work", "/alice/work/"))
    }

    @Test("an answer in UTF-8 with bytes that are not UTF-8 in an element name is refused, not a crash (found by scripts/fuzz dav)")
    func invalidUTF8IsRefused() {
        var bytes = Array(#"<?xml version="1.0" encoding="UTF-8"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>/a/b.ics</D:href><D:ca"#.utf8)
        bytes += [0xFF, 0xFE, 0xC0]
        bytes += Array("lendar/></D:response></D:multistatus>".utf8)
        #expect(Multistatus(bytes, requestPath: "/a/") == nil)
        #expect(Multistatus(Array(bytes.dropFirst(38)), requestPath: "/a/") == nil)
        // A declaration that names another or a broken encoding does not let such bytes through.
        let declared = Array(#"<?xml version="1.0" encoding="u<?xml version="1.0"?>"#.utf8) + bytes.dropFirst(38)
        #expect(Multistatus(declared, requestPath: "/a/") == nil)
        // The same answer in good UTF-8 (a Chinese element name is well-formed XML) is read.
        let good = #"<D:multistatus xmlns:D="DAV:"><D:response><D:href>/a/b.ics</D:href><D:日历/></D:response></D:multistatus>"#
        #expect(Multistatus(Array(good.utf8), requestPath: "/a/")?.responses.count == 1)
    }

    @Test("an answer with a processing instruction is refused, not a crash (found by scripts/fuzz dav); calendar data may hold <?")
    func processingInstructionsAreRefused() {
        let pi = "<?xm?>\n<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>/a/b.ics</D:href></D:response></D:multistatus>"
        #expect(Multistatus(Array(pi.utf8), requestPath: "/a/") == nil)
        #expect(Multistatus(Array(("<?xml version=\"1.0\"?><?php echo 1 ?>" + pi.dropFirst(7)).utf8), requestPath: "/a/") == nil)
        // An instruction inside an unclosed declaration.
        #expect(Multistatus(Array("<?xml ionontusse>\n  <?x0.?>o46ul".utf8), requestPath: "/a/") == nil)
        let cdata = #"<?xml version="1.0" encoding="utf-8"?><!-- <? --><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:response><D:href>/a/b.ics</D:href><D:propstat><D:prop><C:calendar-data><![CDATA[DESCRIPTION:<?php ?>]]></C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>"#
        #expect(Multistatus(Array(cdata.utf8), requestPath: "/a/")?.responses.first?.found("urn:ietf:params:xml:ns:caldav", "calendar-data")?.text == "DESCRIPTION:<?php ?>")
    }

    @Test("a URL splits into origin and path, without credentials")
    func urlsSplit() {
        #expect(DAVPath.split(url: "https://u:pw@Dav.Example.com:8443/dav/cal%20x/")! == ("https://Dav.Example.com:8443", "/dav/cal%20x/"))
        #expect(DAVPath.split(url: "http://127.0.0.1:5232")! == ("http://127.0.0.1:5232", "/"))
        #expect(DAVPath.split(url: "imap://host/") == nil)
    }

    @Test("an absolute href keeps its own host (iCloud's pNN-caldav hand-off); a relative one takes the request's")
    func hrefsAsURLs() {
        let base = "https://caldav.icloud.com/123456789/principal/"
        #expect(DAVPath.resolveURL("https://p42-caldav.icloud.com:443/123456789/calendars/", against: base)
                == "https://p42-caldav.icloud.com:443/123456789/calendars/")
        #expect(DAVPath.resolveURL("/123456789/calendars/", against: base) == "https://caldav.icloud.com/123456789/calendars/")
        #expect(DAVPath.resolveURL("../calendars/", against: base) == "https://caldav.icloud.com/123456789/calendars/")
        #expect(DAVPath.parent("https://calendar.dingtalk.com/dav/users/u_8jvklgm0/") == "https://calendar.dingtalk.com/dav/users/")
        #expect(DAVPath.asCollectionURL("https://caldav.feishu.cn/calendars") == "https://caldav.feishu.cn/calendars/")
    }

    @Test("multistatus is read by namespace, whatever the prefixes, with CDATA and LF line ends")
    func multistatusByNamespace() throws {
        let xml = """
        <?xml version="1.0"?>
        <x:multistatus xmlns:x="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav">
          <x:response><x:href>a.ics</x:href>
            <x:propstat><x:status>HTTP/1.1 200 OK</x:status>
              <x:prop><x:getetag>"e1"</x:getetag><cal:calendar-data><![CDATA[BEGIN:VCALENDAR\r\nSUMMARY:拜访华为\r\nEND:VCALENDAR\r\n]]></cal:calendar-data></x:prop>
            </x:propstat></x:response>
          <response xmlns="DAV:"><href>/alice/work/gone.ics</href><status>HTTP/1.1 404 Not Found</status></response>
          <x:sync-token>tok-2</x:sync-token>
        </x:multistatus>
        """
        let ms = try #require(Multistatus(Array(xml.utf8), requestPath: "/alice/work/"))
        #expect(ms.syncToken == "tok-2")
        #expect(ms.responses.map(\.path) == ["/alice/work/a.ics", "/alice/work/gone.ics"])
        #expect(ms.responses[0].found(DAVNamespace.dav, "getetag")?.trimmedText == "\"e1\"")
        #expect(ms.responses[0].found(DAVNamespace.caldav, "calendar-data")?.text.contains("SUMMARY:拜访华为") == true)
        #expect(ms.responses[1].status == 404)
        // A namespace other than DAV: with the same local name is not DAV:href.
        #expect(Multistatus(Array("<multistatus xmlns='urn:other'/>".utf8), requestPath: "/") == nil)
        // Cut off in the middle: unreadable, not an empty answer.
        #expect(Multistatus(Array(xml.utf8.prefix(200)), requestPath: "/") == nil)
    }
}
