import Foundation

/// Meetings: DOMAIN.md's calendar rules. An event instance from a rep's calendar, or from an
/// invitation mailed to or by the rep, is judged with the same history as the rep's mail.
extension Classifier {
    /// One event instance with where it came from.
    public struct EventInput: Sendable {
        public enum Origin: String, Sendable { case calendar, invitation }
        public var instance: EventInstance
        public var account: String
        public var origin: Origin

        public init(instance: EventInstance, account: String, origin: Origin) {
            self.instance = instance
            self.account = account
            self.origin = origin
        }

        /// UID, plus RECURRENCE-ID for an instance of a series: the dedup key of DOMAIN.md.
        public var key: String {
            instance.recurrenceID.map { "\(instance.uid)/\($0)" } ?? instance.uid
        }
    }

    /// Everything a rep has, mail and meetings, replayed in one timeline.
    public func classify(mails: [MailInput], events: [EventInput]) -> [ItemVerdict] {
        enum Item {
            case mail(MailInput)
            case event(EventInput)
            var date: Date {
                switch self {
                case .mail(let m): return m.item.date
                case .event(let e): return e.instance.start
                }
            }
            var key: String {
                switch self {
                case .mail(let m): return "m\u{1}" + m.item.key
                case .event(let e): return "e\u{1}" + e.key
                }
            }
        }
        let items = (mails.map(Item.mail) + Classifier.deduplicated(events).map(Item.event))
            .sorted { ($0.date, $0.key) < ($1.date, $1.key) }
        var history = History()
        return items.map { item in
            switch item {
            case .mail(let m): return classify(m, history: &history)
            case .event(let e): return judge(e, history: &history)
            }
        }
    }

    /// One activity per (UID, RECURRENCE-ID): the calendar copy wins over a mailed invitation;
    /// among invitations the highest SEQUENCE wins.
    public static func deduplicated(_ events: [EventInput]) -> [EventInput] {
        var best: [String: EventInput] = [:]
        var order: [String] = []
        for e in events {
            guard let current = best[e.key] else {
                best[e.key] = e
                order.append(e.key)
                continue
            }
            let better: Bool
            if current.origin != e.origin {
                better = e.origin == .calendar
            } else {
                better = (e.instance.sequence, e.account) > (current.instance.sequence, current.account)
            }
            if better { best[e.key] = e }
        }
        return order.compactMap { best[$0] }
    }

    func judge(_ input: EventInput, history: inout History) -> ItemVerdict {
        let event = input.instance
        let key = input.key
        func ignored(_ why: String) -> ItemVerdict { ItemVerdict(itemKey: key, activities: [], ignored: why) }
        let identity = settings.identity

        if event.status == "CANCELLED" { return ignored("the event is cancelled") }
        if let me = event.attendees.first(where: { rep.owns($0.address) }), me.partstat == "DECLINED" {
            return ignored("\(rep.id) declined the meeting")
        }
        if settings.sharedCredit == .organizer, let organizer = event.organizer?.address,
           !rep.owns(organizer), settings.repAddresses.contains(organizer.lowercased()) {
            return ignored("shared_credit = organizer: the meeting is credited to its organiser \(organizer)")
        }
        if let word = settings.rules.ignoreMatch(event.summary) {
            return ignored("internal meeting (\"\(word)\" is on the ignore list)")
        }

        // External organisations: attendees in order, then the organiser.
        var orgs: [String] = []
        for p in event.attendees + [event.organizer].compactMap({ $0 }) where !rep.owns(p.address) {
            if let org = history.org(p.address, identity), !orgs.contains(org) { orgs.append(org) }
        }
        let keyword = settings.rules.match(event.summary)
        let location = (event.location ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let onlineText = [location, event.description ?? "", event.url ?? ""].joined(separator: "\n")
        let online = settings.rules.onlineMarker(in: onlineText)
        let physical = !location.isEmpty && settings.rules.onlineMarker(in: location) == nil

        var kind: Kind
        var rule: String
        var credited: String
        var addressIdentified = true
        if let keyword {
            kind = keyword.kind
            rule = "keyword:\(keyword.keyword)"
            if let first = orgs.first {
                credited = first
            } else {
                // No external attendee: an address in the event if there is one, else a hint
                // from the SUMMARY (reps log "拜访XX公司" in their own calendar).
                if let org = Classifier.addressIn(event.description ?? "", identity: identity) {
                    credited = org
                    orgs = [org]
                } else {
                    credited = "hint:" + orgHint(event.summary)
                    addressIdentified = false
                }
            }
        } else {
            guard let first = orgs.first else {
                return ignored(event.attendees.isEmpty ? "no keyword and no external attendee" : "internal meeting with no keyword")
            }
            credited = first
            if physical {
                kind = .visit
                rule = "meeting:external-in-person"
            } else if let online {
                if history.lastCounted[first] == nil {
                    kind = .contact
                    rule = "meeting:online-first-contact(\(online))"
                } else {
                    kind = .followUp
                    rule = "meeting:online-known-org(\(online))"
                }
            } else {
                return ignored("an external meeting with no keyword, no location and no online link")
            }
        }
        let activityDate = event.start
        var activities: [Activity] = []
        if addressIdentified {
            activities += leads(for: orgs, at: activityDate, history: history, ref: key, title: event.summary,
                                source: .caldav, account: input.account)
        }
        activities.append(Activity(rep: rep.id, kind: kind, at: activityDate, org: credited,
                                   otherOrgs: orgs.filter { $0 != credited }, title: event.summary, rule: rule,
                                   sourceType: .caldav, account: input.account, ref: key))
        for org in (addressIdentified ? orgs : [credited]) {
            history.lastCounted[org] = activityDate
            history.contacted.insert(org)
        }
        return ItemVerdict(itemKey: key, activities: activities, ignored: nil)
    }

    /// DOMAIN.md's org hint: the SUMMARY without its keywords, brackets and punctuation.
    func orgHint(_ summary: String) -> String {
        var text = summary
        for kind in Rules.precedence {
            for word in settings.rules.keywords[kind] ?? [] where !word.allSatisfy(\.isASCII) {
                text = text.replacingOccurrences(of: word, with: " ")
            }
        }
        let kept = text.unicodeScalars.map { u -> Character in
            let p = u.properties
            if p.generalCategory == .openPunctuation || p.generalCategory == .closePunctuation
                || p.generalCategory == .otherPunctuation || p.generalCategory == .dashPunctuation
                || p.generalCategory == .initialPunctuation || p.generalCategory == .finalPunctuation
                || p.generalCategory == .mathSymbol || p.generalCategory == .otherSymbol || u == "|" {
                return " "
            }
            return Character(u)
        }
        var words = String(kept).lowercased().split(whereSeparator: { $0.isWhitespace }).map(String.init)
        // ASCII keywords are whole words: drop them as words.
        let asciiKeywords = Set(Rules.precedence.flatMap { settings.rules.keywords[$0] ?? [] }.filter { $0.allSatisfy(\.isASCII) }.map { $0.lowercased() })
        words.removeAll { asciiKeywords.contains($0) }
        let hint = words.joined(separator: " ")
        return hint.isEmpty ? summary.lowercased() : hint
    }

    /// The first external address written in a text (mailto: links in an event's DESCRIPTION).
    static func addressIn(_ text: String, identity: OrgIdentity) -> String? {
        for token in text.split(whereSeparator: { $0.isWhitespace || "<>()[],;:\"'".contains($0) }) where token.contains("@") {
            if let org = identity.org(of: String(token)) { return org }
        }
        return nil
    }
}
