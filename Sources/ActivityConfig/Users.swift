import Foundation
import ActivityCore

extension Config {
    /// The language of a digest (`[[user]] language`, `[digest] language`): the whole mail —
    /// subject, headings, text and HTML — is written in it. Names and organisations stay as they are.
    public enum Language: String, Sendable, CaseIterable {
        /// Chinese (the default).
        case zh
        /// English.
        case en
    }

    /// `language = "zh" | "en"` of a table, nil when absent.
    static func parseLanguage(_ t: TOMLSection) throws -> Language? {
        guard let text = try t.string("language") else { return nil }
        guard let language = Language(rawValue: text.lowercased()) else {
            throw t.error("language", "must be \"zh\" (Chinese) or \"en\" (English), not \"\(text)\"")
        }
        return language
    }

    /// A person who reads the ledger (INTERFACE.md `[[user]]`): in the web view and by the digest.
    public struct User: Sendable, Equatable {
        public enum Role: String, Sendable, CaseIterable {
            /// Sees only their own rep.
            case rep
            /// Sees the reps of their teams.
            case manager
            /// Sees everyone.
            case admin
        }

        public var login: String
        public var name: String
        /// Where `digest` sends; nil: this user gets no digest.
        public var email: String?
        public var role: Role
        /// `role = "manager"`: the teams they see.
        public var teams: [String]
        /// `role = "rep"`: the rep they are.
        public var rep: String?
        /// A crypt(3) hash from `activity user hash`, given inline or read from `passwordFile`.
        public var passwordHash: String?
        public var passwordFile: String?
        /// `language = "zh" | "en"`: the language of this user's digest; nil: `[digest] language`.
        public var language: Language?

        public init(login: String, name: String, email: String?, role: Role, teams: [String] = [], rep: String? = nil,
                    passwordHash: String? = nil, passwordFile: String? = nil, language: Language? = nil) {
            self.login = login
            self.name = name
            self.email = email
            self.role = role
            self.teams = teams
            self.rep = rep
            self.passwordHash = passwordHash
            self.passwordFile = passwordFile
            self.language = language
        }

        /// The language of this user's digest: their own `language`, else `[digest] language` (zh by default).
        public func digestLanguage(in config: Config) -> Language { language ?? config.digestLanguage }

        /// Whether this user may see `rep` — the one check every path of the web view and the digest makes.
        public func maySee(_ rep: Config.Rep) -> Bool {
            switch role {
            case .admin: return true
            case .manager: return rep.team.map { teams.contains($0) } ?? false
            case .rep: return self.rep == rep.id
            }
        }

        /// The reps this user may see, in the config's order.
        public func visibleReps(in config: Config) -> [Config.Rep] { config.reps.filter(maySee) }
    }

    /// Every key a `[[user]]` table may have.
    public static let userKeys: Set<String> = ["login", "name", "email", "role", "teams", "rep", "password_hash", "password_file",
                                                 "language"]

    /// Reads the `[[user]]` tables, checked against the teams and reps already read.
    static func parseUsers(_ tables: [TOMLSection], teams: [Team], reps: [Rep], directory: String) throws -> [User] {
        var users: [User] = []
        for u in tables {
            try u.onlyKnown(userKeys)
            let login = try u.requiredString("login")
            guard !login.isEmpty, login.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0) }) else {
                throw u.error("login", "\"\(login)\" is not a login (letters, digits, . _ - and @)")
            }
            if users.contains(where: { $0.login == login }) { throw u.error("login", "user \(login) is defined twice") }
            let roleName = try u.string("role") ?? "rep"
            guard let role = User.Role(rawValue: roleName) else {
                throw u.error("role", "must be \"rep\", \"manager\" or \"admin\", not \"\(roleName)\"")
            }
            let userTeams = try u.strings("teams") ?? []
            let rep = try u.string("rep")
            switch role {
            case .manager:
                guard !userTeams.isEmpty else { throw u.error("teams", "a manager needs the teams they see, e.g. teams = [\"east\"]") }
                for t in userTeams where !teams.contains(where: { $0.id == t }) { throw u.error("teams", "no [[team]] has id \"\(t)\"") }
                if rep != nil { throw u.error("rep", "is for role = \"rep\"; a manager sees teams") }
            case .rep:
                guard let rep else { throw u.error("rep", "a user with role = \"rep\" needs the rep they are, e.g. rep = \"alice\"") }
                guard reps.contains(where: { $0.id == rep }) else { throw u.error("rep", "no [[rep]] has id \"\(rep)\"") }
                if !userTeams.isEmpty { throw u.error("teams", "is for role = \"manager\"; a rep sees only themselves") }
            case .admin:
                if rep != nil || !userTeams.isEmpty { throw u.error(rep != nil ? "rep" : "teams", "an admin sees everyone; remove the key") }
            }
            let email = try u.string("email")
            if let email, !email.contains("@") { throw u.error("email", "\"\(email)\" is not a mail address") }
            let hash = try u.string("password_hash")
            let file = try u.string("password_file").map { resolve($0, directory: directory) }
            if hash != nil && file != nil { throw u.error("password_file", "give password_hash or password_file, not both") }
            if let hash, !hash.hasPrefix("$") {
                throw u.error("password_hash", "is not a crypt(3) hash; make one with `activity user hash`")
            }
            let language = try parseLanguage(u)
            users.append(User(login: login, name: try u.string("name") ?? login, email: email, role: role, teams: userTeams,
                              rep: rep, passwordHash: hash, passwordFile: file, language: language))
        }
        return users
    }
}
