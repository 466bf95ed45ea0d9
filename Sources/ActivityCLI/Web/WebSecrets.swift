import Foundation
import CWebCrypto
import ActivityCore

/// The web view's secrets, all from maintained libraries: yescrypt password hashes through
/// libcrypt (crypt_gensalt_rn, crypt_rn), and from OpenSSL's libcrypto random tokens
/// (RAND_bytes), SHA-256 of session tokens and constant-time comparison (CRYPTO_memcmp).
enum WebSecrets {
    /// A yescrypt hash (`$y$…`) of `password` with a fresh salt, for `[[user]].password_hash`.
    static func hashPassword(_ password: String) throws -> String {
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        guard crypt_gensalt_rn("$y$", 0, nil, 0, &setting, Int32(setting.count)) != nil else {
            throw ActivityError(.software, "libcrypt cannot make a yescrypt salt (crypt_gensalt_rn: \(String(cString: strerror(errno))))")
        }
        guard let hash = crypt(password, setting: setting), hash.hasPrefix("$y$") else {
            throw ActivityError(.software, "libcrypt cannot hash with yescrypt")
        }
        return hash
    }

    /// Whether `password` matches the crypt(3) `hash`, compared in constant time.
    static func verify(_ password: String, hash: String) -> Bool {
        guard hash.hasPrefix("$"), let computed = crypt(password, setting: Array(hash.utf8CString)) else { return false }
        return constantTimeEqual(computed, hash)
    }

    /// A hash to verify against when the login is unknown, so that an unknown login takes as long as a wrong password.
    static let decoyHash: String = (try? hashPassword("decoy \(UUID().uuidString)")) ?? "$y$j9T$decoy$"

    private static func crypt(_ password: String, setting: [CChar]) -> String? {
        var data = crypt_data()
        let result = withUnsafeMutableBytes(of: &data) { buffer -> String? in
            guard let out = crypt_rn(password, setting, buffer.baseAddress, Int32(buffer.count)) else { return nil }
            let s = String(cString: out)
            // Failure tokens start with '*'.
            return s.hasPrefix("*") ? nil : s
        }
        // Wipe the work area (it held the password).
        withUnsafeMutableBytes(of: &data) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        return result
    }

    /// 32 random bytes (256 bits) as 64 hex digits.
    static func randomToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else {
            // The kernel's generator directly; never a weaker source.
            var g = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = g.next() }
            return hex(bytes)
        }
        return hex(bytes)
    }

    /// SHA-256 as 64 hex digits: what the store keeps of a session token.
    static func sha256(_ s: String) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let bytes = Array(s.utf8)
        _ = SHA256(bytes, bytes.count, &digest)
        return hex(digest)
    }

    /// Equal strings, in time that depends only on the length.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else {
            // Still compare something of the same size so the time says little.
            _ = CRYPTO_memcmp(x, x, x.count)
            return false
        }
        return x.isEmpty || CRYPTO_memcmp(x, y, x.count) == 0
    }

    /// gzip (zlib, level 6); nil if zlib fails.
    static func gzip(_ bytes: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: activity_gzip_bound(bytes.count))
        let n = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { activity_gzip(input.baseAddress, input.count, $0.baseAddress, $0.count) }
        }
        guard n > 0 else { return nil }
        out.removeSubrange(n...)
        return out
    }

    static func hex(_ bytes: [UInt8]) -> String { Hex.lowercase(bytes) }
}
