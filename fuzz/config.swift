// Fuzz target `config` (scripts/fuzz config SECONDS): the TOML configuration reader on hostile
// config files (an operator's typo, a half-saved file): Config.parse and RulesFile.parse. Nothing
// may crash or hang, and every refusal is a configuration error (exit 78) that names the file,
// as INTERFACE.md promises.
//
// Built with ActivityConfig's sources and TOMLKit (its C++ core included) into one module.
import Foundation
import ActivityCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        _ = try Config.parse(text: text, path: "/etc/activity/fuzz.toml")
    } catch let e as ActivityError {
        precondition(e.message.contains("fuzz.toml"), "a config error names the file: \(e.message)")
    } catch {
        preconditionFailure("a config error is an ActivityError: \(error)")
    }
    do {
        _ = try RulesFile.parse(text: text, path: "/etc/activity/rules.toml", onto: Rules.builtIn)
    } catch let e as ActivityError {
        precondition(e.message.contains("rules.toml"), "a rules error names the file: \(e.message)")
    } catch {
        preconditionFailure("a rules error is an ActivityError: \(error)")
    }
    return 0
}
