import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// Re-derives activities from stored items: after every sync that brought something new, and on
/// `activity rebuild`. Derivation replays a rep's whole history in time order, so the result
/// never depends on the order in which folders, accounts or servers were read.
public struct Derivation {
    public let config: Config
    public let settings: ClassificationSettings

    public init(config: Config, suffixes: PublicSuffixList) {
        self.config = config
        self.settings = ClassificationSettings(
            identity: OrgIdentity(internalDomains: config.internalDomains, extraFreemail: config.freemailDomains, suffixes: suffixes),
            rules: config.rules, leadLookbackDays: config.leadLookbackDays)
    }

    /// Reads the Public Suffix List that Debian's `publicsuffix` package installs.
    public static func loadSuffixes(path: String = PublicSuffixList.debianPath) throws -> PublicSuffixList {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ActivityError(.unavailable, "\(path): the Public Suffix List is missing; install it with: apt-get install publicsuffix")
        }
        return PublicSuffixList(text: text)
    }

    public func classifier(for rep: Config.Rep) -> Classifier {
        Classifier(rep: config.profile(rep), settings: settings)
    }

    /// Verdicts for every stored mail of a rep, in time order.
    public func verdicts(rep: Config.Rep, store: Store) throws -> [ItemVerdict] {
        let mails = try store.mails(rep: rep.id).map { Classifier.MailInput(item: $0.item, account: $0.account) }
        return classifier(for: rep).classify(mails: mails)
    }

    /// Replaces a rep's activities with those derived from the store; returns how many.
    @discardableResult
    public func rederive(rep: Config.Rep, store: Store) throws -> Int {
        let verdicts = try verdicts(rep: rep, store: store)
        let activities = verdicts.flatMap(\.activities)
        let zone = config.profile(rep).timeZone
        try store.transaction {
            try store.replaceActivities(rep: rep.id, with: activities, timeZone: zone)
            try store.replaceExchanges(rep: rep.id, with: verdicts.flatMap(\.exchanges))
        }
        return activities.count
    }
}
