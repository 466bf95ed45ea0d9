import Foundation
import ActivityCore

extension Config {
    /// `[web]`: the web view (`activity serve`).
    public struct Web: Sendable, Equatable {
        /// HOST:PORT; loopback by default.
        public var listen = "127.0.0.1:8080"
        /// The address people use, e.g. https://activity.example.com (behind a TLS proxy); nil: unknown.
        public var baseURL: String?
        /// How long a login lasts.
        public var sessionHours = 12

        public init() {}

        /// Whether the cookies carry `Secure`: the public address is https.
        public var secure: Bool { baseURL?.lowercased().hasPrefix("https://") ?? false }
    }

    static let webKeys: Set<String> = ["listen", "base_url", "session_hours"]

    static func parseWeb(_ s: TOMLSection) throws -> Web {
        try s.onlyKnown(webKeys)
        var web = Web()
        if let listen = try s.string("listen") {
            guard HostPort.split(listen) != nil else { throw s.error("listen", "\"\(listen)\" is not HOST:PORT, e.g. 127.0.0.1:8080") }
            web.listen = listen
        }
        if let base = try s.string("base_url") {
            guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                throw s.error("base_url", "\"\(base)\" is not an http(s) URL, e.g. https://activity.example.com")
            }
            web.baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        }
        if let hours = try s.int("session_hours") {
            guard (1...720).contains(hours) else { throw s.error("session_hours", "must be between 1 and 720 hours") }
            web.sessionHours = hours
        }
        return web
    }
}
