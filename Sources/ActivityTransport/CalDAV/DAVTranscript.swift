import Foundation
import ActivityCore

/// One HTTP exchange of the CalDAV client, as `CalDAVClient` sees it: the request it sent
/// (method, URL, Depth, XML body) and the answer libcurl handed back (status, the last response
/// block's header lines, the redirect target, the body after any Content-Encoding was undone).
/// No credentials: the Authorization header is libcurl's and is never recorded, nor is an
/// answer's Set-Cookie (a server's session).
public struct DAVExchange: Codable, Sendable, Equatable {
    public var method: String
    public var url: String
    public var depth: String
    public var request: String
    public var status: Int
    public var headers: [String]
    public var redirectURL: String?
    /// The answer's body, when it is UTF-8 (every CalDAV server's XML is).
    public var response: String?
    /// The answer's body in base64, when it is not UTF-8.
    public var responseBase64: String?

    public init(method: String, url: String, depth: String, request: String, status: Int, headers: [String],
                redirectURL: String?, body: [UInt8]) {
        self.method = method
        self.url = url
        self.depth = depth
        self.request = request
        self.status = status
        self.headers = headers.filter { !$0.lowercased().hasPrefix("set-cookie:") }
        self.redirectURL = redirectURL
        if let text = String(validating: body, as: UTF8.self) {
            response = text
        } else {
            responseBase64 = Data(body).base64EncodedString()
        }
    }

    public var body: [UInt8] {
        if let response { return Array(response.utf8) }
        return responseBase64.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } ?? []
    }

    /// Whether this exchange answers the request `method url depth body`.
    func answers(_ method: String, url: String, depth: String, body: String) -> Bool {
        self.method == method && self.url == url && self.depth == depth && request == body
    }
}

/// Where `CalDAVClient` can send its requests instead of the network: the replay of exchanges
/// recorded from a real server (`DAVReplay`), which the calendar replay tests use so that a
/// replayed sync goes through the same XML and iCalendar parsing as a live one.
public protocol DAVTransport: AnyObject {
    /// The answer to one request; throws where a live server would fail to answer.
    func send(_ method: String, url: String, depth: String, body: String) throws -> DAVExchange
}

/// Transcripts of CalDAV exchanges: JSON Lines, one `DAVExchange` per line, in the order sent.
///
/// `ACTIVITY_DAV_RECORD=FILE` (scripts/record-caldav-transcripts; never set outside it) makes
/// every `CalDAVClient` of the process append each exchange to FILE as it completes.
public enum DAVTranscript {
    /// The file `ACTIVITY_DAV_RECORD` names, or nil.
    static let recordingPath: String? = {
        guard let path = ProcessInfo.processInfo.environment["ACTIVITY_DAV_RECORD"], !path.isEmpty else { return nil }
        return path
    }()
    private static let lock = NSLock()

    public static func line(_ exchange: DAVExchange) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(exchange)) ?? Data(), as: UTF8.self)
    }

    /// Appends `exchange` to `path` as one line.
    static func append(_ exchange: DAVExchange, to path: String) {
        lock.withLock {
            let data = Data((line(exchange) + "\n").utf8)
            if let handle = FileHandle(forWritingAtPath: path) {
                defer { try? handle.close() }
                _ = try? handle.seekToEnd()
                try? handle.write(contentsOf: data)
            } else {
                // Readable by its owner only: the file holds calendar data.
                FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600])
            }
        }
    }

    /// The exchanges of a transcript file.
    public static func load(_ path: String) throws -> [DAVExchange] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { try decoder.decode(DAVExchange.self, from: Data($0.utf8)) }
    }
}

/// A CalDAV server played back from recorded exchanges: a request is answered by the first
/// recorded exchange with the same method, URL, Depth and body (transcripts of several syncs of
/// one server state can be given together, so a sync resumed after a cut, which asks with the
/// token it stored, finds its answer). A request nothing recorded answers throws `Unanswerable`.
public final class DAVReplay: DAVTransport {
    public struct Unanswerable: Error, CustomStringConvertible {
        public var method: String
        public var url: String
        public var description: String { "no recorded answer to \(method) \(url) with this body; record the transcripts again" }
    }

    public let exchanges: [DAVExchange]
    /// Requests answered so far, in order.
    public private(set) var sent: [String] = []

    public init(_ exchanges: [DAVExchange]) {
        self.exchanges = exchanges
    }

    public func send(_ method: String, url: String, depth: String, body: String) throws -> DAVExchange {
        sent.append("\(method) \(url)")
        guard let e = exchanges.first(where: { $0.answers(method, url: url, depth: depth, body: body) }) else {
            throw Unanswerable(method: method, url: url)
        }
        return e
    }
}
