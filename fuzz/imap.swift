// Fuzz target `imap` (scripts/fuzz imap SECONDS): the IMAP response reader as the connection
// drives it. Arbitrary server bytes, cut into reads at arbitrary places, go through
// IMAPResponseFramer and IMAPResponseParser; FETCH answers are decoded into FetchedMessage
// (BODYSTRUCTURE included) and unreadable ones into UnreadableFetch, as MailSync does. Nothing
// may crash, hang, or grow memory past the IMAPLimits.
//
// Built with the reader's sources into one module (no ActivityTransport, no libcurl).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIMAP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard !input.isEmpty else { return 0 }
    // The first byte picks the read size, so the framer also sees responses split anywhere.
    let chunk = Int(input[0]) % 64 + 1
    let stream = input.dropFirst()
    var framer = IMAPResponseFramer()
    var offset = stream.startIndex
    while offset < stream.endIndex {
        let end = min(offset + chunk, stream.endIndex)
        framer.append(stream[offset..<end])
        offset = end
        while true {
            let framed: [UInt8]?
            do { framed = try framer.next() } catch { return 0 }   // the connection is dropped here
            guard let framed else { break }
            precondition(!framed.isEmpty && framed.last == 0x0A, "a framed response ends with LF")
            do {
                let response = try IMAPResponseParser.parse(framed)
                if let message = FetchedMessage(response) {
                    _ = message.structure?.calendarParts
                }
                if case .numbered(_, _, let values) = response, let v = values.first { _ = BodyStructure(v) }
            } catch let e as IMAPProtocolError {
                if framed.count > 2, framed[0] == UInt8(ascii: "*"), framed[1] == 0x20 { _ = UnreadableFetch(framed, e) }
            } catch {
                preconditionFailure("the parser threw something other than IMAPProtocolError: \(error)")
            }
        }
    }
    return 0
}
