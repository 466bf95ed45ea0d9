import Foundation
import ActivityCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The XML namespaces of WebDAV and CalDAV; prefixes differ by server (`D:`, none, `ns0:`).
enum DAVNamespace {
    static let dav = "DAV:"
    static let caldav = "urn:ietf:params:xml:ns:caldav"
}

/// One element of a parsed answer: namespace URI, local name, attributes, children and text.
final class DAVElement {
    let namespace: String
    let name: String
    let attributes: [String: String]
    var children: [DAVElement] = []
    var text = ""

    init(namespace: String, name: String, attributes: [String: String]) {
        self.namespace = namespace
        self.name = name
        self.attributes = attributes
    }

    func `is`(_ namespace: String, _ name: String) -> Bool { self.namespace == namespace && self.name == name }

    func child(_ namespace: String, _ name: String) -> DAVElement? {
        children.first { $0.is(namespace, name) }
    }

    func children(_ namespace: String, _ name: String) -> [DAVElement] {
        children.filter { $0.is(namespace, name) }
    }

    /// Whether this element or any below it is `namespace:name`.
    func contains(_ namespace: String, _ name: String) -> Bool {
        self.is(namespace, name) || children.contains { $0.contains(namespace, name) }
    }

    /// The text of a `DAV:href` or similar leaf, trimmed.
    var trimmedText: String { text.trimmingWhitespace() }
}

/// Builds a `DAVElement` tree with Foundation's namespace-aware `XMLParser`.
final class DAVXMLReader: NSObject, XMLParserDelegate {
    private var stack: [DAVElement] = []
    private var root: DAVElement?

    /// The root element, or nil if the document is not well-formed (e.g. truncated).
    static func parse(_ bytes: [UInt8]) -> DAVElement? {
        // Foundation's XMLParser traps on a name that is not UTF-8, whatever the declaration says
        // (found by scripts/fuzz dav). CalDAV servers answer in UTF-8; a UTF-16 answer starts with its
        // byte order mark and is left to the parser (XML 1.0 §4.3.3: processors read both).
        let utf16 = bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE])
        guard utf16 || String(validating: bytes, as: UTF8.self) != nil else { return nil }
        guard utf16 || !hasProcessingInstruction(bytes) else { return nil }
        let reader = DAVXMLReader()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        guard parser.parse(), reader.stack.isEmpty else { return nil }
        return reader.root
    }

    /// Whether a UTF-8 document holds a processing instruction other than its XML declaration. No CalDAV
    /// answer does, and Foundation's XMLParser crashes on some (`<?xm?>`: a null pointer, found by
    /// scripts/fuzz dav). CDATA sections and comments are skipped: calendar data may hold `<?`.
    static func hasProcessingInstruction(_ b: [UInt8]) -> Bool {
        func starts(_ s: StaticString, at k: Int) -> Bool {
            let p = s.utf8Start
            let n = s.utf8CodeUnitCount
            guard k + n <= b.count else { return false }
            for j in 0..<n where b[k + j] != p[j] { return false }
            return true
        }
        func skip(past end: StaticString, from k: Int) -> Int {
            var k = k
            while k < b.count, !starts(end, at: k) { k += 1 }
            return k + end.utf8CodeUnitCount
        }
        var i = b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        if starts("<?xml", at: i), i + 5 < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[i + 5]) {
            i = skip(past: "?>", from: i + 5)
        }
        while i < b.count {
            guard b[i] == 0x3C else { i += 1; continue }
            if starts("<![CDATA[", at: i) {
                i = skip(past: "]]>", from: i + 9)
            } else if starts("<!--", at: i) {
                i = skip(past: "-->", from: i + 4)
            } else if starts("<?", at: i) {
                return true
            } else {
                i += 1
            }
        }
        return false
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        // With namespace processing `elementName` is the local name; strip a prefix anyway in
        // case a parser build reports the qualified one.
        let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
        let e = DAVElement(namespace: namespaceURI ?? "", name: local, attributes: attributeDict)
        if let parent = stack.last { parent.children.append(e) } else if root == nil { root = e }
        stack.append(e)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        // Some servers wrap calendar-data in CDATA instead of escaping it.
        stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
    }
}

/// A `DAV:multistatus` answer (RFC 4918 §14.16), reduced to what a CalDAV client reads.
struct Multistatus {
    struct Propstat {
        var status: Int
        var props: [DAVElement]

        func prop(_ namespace: String, _ name: String) -> DAVElement? {
            props.first { $0.is(namespace, name) }
        }
    }

    struct Response {
        /// Canonical absolute path (see `DAVPath`).
        var path: String
        /// The status of the whole response (`DAV:status` outside propstat), if any.
        var status: Int?
        var propstats: [Propstat]

        /// A property from a 2xx propstat.
        func found(_ namespace: String, _ name: String) -> DAVElement? {
            for p in propstats where (200..<300).contains(p.status) {
                if let e = p.prop(namespace, name) { return e }
            }
            return nil
        }

        var hasSuccessfulPropstat: Bool { propstats.contains { (200..<300).contains($0.status) } }
    }

    var responses: [Response]
    /// RFC 6578's top-level `DAV:sync-token`.
    var syncToken: String?

    /// Nil if `bytes` is not a well-formed multistatus document.
    init?(_ bytes: [UInt8], requestPath: String) {
        guard let root = DAVXMLReader.parse(bytes), root.is(DAVNamespace.dav, "multistatus") else { return nil }
        syncToken = root.child(DAVNamespace.dav, "sync-token").map { $0.trimmedText }
        responses = root.children(DAVNamespace.dav, "response").compactMap { r in
            // One href per response in practice; RFC 4918 allows several only with a status.
            guard let href = r.child(DAVNamespace.dav, "href") else { return nil }
            let propstats = r.children(DAVNamespace.dav, "propstat").map { ps in
                Propstat(status: ps.child(DAVNamespace.dav, "status").map { Multistatus.statusCode($0.text) } ?? 200,
                         props: ps.child(DAVNamespace.dav, "prop")?.children ?? [])
            }
            return Response(path: DAVPath.resolve(href.text, against: requestPath),
                            status: r.child(DAVNamespace.dav, "status").map { Multistatus.statusCode($0.text) },
                            propstats: propstats)
        }
    }

    /// `HTTP/1.1 404 Not Found` → 404; an unreadable line counts as a server error.
    static func statusCode(_ line: String) -> Int {
        let parts = line.trimmingWhitespace().split(separator: " ")
        guard parts.count >= 2, let code = Int(parts[1]) else { return 500 }
        return code
    }
}

/// Request bodies: XML with the DAV: and CalDAV namespaces bound to `D:` and `C:`.
enum DAVRequestBody {
    static func propfind(_ props: [String]) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>\(props.map { "<\($0)/>" }.joined())</D:prop></D:propfind>
        """
    }

    static func syncCollection(token: String?) -> String {
        let t = token.map { $0.isEmpty ? "<D:sync-token/>" : "<D:sync-token>\(escaped($0))</D:sync-token>" } ?? "<D:sync-token/>"
        return """
        <?xml version="1.0" encoding="utf-8"?>
        <D:sync-collection xmlns:D="DAV:">\(t)<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>
        """
    }

    static func multiget(paths: [String]) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>\(paths.map { "<D:href>\(escaped($0))</D:href>" }.joined())</C:calendar-multiget>
        """
    }

    static func escaped(_ s: String) -> String { s.markupEscaped }
}
