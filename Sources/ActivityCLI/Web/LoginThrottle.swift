import Foundation

/// Failed logins per login and per address within a window; past the limit, logins from that
/// login or address are refused (429) until the window has passed — even with the right password.
final class LoginThrottle: @unchecked Sendable {
    let perLogin: Int
    let perAddress: Int
    let window: TimeInterval
    private var failures: [String: [Date]] = [:]
    private let lock = NSLock()

    init(perLogin: Int = 5, perAddress: Int = 20, window: TimeInterval = 15 * 60) {
        self.perLogin = perLogin
        self.perAddress = perAddress
        self.window = window
    }

    /// Seconds until the next attempt is allowed, or nil when it is allowed now.
    func blocked(login: String, address: String, now: Date = Date()) -> Int? {
        lock.lock(); defer { lock.unlock() }
        func wait(_ key: String, _ limit: Int) -> Int? {
            let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
            failures[key] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
        }
        let a = wait("login:" + login.lowercased(), perLogin)
        let b = wait("addr:" + address, perAddress)
        switch (a, b) {
        case (nil, nil): return nil
        default: return max(a ?? 0, b ?? 0)
        }
    }

    func failed(login: String, address: String, now: Date = Date()) {
        lock.lock(); defer { lock.unlock() }
        failures["login:" + login.lowercased(), default: []].append(now)
        failures["addr:" + address, default: []].append(now)
        // Bound the memory an attacker can make us hold.
        if failures.count > 100_000 { failures.removeAll() }
    }

    func succeeded(login: String) {
        lock.lock(); defer { lock.unlock() }
        failures["login:" + login.lowercased()] = nil
    }
}
