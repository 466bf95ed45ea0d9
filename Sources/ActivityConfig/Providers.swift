/// `provider = "…"` in an `[[account]]`: the settings of a hosted mail service, filled in for
/// the keys the account leaves out (an explicit key always wins). See activity.toml(5) and the
/// README's "Mail hosts" for what each host needs switched on in its webmail.
public struct ProviderPreset: Sendable, Equatable {
    public enum Auth: String, Sendable {
        /// A password: for the Chinese hosts, the client authorization code (授权码).
        case password
        /// OAuth 2.0 or an app password.
        case oauth2OrPassword = "oauth2-or-password"
        /// OAuth 2.0 only: a password login is refused.
        case oauth2
    }

    public var name: String
    public var url: String
    public var folders: [String]
    public var auth: Auth
    /// The token endpoint (refresh-token grant) and scope, for OAuth 2.0 hosts.
    public var tokenURL: String?
    public var authorizeURL: String?
    public var scope: String?
    /// What the host needs switched on in webmail, and which secret it takes.
    public var hint: String

    /// Every preset, by name.
    public static let all: [ProviderPreset] = {
        let netease = "IMAP/SMTP服务 on in webmail (设置 → POP3/SMTP/IMAP); password_file holds the client authorization code (授权码), not the web password; 收取范围 set to all mail"
        let microsoft = "OAuth 2.0 only; an administrator must allow IMAP for the mailbox and register an application with the IMAP.AccessAsUser.All permission"
        return [
            ProviderPreset(name: "netease-163", url: "imaps://imap.163.com:993", folders: ["INBOX", "\\Sent"], auth: .password, hint: netease),
            ProviderPreset(name: "netease-126", url: "imaps://imap.126.com:993", folders: ["INBOX", "\\Sent"], auth: .password, hint: netease),
            ProviderPreset(name: "yeah", url: "imaps://imap.yeah.net:993", folders: ["INBOX", "\\Sent"], auth: .password, hint: netease),
            ProviderPreset(name: "qiye-163", url: "imaps://imap.qiye.163.com:993", folders: ["INBOX", "\\Sent"], auth: .password,
                           hint: "IMAP on in webmail (设置 → 客户端设置); password_file holds the client authorization code (客户端授权码); no 安全锁"),
            ProviderPreset(name: "qq", url: "imaps://imap.qq.com:993", folders: ["INBOX", "\\Sent"], auth: .password,
                           hint: "IMAP/SMTP on in webmail (设置 → 账号 → POP3/IMAP/SMTP服务); password_file holds the 16-letter authorization code (授权码) without spaces; 收取范围 set to all mail and 保存已发送邮件到服务器 on"),
            ProviderPreset(name: "exmail", url: "imaps://imap.exmail.qq.com:993", folders: ["INBOX", "\\Sent"], auth: .password,
                           hint: "开启 IMAP/SMTP 服务, 收取\"我的文件夹\" and 保存已发送邮件到服务器 ticked in webmail (设置 → 客户端设置), 收取邮件的时长 set to 全部; with 安全登录 on, password_file holds a client-only password (客户端专用密码, 生成新密码)"),
            ProviderPreset(name: "aliyun", url: "imaps://imap.qiye.aliyun.com:993", folders: ["INBOX", "\\Sent"], auth: .password,
                           hint: "IMAP on in webmail (设置 → 账户与安全 → 客户端设置); with 安全登录 on, password_file holds the client authorization code (三方客户端安全密码)"),
            ProviderPreset(name: "aliyun-personal", url: "imaps://imap.aliyun.com:993", folders: ["INBOX", "\\Sent"], auth: .password,
                           hint: "IMAP on in webmail (设置 → 账户与安全 → 客户端设置); password_file holds the client authorization code"),
            ProviderPreset(name: "feishu", url: "imaps://imap.feishu.cn:993", folders: ["INBOX", "\\Sent"], auth: .password,
                           hint: "IMAP/SMTP on in Feishu mail (设置 → 第三方邮件客户端); password_file holds the generated third-party client password"),
            ProviderPreset(name: "gmail", url: "imaps://imap.gmail.com:993", folders: ["INBOX", "\\Sent"], auth: .oauth2OrPassword,
                           tokenURL: "https://oauth2.googleapis.com/token", authorizeURL: "https://accounts.google.com/o/oauth2/v2/auth",
                           scope: "https://mail.google.com/",
                           hint: "OAuth 2.0 (oauth2_client_id, oauth2_refresh_token_file) or an app password; [Gmail]/All Mail and [Gmail]/Important repeat every message and are never synced unless named"),
            ProviderPreset(name: "microsoft365", url: "imaps://outlook.office365.com:993", folders: ["INBOX", "\\Sent"], auth: .oauth2,
                           tokenURL: "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
                           authorizeURL: "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
                           scope: "https://outlook.office.com/IMAP.AccessAsUser.All offline_access", hint: microsoft),
            ProviderPreset(name: "outlook", url: "imaps://outlook.office365.com:993", folders: ["INBOX", "\\Sent"], auth: .oauth2,
                           tokenURL: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                           authorizeURL: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                           scope: "https://outlook.office.com/IMAP.AccessAsUser.All offline_access", hint: microsoft),
            ProviderPreset(name: "microsoft365-china", url: "imaps://partner.outlook.cn:993", folders: ["INBOX", "\\Sent"], auth: .oauth2,
                           tokenURL: "https://login.partner.microsoftonline.cn/organizations/oauth2/v2.0/token",
                           authorizeURL: "https://login.partner.microsoftonline.cn/organizations/oauth2/v2.0/authorize",
                           scope: "https://partner.outlook.cn/IMAP.AccessAsUser.All offline_access",
                           hint: "Microsoft 365 operated by 21Vianet (世纪互联): " + microsoft + "; the application is registered in the China cloud's portal"),
        ]
    }()

    /// Whether the password is a generated authorization code, which never holds a space: QQ
    /// shows its 16 letters in groups (`abcd efgh ijkl mnop`) and a pasted code keeps them.
    public var passwordIsCode: Bool {
        ["qq", "exmail", "netease-163", "netease-126", "yeah", "qiye-163"].contains(name)
    }

    /// The names INTERFACE.md gives, beside this file's.
    public static let aliases = ["163": "netease-163", "126": "netease-126", "netease-qiye": "qiye-163",
                                 "m365-china": "microsoft365-china", "aliyun-qiye": "aliyun"]

    public static func named(_ name: String) -> ProviderPreset? {
        let key = name.lowercased()
        return all.first { $0.name == (aliases[key] ?? key) }
    }
}
