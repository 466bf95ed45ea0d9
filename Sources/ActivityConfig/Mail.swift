import Foundation
import ActivityCore

extension Config {
    /// `[mail]`: outgoing mail for `activity digest`, sent over libcurl.
    public struct Mail: Sendable, Equatable {
        /// `smtps://host:465` or `smtp://host:587` (STARTTLS required unless the host is loopback).
        public var smtpURL: String
        /// `from = "销售活动周报 <activity@example.com>"`.
        public var from: MailAddress
        /// AUTH user; nil: no AUTH (a relay that trusts the host).
        public var username: String?
        public var secret: Secret
        public var oauth2: OAuth2?
        public var caFile: String?
        public var timeout: TimeInterval

        /// Whether the URL's host is loopback (plaintext SMTP is allowed only there).
        public var isLoopback: Bool {
            HostPort.of(url: smtpURL).map(HostPort.isLoopback) ?? false
        }

        /// The credentials of `[mail]` as an account, so that the password and OAuth 2.0 code of
        /// accounts (`SecretResolver`, `CredentialSource`) serves the mail server too.
        public var credentialAccount: Account {
            Account(id: "[mail]", rep: "", kind: .imap, url: smtpURL, username: username ?? from.address, secret: secret,
                    folders: [], calendars: [], caFile: caFile, pollInterval: 0, allowPlaintext: false, oauth2: oauth2,
                    timeout: timeout)
        }
    }

    /// `[digest]`: when the daemon mails last week's digest.
    public struct DigestSchedule: Sendable, Equatable {
        /// ISO weekday, 1 = Monday … 7 = Sunday.
        public var weekday: Int
        public var hour: Int
        public var minute: Int

        public init(weekday: Int, hour: Int, minute: Int) {
            self.weekday = weekday
            self.hour = hour
            self.minute = minute
        }

        static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

        /// `Mon 08:30`, `monday 8:30`.
        public static func parse(_ text: String) -> DigestSchedule? {
            let parts = text.lowercased().split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].count >= 3,
                  let day = dayNames.firstIndex(where: { parts[0].hasPrefix($0) }) else { return nil }
            let full = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][day]
            guard parts[0].count == 3 || parts[0] == full else { return nil }
            let hm = parts[1].split(separator: ":")
            guard hm.count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0..<24).contains(h), (0..<60).contains(m) else {
                return nil
            }
            return DigestSchedule(weekday: day + 1, hour: h, minute: m)
        }

        /// The moment of this schedule in the ISO week `week`, in `zone`.
        public func moment(in week: ISOWeek, zone: TimeZone) -> Date {
            week.start(in: zone).addingTimeInterval(TimeInterval((weekday - 1) * 86_400))
                .addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
        }

        public var description: String {
            "\(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][weekday - 1]) \(String(format: "%02d:%02d", hour, minute))"
        }
    }

    static let mailKeys: Set<String> = Set(["smtp_url", "from", "username", "password_file", "password_env", "password_command",
                                            "ca_file", "timeout"]).union(oauth2Keys)

    static func parseMail(_ m: TOMLSection, directory: String) throws -> Mail? {
        guard !m.keys.isEmpty else { return nil }
        try m.onlyKnown(mailKeys)
        let url = try m.requiredString("smtp_url")
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host, !host.isEmpty else {
            throw m.error("smtp_url", "\"\(url)\" is not a URL such as smtps://smtp.example.com:465")
        }
        guard scheme == "smtp" || scheme == "smtps" else {
            throw m.error("smtp_url", "must be smtps://HOST:465 or smtp://HOST:587 (STARTTLS), not \(scheme)://")
        }
        if parsed.user != nil || parsed.password != nil {
            throw m.error("smtp_url", "must not carry a username or password; use username and password_file")
        }
        let fromText = try m.requiredString("from")
        guard let from = AddressList.parse(fromText).first, from.address.contains("@") else {
            throw m.error("from", "\"\(fromText)\" is not a mail address such as \"销售活动周报 <activity@example.com>\"")
        }
        let (secret, secretKey) = try passwordSecret(m, directory: directory)
        let oauth2 = try oauth2Settings(m, kind: .imap, directory: directory, passwordKey: secretKey)
        let username = try m.string("username")
        if username == nil && (secret != .none || oauth2 != nil) {
            throw m.error("username", "a password or OAuth 2.0 login needs the username too")
        }
        return Mail(smtpURL: url, from: from, username: username, secret: secret, oauth2: oauth2,
                    caFile: try caFileSetting(m, directory: directory), timeout: try timeoutSetting(m))
    }

    static func parseDigest(_ d: TOMLSection) throws -> DigestSchedule? {
        try d.onlyKnown(["send_at", "language"])
        guard let text = try d.string("send_at") else { return nil }
        guard let schedule = DigestSchedule.parse(text) else {
            throw d.error("send_at", "\"\(text)\" is not a weekday and time such as \"Mon 08:30\" (in the ledger time zone)")
        }
        return schedule
    }
}
