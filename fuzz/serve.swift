// Fuzz target `serve` (scripts/fuzz serve SECONDS): what `activity serve` reads of a request
// before the store is asked anything. The input is split at the first two NUL bytes into a path
// (with `?query`), a header value and a body; each is read the way WebApp reads it:
//   WebInput.segments       never "", ".", "..", nor a segment holding "/", "\" or NUL
//   WebInput.safeNext       always a same-origin path: "/…", not "//", no "\", and still so once a
//                           browser drops tabs and line breaks from the URL (WHATWG URL parser)
//   WebInput.logSafe        at most 64 scalars, no control character, line/paragraph separator
//                           nor bidirectional control
//   formDecode, cookies     no crash; a name/value written with WebPages.queryEscape reads back
//   basicCredentials        login:password from base64 reads back
//   constantTimeEqual       agrees with ==
//   adjustFields            the JSON body (Content-Type application/json) or the form of
//                           POST /api/adjust, then AdjustmentRequest.kind/organisation/time on its
//                           fields; a time that parses round-trips through RFC 3339 to the same instant
//
// Built from Sources/ActivityCLI/Web/WebRequest.swift, WebSecrets.swift (libcrypto's CRYPTO_memcmp),
// Sources/ActivityCLI/AdjustmentRequest.swift and every ActivityCore source into one module.
import Foundation

private let zones = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC", "Asia/Kolkata"]
    .map { TimeZone(identifier: $0)! }
private let now = Date(timeIntervalSince1970: 1_796_515_200)  // 2026-12-06

private func isControlOrBreak(_ u: Unicode.Scalar) -> Bool {
    if u.properties.isBidiControl { return true }
    switch u.properties.generalCategory {
    case .control, .lineSeparator, .paragraphSeparator: return true
    default: return false
    }
}

/// What a browser makes of a Location header's value before resolving it: ASCII tab and line
/// breaks removed anywhere, C0 controls and spaces trimmed at the ends (WHATWG URL "basic URL parser").
private func browserView(_ s: String) -> String {
    var scalars = Array(s.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" })
    while let f = scalars.first, f.value <= 0x20 { scalars.removeFirst() }
    while let l = scalars.last, l.value <= 0x20 { scalars.removeLast() }
    return String(String.UnicodeScalarView(scalars))
}

/// WebPages.queryEscape (WebPages.swift needs the config and the ledger; this is its one line).
private func queryEscape(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}

private func checkTime(_ text: String, zoneIndex: Int) {
    let zone = zones[zoneIndex % zones.count]
    guard let date = try? AdjustmentRequest.time(text, zone: zone, now: now) else { return }
    precondition(date <= now.addingTimeInterval(366 * 86_400), "\(text.debugDescription): more than a year ahead")
    // As the ledger writes it, and read back.
    let written = LocalTimestamp.rfc3339(date, in: zone)
    guard let again = try? AdjustmentRequest.time(written, zone: zone, now: now) else {
        preconditionFailure("\(text.debugDescription) → \(written) does not read back")
    }
    precondition(again == date, "\(text.debugDescription) → \(written) → \(again) != \(date)")
}

private func checkAdjust(_ fields: [String: String], zoneIndex: Int) {
    if let at = fields["at"] { checkTime(at, zoneIndex: zoneIndex) }
    if let kind = try? AdjustmentRequest.kind(fields["kind"]) {
        precondition(Kind.allCases.contains(kind))
    }
    for key in ["org", "to"] {
        if let org = try? AdjustmentRequest.organisation(fields[key], option: "--" + key) {
            precondition(!org.isEmpty, "empty organisation from \(fields[key].debugDescription)")
            precondition(org == org.lowercased(), "organisation \(org.debugDescription) not in lower case")
        }
    }
    if let action = fields["action"].flatMap(Adjustment.Action.init(rawValue:)) {
        _ = AdjustmentRequest(action: action, activity: fields["activity"], adjustment: fields["adjustment"], rep: fields["rep"],
                              kind: fields["kind"], at: fields["at"], org: fields["org"], to: fields["to"],
                              title: fields["title"], reason: fields["reason"], by: "fuzz")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServe(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = raw.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
    func part(_ i: Int) -> [UInt8] { i < parts.count ? Array(parts[i]) : [] }
    let target = String(decoding: part(0), as: UTF8.self)
    let header = String(decoding: part(1), as: UTF8.self)
    let body = part(2)
    let path = target.firstIndex(of: "?").map { String(target[..<$0]) } ?? target
    let query = target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) } ?? ""

    // The whole input as one string too: NUL and everything.
    let whole = String(decoding: raw, as: UTF8.self)

    for p in [path, whole] {
        if let segments = WebInput.segments(p) {
            // In scalars, not Characters: "/" followed by a combining mark is one Character.
            for s in segments {
                precondition(!s.isEmpty && s != "." && s != "..", "segment \(s.debugDescription) of \(p.debugDescription)")
                precondition(!s.unicodeScalars.contains(where: { $0 == "/" || $0 == "\\" || $0 == "\0" }),
                             "segment \(s.debugDescription) of \(p.debugDescription)")
            }
        }
    }

    let request = WebRequest(method: "POST", path: path, query: query,
                             headers: ["cookie": header, "content-type": header, "authorization": header],
                             body: body, remote: "127.0.0.1")
    let queryItems = request.queryItems
    let formItems = request.formItems
    _ = request.cookies
    for (name, value) in request.cookies {
        precondition(!name.unicodeScalars.contains(";") && !value.unicodeScalars.contains(";"), "cookie \(name)=\(value)")
    }

    for candidate in [queryItems["next"], formItems["next"], target, header, whole] {
        let next = WebInput.safeNext(candidate)
        for seen in [next, browserView(next)] {
            let bytes = Array(seen.utf8)
            precondition(bytes.first == UInt8(ascii: "/") && (bytes.count < 2 || bytes[1] != UInt8(ascii: "/")) && !bytes.contains(UInt8(ascii: "\\")),
                         "safeNext(\(candidate.debugDescription)) = \(next.debugDescription), which a browser reads as \(seen.debugDescription)")
        }
        precondition(next == "/" || next == candidate, "safeNext changed \(candidate.debugDescription)")
        precondition(!next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }),
                     "safeNext(\(candidate.debugDescription)) = \(next.debugDescription) has a control character for a Location header")
    }

    for s in [target, header, whole, String(decoding: body, as: UTF8.self)] {
        let safe = WebInput.logSafe(s)
        precondition(safe.unicodeScalars.count <= 64, "logSafe: \(safe.unicodeScalars.count) scalars")
        precondition(!safe.unicodeScalars.contains(where: isControlOrBreak), "logSafe(\(s.debugDescription)) = \(safe.debugDescription)")
    }

    // Written with the pages' escaping, a name and value read back as they were.
    let name = String(decoding: part(1), as: UTF8.self), value = path
    if !name.isEmpty {
        let encoded = queryEscape(name) + "=" + queryEscape(value) + "&" + query
        let decoded = WebRequest.formDecode(encoded)
        precondition(decoded[name] == value, "\(name.debugDescription)=\(value.debugDescription) reads back as \(decoded[name].debugDescription)")
    }

    if let (login, password) = WebInput.basicCredentials(header) {
        _ = login.count + password.count
    }
    let pair = header + ":" + target
    if let (login, password) = WebInput.basicCredentials("Basic " + Data(pair.utf8).base64EncodedString()) {
        precondition(login + ":" + password == pair && !login.unicodeScalars.contains(":"), "basic \(pair.debugDescription) → \(login.debugDescription), \(password.debugDescription)")
    } else {
        preconditionFailure("basic \(pair.debugDescription) not read")
    }

    let a = String(decoding: part(0), as: UTF8.self), b = String(decoding: part(1), as: UTF8.self)
    precondition(WebSecrets.constantTimeEqual(a, b) == (Array(a.utf8) == Array(b.utf8)), "constantTimeEqual(\(a.debugDescription), \(b.debugDescription))")
    precondition(WebSecrets.constantTimeEqual(a, a))

    // POST /api/adjust, as JSON and as a form.
    let zoneIndex = size
    for type in ["application/json", "application/x-www-form-urlencoded"] {
        var r = request
        r.headers["content-type"] = type
        if let fields = WebInput.adjustFields(r) { checkAdjust(fields, zoneIndex: zoneIndex) }
    }
    checkAdjust(formItems, zoneIndex: zoneIndex)
    checkAdjust(["at": path, "kind": path, "org": path, "to": header], zoneIndex: zoneIndex)
    return 0
}
