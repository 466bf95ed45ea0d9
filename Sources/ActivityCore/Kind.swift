/// The eight steps of the sales flow (软件销售基本流程) plus the cross-cutting follow-up.
public enum Kind: String, CaseIterable, Codable, Sendable, Comparable {
    case lead          // 1 信息搜集与判定
    case qualified     // 2 目标客户确认
    case contact       // 3 初步接洽
    case visit         // 4 面谈
    case demo          // 5 产品展示
    case closing       // 6 合作缔结
    case onboarding    // 7 安装和培训
    case payment       // 8 回款
    case followUp = "follow_up"  // 跟进, at the step the organisation has reached

    /// The step number of DOMAIN.md; `follow_up` has none of its own (0).
    public var step: Int {
        switch self {
        case .lead: return 1
        case .qualified: return 2
        case .contact: return 3
        case .visit: return 4
        case .demo: return 5
        case .closing: return 6
        case .onboarding: return 7
        case .payment: return 8
        case .followUp: return 0
        }
    }

    public var chineseName: String {
        switch self {
        case .lead: return "信息搜集"
        case .qualified: return "目标客户确认"
        case .contact: return "初步接洽"
        case .visit: return "面谈"
        case .demo: return "产品展示"
        case .closing: return "合作缔结"
        case .onboarding: return "安装培训"
        case .payment: return "回款"
        case .followUp: return "跟进"
        }
    }

    public static func < (a: Kind, b: Kind) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }
}
