import Foundation

// The web view's reading of what a browser sends — paths, query strings, form and JSON bodies,
// cookies, Basic credentials, where to go after login, what of it may be logged — apart from the
// server, the store and the config, so that the fuzz target `serve` (scripts/fuzz) builds from
// this file, WebSecrets.swift, AdjustmentRequest.swift and ActivityCore alone.

/// An HTTP request as the web view sees it, independent of the server library.
struct WebRequest: Sendable {
    var method: String
    /// The raw path, before `?`, not yet percent-decoded.
    var path: String
    var query: String
    /// Header names in lower case.
    var headers: [String: String]
    var body: [UInt8]
    /// The peer's address (or the proxy's X-Forwarded-For entry when the peer is loopback).
    var remote: String

    func header(_ name: String) -> String? { headers[name.lowercased()] }
    var queryItems: [String: String] { WebRequest.formDecode(query) }
    var formItems: [String: String] { WebRequest.formDecode(String(decoding: body, as: UTF8.self)) }

    /// `a=1&b=%E7%8E%8B+x` → ["a": "1", "b": "王 x"]; the first of repeated names wins. Split in
    /// Unicode scalars, as everything here: a combining mark after `&` or `=` makes one Character
    /// with it, which a split by Characters would not see.
    static func formDecode(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in s.unicodeScalars.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ t: Substring.UnicodeScalarView) -> String? {
                String(String.UnicodeScalarView(t.map { $0 == "+" ? " " : $0 })).removingPercentEncoding
            }
            guard let name = decode(parts[0]) else { continue }
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if out[name] == nil, let value { out[name] = value }
        }
        return out
    }

    var cookies: [String: String] {
        var out: [String: String] = [:]
        for part in (header("cookie") ?? "").unicodeScalars.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            let name = String(Substring(kv[0])).trimmingCharacters(in: .whitespaces)
            if out[name] == nil { out[name] = String(Substring(kv[1])).trimmingCharacters(in: .whitespaces) }
        }
        return out
    }
}

/// The pure parsing of requests (`WebApp` calls these).
enum WebInput {
    /// Path segments, percent-decoded; nil when a segment is empty, `.`/`..`, or has a slash,
    /// backslash or NUL once decoded (no path names a file, but such a path is refused outright).
    /// Split and checked in Unicode scalars: `/` followed by a combining mark is one Character.
    static func segments(_ path: String) -> [String]? {
        guard path.unicodeScalars.first == "/" else { return nil }
        if path.unicodeScalars.count == 1 { return [] }
        var out: [String] = []
        for raw in path.unicodeScalars.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let s = String(Substring(raw)).removingPercentEncoding, !s.isEmpty, s != ".", s != "..",
                  !s.unicodeScalars.contains(where: { $0 == "/" || $0 == "\\" || $0 == "\0" }) else { return nil }
            out.append(s)
        }
        return out
    }

    /// A value from the request as it may appear in the log: at most 64 characters, control
    /// characters and Unicode's line and paragraph separators (a forged log line's newline) shown as `?`,
    /// and so are bidirectional controls (U+202A–202E, U+2066–2069, U+200E/F, U+061C): an override
    /// would make a terminal show `root\u{202E}nimda` as another login.
    static func logSafe(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.prefix(64).map {
            if $0.properties.isBidiControl { return "?" }
            switch $0.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator: return "?"
            default: return $0
            }
        }))
    }

    /// A local path to go to after login; anything else is "/". No control character at all: a
    /// browser drops tabs and line breaks from a URL before reading it, so `/<tab>/evil.example`
    /// would be `//evil.example`, another site.
    /// Checked in bytes: `//` followed by a variation selector is not `//` in Characters, but a
    /// browser reads it as another site (IDNA drops the selector).
    static func safeNext(_ next: String?) -> String {
        guard let next else { return "/" }
        let bytes = Array(next.utf8)
        guard bytes.first == UInt8(ascii: "/"), bytes.count < 2 || bytes[1] != UInt8(ascii: "/"), !bytes.contains(UInt8(ascii: "\\")),
              !next.contains(where: \.isNewline),
              !next.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return "/" }
        return next
    }

    /// The login and password of an `Authorization: Basic …` header; nil when it is not Basic,
    /// not base64, not UTF-8 or has no colon.
    static func basicCredentials(_ auth: String) -> (login: String, password: String)? {
        guard auth.lowercased().hasPrefix("basic "),
              let data = Data(base64Encoded: String(auth.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.unicodeScalars.firstIndex(of: ":") else {
            return nil
        }
        // In scalars: a password may start with a combining mark, one Character with the colon.
        return (String(Substring(text.unicodeScalars[..<colon])), String(Substring(text.unicodeScalars[text.unicodeScalars.index(after: colon)...])))
    }

    /// Whether a body is JSON (`Content-Type: application/json…`) rather than a form.
    static func isJSON(_ request: WebRequest) -> Bool {
        request.header("content-type")?.lowercased().hasPrefix("application/json") ?? false
    }

    /// The fields of `POST /api/adjust`: a JSON object's string and number members, or the form's
    /// fields; nil when a JSON body is not an object.
    static func adjustFields(_ request: WebRequest) -> [String: String]? {
        guard isJSON(request) else { return request.formItems }
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { return nil }
        var fields: [String: String] = [:]
        for (key, value) in object {
            if let s = value as? String { fields[key] = s } else if let n = value as? NSNumber { fields[key] = n.stringValue }
        }
        return fields
    }
}
