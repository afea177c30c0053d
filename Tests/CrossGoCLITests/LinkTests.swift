// What the built crossgo executable needs at run time: HTTP is async-http-client on SwiftNIO with TLS from
// swift-nio-ssl, linked in, so no libcurl (and the ~30 libraries it loads) and no FoundationNetworking.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct LinkTests {
    #if os(Linux)
    @Test func theExecutableLoadsNoLibcurl() async throws {
        let r = try await runProgram("ldd", [crossgoExecutable])
        let libraries = r.stdout.split(separator: "\n").compactMap {
            $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
        }
        #expect(r.exitCode == 0 && libraries.contains { $0.hasPrefix("libc.so") }, "\(r.stdout)\(r.stderr)")
        #expect(!libraries.contains { $0.contains("libcurl") || $0.contains("FoundationNetworking") }, "\(libraries)")
    }
    #endif
}
