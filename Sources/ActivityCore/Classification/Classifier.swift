import Foundation

/// Turns one rep's items into activities, exactly as DOMAIN.md's *Classification* and *Precise
/// rules* say. It is a pure function of the items and settings: items are replayed in time order
/// (not sync order), so the ledger is the same whatever order the servers were read in.
public struct Classifier: Sendable {
    public var rep: RepProfile
    public var settings: ClassificationSettings

    public init(rep: RepProfile, settings: ClassificationSettings) {
        self.rep = rep
        self.settings = settings
    }

    /// A mail with the account it was first found in (for the activity's source).
    public struct MailInput: Sendable {
        public var item: MailItem
        public var account: String
        public init(item: MailItem, account: String) {
            self.item = item
            self.account = account
        }
    }

    /// The rep's history with organisations as the replay goes forward in time.
    struct History {
        /// The last counted activity with each organisation.
        var lastCounted: [String: Date] = [:]
        /// Organisations the rep has written to, or met (DOMAIN.md's *Contacted*).
        var contacted: Set<String> = []
        var qualified: Set<String> = []
        /// (thread, kind, week) already counted.
        var threadKinds: Set<ThreadKind> = []
        /// Whether an address is an automated sender, by address.
        var automatedSender: [String: Bool] = [:]
        /// Organisation keys already worked out, by address: one rep's mail names the same few
        /// hundred addresses again and again.
        var orgOf: [String: String?] = [:]

        /// The same for addresses that are not the rep's own (nil for the rep's addresses).
        var externalOrgOf: [String: String?] = [:]
        /// Aliased organisation names (`ClassificationSettings.aliases`).
        var aliases: [String: String] = [:]
        /// Meetings counted, by organisation and start, with the name the organisation had before
        /// an alias: two meetings that an alias made the same count once.
        var meetings: [MeetingKey: String] = [:]

        mutating func org(_ address: String, _ identity: OrgIdentity) -> String? {
            if let known = orgOf[address] { return known }
            let org = identity.org(of: address).map { aliases[$0] ?? $0 }
            orgOf[address] = org
            return org
        }

        mutating func isAutomated(_ address: String, _ identity: OrgIdentity) -> Bool {
            if let known = automatedSender[address] { return known }
            let automated = identity.isAutomated(address)
            automatedSender[address] = automated
            return automated
        }

        /// The organisation of an address that is not one of the rep's own.
        mutating func externalOrg(_ address: String, rep: RepProfile, _ identity: OrgIdentity) -> String? {
            if let known = externalOrgOf[address] { return known }
            let org = rep.owns(address) ? nil : org(address, identity)
            externalOrgOf[address] = org
            return org
        }
    }

    struct MeetingKey: Hashable {
        var org: String
        var start: Date
    }

    /// DOMAIN.md's unit of mail dedup: one activity per thread, kind and ISO week.
    struct ThreadKind: Hashable {
        var thread: String
        var kind: Kind
        var week: ISOWeek
    }

    /// Classifies every mail; the verdicts come back in time order.
    public func classify(mails: [MailInput]) -> [ItemVerdict] {
        classify(mails: mails, events: [])
    }

    func classify(_ input: MailInput, history: inout History) -> ItemVerdict {
        var verdict = judge(input, history: &history)
        verdict.exchanges = exchanges(input.item, history: &history)
        return verdict
    }

    /// Outbound mail to each external organisation, inbound mail from one: counted or not.
    func exchanges(_ mail: MailItem, history: inout History) -> [Exchange] {
        let identity = settings.identity
        if mail.automated != nil { return [] }
        if rep.owns(mail.from) {
            var orgs: [String] = []
            for a in mail.to + mail.cc {
                if let o = history.externalOrg(a, rep: rep, identity), !orgs.contains(o) { orgs.append(o) }
            }
            return orgs.map { Exchange(org: $0, at: mail.date, direction: .outbound) }
        }
        guard let from = mail.from, let org = history.org(from, identity) else { return [] }
        return [Exchange(org: org, at: mail.date, direction: .inbound)]
    }

    func judge(_ input: MailInput, history: inout History) -> ItemVerdict {
        let mail = input.item
        func ignored(_ why: String) -> ItemVerdict { ItemVerdict(itemKey: mail.key, activities: [], ignored: why) }

        if let reason = mail.automated { return ignored("automated mail (\(reason))") }
        let identity = settings.identity
        if let from = mail.from, history.isAutomated(from, identity) { return ignored("automated sender \(from)") }

        // External organisations on the mail, in header order (To, then Cc), without repeats.
        var orgs: [String] = []
        for address in mail.to + mail.cc {
            if let org = history.externalOrg(address, rep: rep, identity), !orgs.contains(org) { orgs.append(org) }
        }

        if rep.owns(mail.from) {
            guard let primary = orgs.first else { return ignored("outbound mail with no external recipient") }
            let week = ISOWeek(containing: mail.date, in: rep.timeZone)
            let kind: Kind
            let rule: String
            if let m = settings.rules.match(mail.subject, allowed: Kind.mailKeywordKinds) {
                kind = m.kind
                rule = "keyword:\(m.keyword)"
            } else if history.lastCounted[primary] == nil {
                kind = .contact
                rule = "outbound:first-contact"
            } else {
                kind = .followUp
                rule = "outbound:known-org"
            }
            var activities = leads(for: orgs, at: mail.date, history: history, ref: mail.key, title: mail.subject,
                                   source: .imap, account: input.account)
            let threadKey = ThreadKind(thread: mail.threadKey, kind: kind, week: week)
            let merged = history.threadKinds.contains(threadKey)
            if !merged {
                history.threadKinds.insert(threadKey)
                activities.append(activity(kind, org: primary, others: Array(orgs.dropFirst()), rule: rule, input: input))
            }
            for org in orgs {
                history.contacted.insert(org)
                history.lastCounted[org] = mail.date
            }
            if activities.isEmpty {
                return ignored("thread already counted as \(kind.rawValue) in \(week) (one activity per thread, kind and week)")
            }
            return ItemVerdict(itemKey: mail.key, activities: activities, ignored: nil)
        }

        // Inbound: from an external organisation?
        guard let from = mail.from else { return ignored("no From address") }
        guard let org = history.org(from, identity) else {
            return ignored(identity.isInternal(from) ? "internal mail from \(from)" : "no external sender")
        }
        guard history.contacted.contains(org) else {
            return ignored("inbound from \(org) before any contact by \(rep.id) (counts for nothing, no lead)")
        }
        guard !history.qualified.contains(org) else {
            return ignored("inbound from \(org): already qualified (a reply; it answers open follow-ups)")
        }
        history.qualified.insert(org)
        var all = [org]
        for o in orgs where !all.contains(o) { all.append(o) }
        var activities = leads(for: all, at: mail.date, history: history, ref: mail.key, title: mail.subject,
                               source: .imap, account: input.account)
        activities.append(activity(.qualified, org: org, others: Array(all.dropFirst()), rule: "inbound:first-reply-after-contact", input: input))
        for o in all { history.lastCounted[o] = mail.date }
        return ItemVerdict(itemKey: mail.key, activities: activities, ignored: nil)
    }

    /// One lead per organisation on the item that the rep has not seen within the lookback.
    func leads(for orgs: [String], at date: Date, history: History, ref: String, title: String,
               source: Activity.SourceType, account: String) -> [Activity] {
        let lookback = TimeInterval(settings.leadLookbackDays) * 86_400
        return orgs.compactMap { org in
            if let last = history.lastCounted[org], date.timeIntervalSince(last) <= lookback { return nil }
            let rule = history.lastCounted[org] == nil ? "lead:new-org" : "lead:not-seen-in-\(settings.leadLookbackDays)-days"
            return Activity(rep: rep.id, kind: .lead, at: date, org: org, title: title, rule: rule,
                            sourceType: source, account: account, ref: ref)
        }
    }

    func activity(_ kind: Kind, org: String, others: [String], rule: String, input: MailInput) -> Activity {
        Activity(rep: rep.id, kind: kind, at: input.item.date, org: org, otherOrgs: others,
                 title: input.item.subject, rule: rule, sourceType: .imap, account: input.account, ref: input.item.key)
    }
}
