import ActivityCore

/// Hrefs as servers write them, turned into one canonical absolute path so that the same
/// resource compares equal whichever answer (sync-collection, PROPFIND, multiget) named it.
///
/// Canonical form: an absolute path, percent-decoded and re-encoded with every byte outside
/// RFC 3986 `pchar` and `/` written as `%XX` (upper-case hex). `%2F` stays encoded: it is a
/// slash inside a name, not a separator.
enum DAVPath {
    /// The absolute URL of `href` as the answer to a request on `baseURL` names it: an absolute
    /// href keeps its own origin (iCloud names a calendar home on another host), a relative one
    /// takes the origin of `baseURL`. The path is canonical.
    static func resolveURL(_ href: String, against baseURL: String) -> String {
        let trimmed = href.trimmingWhitespace()
        let lower = trimmed.prefix(8).lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://"), let u = split(url: trimmed) {
            return u.origin + u.path
        }
        guard let base = split(url: baseURL) else { return resolve(href, against: "/") }
        return base.origin + resolve(href, against: base.path)
    }

    /// The canonical absolute path of `href`, resolved against `base` (the path of the request
    /// that got the answer) when it is relative.
    static func resolve(_ href: String, against base: String) -> String {
        var h = Substring(href.trimmingWhitespace())
        if let path = pathOfAbsoluteURL(h) {
            h = path
        } else if let decoded = String(bytes: percentDecoded(h, keepSlashes: true), encoding: .utf8),
                  let path = pathOfAbsoluteURL(Substring(decoded)) {
            // Xandikos (0.2.8) writes the href of a missing resource as a percent-encoded
            // absolute URL: `http%3A//127.0.0.1%3A8080/alice/nosuch/`.
            h = path
        }
        if let q = h.firstIndex(where: { $0 == "?" || $0 == "#" }) { h = h[..<q] }
        var path: String
        if h.hasPrefix("/") {
            path = String(h)
        } else {
            let dir = base.lastIndex(of: "/").map { String(base[...$0]) } ?? "/"
            path = dir + h
        }
        return canonical(removingDotSegments(path))
    }

    /// The decoded-and-re-encoded form of an absolute path.
    static func canonical(_ path: String) -> String {
        let bytes = Array(path.utf8)
        var out = ""
        var i = 0
        while i < bytes.count {
            var b = bytes[i]
            i += 1
            if b == UInt8(ascii: "%"), i + 1 < bytes.count, let decoded = Hex.byte(bytes[i], bytes[i + 1]) {
                b = decoded
                i += 2
                if b == UInt8(ascii: "/") { out += "%2F"; continue }
            }
            if isPathByte(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += Hex.percentEscape(b)
            }
        }
        return out.isEmpty ? "/" : out
    }

    /// Whether two canonical paths name the same resource, ignoring a trailing slash (servers
    /// differ in whether they write one on collections).
    static func same(_ a: String, _ b: String) -> Bool {
        trimmedSlash(a) == trimmedSlash(b)
    }

    /// The path with exactly one trailing slash, for collections.
    static func asCollection(_ path: String) -> String { trimmedSlash(path) + "/" }

    /// An absolute URL as a collection URL (ending with `/`).
    static func asCollectionURL(_ url: String) -> String {
        guard let u = split(url: url) else { return url }
        return u.origin + asCollection(u.path)
    }

    /// The parent collection of an absolute URL or path (`/a/b/` → `/a/`).
    static func parent(_ url: String) -> String {
        if let u = split(url: url) { return u.origin + parent(u.path) }
        let trimmed = trimmedSlash(url)
        guard let slash = trimmed.lastIndex(of: "/") else { return "/" }
        return String(trimmed[...slash])
    }

    /// The human-readable (decoded) form, for messages.
    static func readable(_ path: String) -> String {
        String(decoding: percentDecoded(Substring(path), keepSlashes: true), as: UTF8.self)
    }

    /// Splits `scheme://authority/path` into its origin and canonical path; nil if it is not an
    /// http(s) URL.
    static func split(url: String) -> (origin: String, path: String)? {
        let s = Substring(url.trimmingWhitespace())
        guard let r = s.range(of: "://") else { return nil }
        let scheme = s[..<r.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = s[r.upperBound...]
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<slash]
        // Credentials in the URL are not ours to send or show: the endpoint carries them.
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        guard !authority.isEmpty else { return nil }
        var path = rest[slash...]
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<q] }
        let p = path.isEmpty ? "/" : canonical(removingDotSegments(String(path)))
        return (scheme + "://" + authority, p)
    }

    // MARK: - Pieces

    private static func pathOfAbsoluteURL(_ s: Substring) -> Substring? {
        let lower = s.prefix(8).lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), let r = s.range(of: "://") else { return nil }
        let rest = s[r.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        return rest[slash...]
    }

    private static func removingDotSegments(_ path: String) -> String {
        guard path.contains("/.") else { return path }
        var out: [Substring] = []
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for (i, part) in parts.enumerated() {
            if part == "." { if i == parts.count - 1 { out.append("") }; continue }
            if part == ".." {
                if out.count > 1 { out.removeLast() }
                if i == parts.count - 1 { out.append("") }
                continue
            }
            out.append(part)
        }
        let joined = out.joined(separator: "/")
        return joined.hasPrefix("/") ? joined : "/" + joined
    }

    private static func percentDecoded(_ s: Substring, keepSlashes: Bool) -> [UInt8] {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let b = Hex.byte(bytes[i + 1], bytes[i + 2]) {
                if keepSlashes && b == UInt8(ascii: "/") {
                    out += [UInt8(ascii: "%"), UInt8(ascii: "2"), UInt8(ascii: "F")]
                } else {
                    out.append(b)
                }
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    /// `pchar` of RFC 3986 and `/`.
    private static func isPathByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-._~!$&'()*+,;=:@/".utf8.contains(b)
        }
    }

    private static func trimmedSlash(_ p: String) -> Substring {
        var s = Substring(p)
        while s.hasSuffix("/") { s = s.dropLast() }
        return s
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
