import Testing
import ActivityCore

@Suite("Hex and FNV-1a")
struct HexTests {
    @Test("hex digits read in either case and write in lower case, percent escapes in upper case")
    func digits() {
        #expect(Hex.byte(UInt8(ascii: "4"), UInt8(ascii: "f")) == 0x4F && Hex.byte(UInt8(ascii: "A"), UInt8(ascii: "0")) == 0xA0)
        #expect(Hex.byte(UInt8(ascii: "g"), UInt8(ascii: "0")) == nil)
        #expect(Hex.lowercase([0x0A, 0xFF, 0x00]) == "0aff00" && Hex.lowercase(UInt64(0xAB)) == "00000000000000ab")
        #expect(Hex.percentEscape(0x2F) == "%2F" && Hex.percentEscape(0xE4) == "%E4")
    }

    @Test("FNV-1a gives the published values, so stored ids and digests do not move")
    func fnv() {
        var h = FNV1a64()
        #expect(h.hex == "cbf29ce484222325")
        h.add("a")
        #expect(h.value == 0xaf63dc4c8601ec8c)
        var s = FNV1a32()
        s.add(UInt8(ascii: "a"))
        #expect(s.value == 0xe40c292c)
    }
}
