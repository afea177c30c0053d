// What the built crossgo executable needs at run time. crossgo's own HTTP (the vulnerability database, the
// remote cache) is async-http-client on SwiftNIO with TLS from swift-nio-ssl, linked in: no URLSession, so
// no FoundationNetworking and none of the ~30 libraries libcurl loads.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite struct LinkTests {
    @Test func noSourceFileUsesFoundationNetworking() throws {
        let root = repositoryRoot + "/Sources"
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 50, "\(root) has \(files.count) Swift files")
        let users = try files.filter { try String(contentsOfFile: root + "/" + $0, encoding: .utf8).contains("import FoundationNetworking") }
        #expect(users.isEmpty, "\(users)")
    }

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
