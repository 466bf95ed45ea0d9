/// Servers named as `host:port`: the one place that reads a host and port out of a URL or a
/// listen address, writes them back, and says whether a host is this machine. Config,
/// Transport and the CLI all ask here, so a message names a server the same way everywhere.
public enum HostPort {
    /// `host:port` of `scheme://[user[:password]@]host[:port][/path][?query]` as written (the
    /// host alone when the URL writes no port; an IPv6 host keeps its brackets), for messages:
    /// never the credentials, the path or the query. Nil when there is no `://` or no host.
    public static func of(url: String) -> String? {
        var s = Substring(url)
        guard let r = s.range(of: "://") else { return nil }
        s = s[r.upperBound...]
        if let end = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { s = s[..<end] }
        if let at = s.lastIndex(of: "@") { s = s[s.index(after: at)...] }
        return s.isEmpty ? nil : String(s)
    }

    /// "127.0.0.1:8080" → ("127.0.0.1", 8080); "[::1]:8080" → ("::1", 8080). Nil without a
    /// host, or without a port from 0 to 65535, or for an IPv6 host outside brackets.
    public static func split(_ s: String) -> (host: String, port: Int)? {
        let host: String, portText: Substring
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]"), s[s.index(after: close)...].hasPrefix(":") else { return nil }
            host = String(s[s.index(after: s.startIndex)..<close])
            portText = s[s.index(close, offsetBy: 2)...]
        } else {
            guard let colon = s.lastIndex(of: ":") else { return nil }
            host = String(s[..<colon])
            portText = s[s.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (host, port)
    }

    /// `host:port`, an IPv6 host in brackets (`[::1]:8080`).
    public static func join(host: String, port: Int) -> String {
        "\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Whether a host, a `host:port` or a peer address is this machine: `localhost`,
    /// 127.0.0.0/8, `::1` (bracketed or not) or an IPv4-mapped `::ffff:127.x`.
    public static func isLoopback(_ hostOrHostPort: String) -> Bool {
        var host = Substring(hostOrHostPort.lowercased())
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix { $0 != "]" }
        } else if let colon = host.firstIndex(of: ":"), colon == host.lastIndex(of: ":") {
            host = host[..<colon]   // one colon: an IPv4 address or a name with its port
        }
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host.hasPrefix("::ffff:127.")
    }
}
