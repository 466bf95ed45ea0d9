import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// Store connections for request handlers: SQLite connections are not shared between threads, so
/// each request borrows one and gives it back.
final class StorePool: @unchecked Sendable {
    let location: StoreLocation
    private var idle: [Store] = []
    private let lock = NSLock()

    init(location: StoreLocation) throws {
        self.location = location
        idle.append(try Store(location: location))
    }

    func with<T>(_ body: (Store) throws -> T) throws -> T {
        lock.lock()
        let store = idle.popLast()
        lock.unlock()
        let s = try store ?? Store(location: location)
        defer {
            lock.lock()
            if idle.count < 16 { idle.append(s) }
            lock.unlock()
        }
        return try body(s)
    }
}
