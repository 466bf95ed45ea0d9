// What the mail hosts sales teams use do differently, and what to tell a person when one of them
// refuses us (sources for each behaviour: /work/shared/HOSTS.md and the README's "Mail hosts").

/// A UID (or sequence-number) set as it goes on the wire: ascending, merged, de-duplicated
/// `a:b` ranges with a ≤ b. QQ Mail and Tencent Exmail refuse anything else (`BAD UID
/// parameters!`, `Sequence set is inavlid!`), and Courier answers a descending `5:1` with
/// nothing at all, so no other form is ever sent.
public struct IMAPSequenceSet: Equatable, Sendable, CustomStringConvertible {
    /// Closed ranges, ascending, neither overlapping nor touching.
    public private(set) var ranges: [ClosedRange<UInt32>]
    /// `n:*`: from n to the last message (the open end is the server's).
    public private(set) var openFrom: UInt32?

    /// The UIDs given, in any order, repeats allowed.
    public init<S: Sequence>(_ uids: S) where S.Element == UInt32 {
        var out: [ClosedRange<UInt32>] = []
        for u in uids.sorted() {
            if let last = out.last, u <= last.upperBound || (last.upperBound < UInt32.max && u == last.upperBound + 1) {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, u)
            } else {
                out.append(u...u)
            }
        }
        ranges = out
        openFrom = nil
    }

    /// `n:*`, everything from UID n on.
    public static func from(_ first: UInt32) -> IMAPSequenceSet {
        var s = IMAPSequenceSet([UInt32]())
        s.openFrom = max(1, first)
        return s
    }

    public var isEmpty: Bool { ranges.isEmpty && openFrom == nil }

    public var description: String {
        var parts = ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound):\($0.upperBound)" }
        if let openFrom { parts.append("\(openFrom):*") }
        return parts.joined(separator: ",")
    }

    /// Sets of at most `maxLength` characters each, covering the same UIDs, in order (a command
    /// line must stay short: some servers cut lines at 8 KB).
    public func chunked(maxLength: Int = 1000) -> [IMAPSequenceSet] {
        var out: [IMAPSequenceSet] = []
        var current = IMAPSequenceSet([UInt32]())
        var length = 0
        for r in ranges {
            let text = r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound):\(r.upperBound)"
            if length > 0 && length + 1 + text.count > maxLength {
                out.append(current)
                current = IMAPSequenceSet([UInt32]())
                length = 0
            }
            current.ranges.append(r)
            length += (length > 0 ? 1 : 0) + text.count
        }
        if let openFrom { current.openFrom = openFrom }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

/// The mail hosts whose behaviour and settings the client knows, recognised by the preset an
/// account names, by the server's host name, or by what the server says.
public enum MailHost: String, Sendable, CaseIterable {
    case netease, neteaseEnterprise, qq, exmail, aliyun, gmail, microsoft365, microsoft365China, feishu

    /// The host an account talks to: its preset first, then the server's name, then the greeting
    /// or refusal text (loopback tests and self-named hosts only show that).
    public static func recognise(provider: String?, server: String, serverText: String = "") -> MailHost? {
        if let provider, let p = fromPreset(provider) { return p }
        let host = server.split(separator: ":").first.map { $0.lowercased() } ?? ""
        func ends(_ suffixes: String...) -> Bool { suffixes.contains { host == $0 || host.hasSuffix("." + $0) } }
        if ends("qiye.163.com", "ym.163.com") { return .neteaseEnterprise }
        if ends("163.com", "126.com", "yeah.net", "188.com", "vip.163.com", "vip.126.com") { return .netease }
        if ends("exmail.qq.com") { return .exmail }
        if ends("qq.com", "foxmail.com") { return .qq }
        if ends("aliyun.com", "mxhichina.com") { return .aliyun }
        if ends("gmail.com", "googlemail.com") { return .gmail }
        if ends("partner.outlook.cn") { return .microsoft365China }
        if ends("office365.com", "outlook.com", "hotmail.com") { return .microsoft365 }
        if ends("feishu.cn", "larksuite.com") { return .feishu }
        let text = serverText.lowercased()
        if text.contains("coremail") || text.contains("unsafe login") || text.contains("kefu@188.com") { return .netease }
        if text.contains("login fail. account is abnormal") { return .exmail }
        if text.contains("authorized code") || text.contains("qqmail") { return .qq }
        return nil
    }

    static func fromPreset(_ name: String) -> MailHost? {
        switch name.lowercased() {
        case "netease-163", "netease-126", "yeah", "netease": return .netease
        case "qiye-163", "netease-qiye": return .neteaseEnterprise
        case "qq": return .qq
        case "exmail": return .exmail
        case "aliyun": return .aliyun
        case "gmail": return .gmail
        case "outlook", "microsoft365": return .microsoft365
        case "microsoft365-china": return .microsoft365China
        case "feishu": return .feishu
        default: return nil
        }
    }

    public var displayName: String {
        switch self {
        case .netease: return "NetEase mail (163/126/yeah.net)"
        case .neteaseEnterprise: return "NetEase enterprise mail (网易企业邮)"
        case .qq: return "QQ Mail"
        case .exmail: return "Tencent Exmail (腾讯企业邮)"
        case .aliyun: return "Aliyun mail (阿里邮箱)"
        case .gmail: return "Gmail"
        case .microsoft365: return "Microsoft 365 / Outlook.com"
        case .microsoft365China: return "Microsoft 365 operated by 21Vianet"
        case .feishu: return "Feishu mail (飞书邮箱)"
        }
    }

    /// What to do about a refused login, in the host's own words where it has them.
    public var loginAdvice: String {
        switch self {
        case .netease:
            return "NetEase needs the client authorization code (授权码), not the web password: in webmail open 设置 → POP3/SMTP/IMAP, switch on IMAP/SMTP服务, create an authorization code and put it in this account's password_file (free accounts get at most 2 codes at a time)"
        case .neteaseEnterprise:
            return "NetEase enterprise mail needs a client authorization code (客户端授权码) and no 安全锁: in webmail open 设置 → 客户端设置, switch on IMAP, generate the code and put it in this account's password_file"
        case .qq:
            return "QQ Mail needs an authorization code (授权码), not the QQ password: in webmail open 设置 → 账号 → POP3/IMAP/SMTP服务, switch on IMAP/SMTP, generate a code and put its 16 letters, without spaces, in this account's password_file"
        case .exmail:
            return "Tencent Exmail answers every login failure with the same sentence (wrong password, IMAP off, too many logins or a busy server): in webmail open 设置 → 客户端设置, tick 开启 IMAP/SMTP 服务, and if 安全登录 is on use 生成新密码 for a client-only password (客户端专用密码) in this account's password_file; logins are not retried before the next poll, so the account is not locked"
        case .aliyun:
            return "Aliyun mail needs IMAP switched on (设置 → 账户与安全 → 客户端设置) and, with 安全登录 on, a client authorization code (三方客户端安全密码) in this account's password_file"
        case .gmail:
            return "Gmail takes OAuth 2.0 (provider = \"gmail\" with oauth2_client_id and oauth2_refresh_token_file) or an app password from myaccount.google.com → Security → App passwords; the account password is refused"
        case .microsoft365, .microsoft365China:
            return "Microsoft 365 takes OAuth 2.0 only (provider = \"\(self == .microsoft365 ? "microsoft365" : "microsoft365-china")\" with oauth2_client_id and oauth2_refresh_token_file); an administrator must also allow IMAP for the mailbox (Microsoft 365 admin center → Users → Mail → Manage email apps → IMAP)"
        case .feishu:
            return "Feishu mail needs a third-party client password: in Feishu mail open 设置 → 第三方邮件客户端, switch on IMAP/SMTP and generate a password for this account's password_file"
        }
    }
}

/// What a server's refusal means, when its words say more than NO.
public enum IMAPRefusal {
    /// `Request is throttled. Suggested Backoff Time: 2000 milliseconds` (Exchange Online): the
    /// wait the server asks for, in seconds.
    public static func throttleBackoff(_ text: String) -> Double? {
        let lower = text.lowercased()
        guard lower.contains("throttled") else { return nil }
        guard let r = lower.range(of: "backoff time:") else { return 1 }
        let digits = lower[r.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
        guard let ms = Double(digits) else { return 1 }
        return lower[r.upperBound...].contains("millisecond") || !lower[r.upperBound...].contains("second") ? ms / 1000 : ms
    }

    /// `BAD User is authenticated but not connected.` (Exchange Online): the session lost its
    /// mailbox back end; a new connection works.
    public static func isNotConnected(_ text: String) -> Bool {
        text.lowercased().contains("authenticated but not connected")
    }

    /// `NO SELECT Unsafe Login. Please contact kefu@188.com for help` (NetEase/Coremail): the
    /// client has not identified itself with ID.
    public static func isUnsafeLogin(_ text: String) -> Bool {
        text.lowercased().contains("unsafe login")
    }
}
