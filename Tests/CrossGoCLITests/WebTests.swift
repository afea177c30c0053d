// crossgo build --web and crossgo serve with the real toolchain and chromium: the bundle's files are in the manifest
// (and pruned with it), serve answers with the right types and gzip, and headless Chromium shows the program's output.
import CrossGoKit
import Foundation
import TestSupport
import Testing

@Suite(.serialized, .requires("chromium", "python3")) struct WebTests {
    /// Status line and headers of a GET, or of another method (python's http.client: it adds no Accept-Encoding of
    /// its own; after a HEAD it reads no body), then the length of the body it read; after a HEAD, the status and
    /// body length of a GET on the same connection.
    static func get(_ url: String, _ headers: [String: String] = [:], method: String = "GET") async throws -> String {
        let script = """
            import http.client, json, sys, urllib.parse
            u = urllib.parse.urlsplit(sys.argv[1])
            c = http.client.HTTPConnection(u.hostname, u.port)
            c.request(sys.argv[3], u.path, headers=json.loads(sys.argv[2]))
            r = c.getresponse(); body = r.read()
            print(r.status); [print(k + ": " + v) for k, v in r.getheaders()]; print("body:", len(body))
            if sys.argv[3] == "HEAD":  # a body sent after HEAD would be read as the next answer's status line
                c.request("GET", u.path); n = c.getresponse(); print("then:", n.status, len(n.read()))
            """
        let json = String(decoding: try JSONSerialization.data(withJSONObject: headers), as: UTF8.self)
        return try await runProgram("python3", ["-c", script, url, json, method], timeout: 60).stdout
    }

    struct Manifest: Decodable { var web: [WebFile]? }

    /// Starts `crossgo serve` and returns it with the URL it printed.
    static func serve(_ folder: String, in directory: String) async throws -> (Task<ProgramResult, any Error>, String) {
        let log = directory + "/serve.log"
        let task = Task { try await runProgram("/bin/sh", ["-c", "exec \"$0\" serve \"$1\" 2>\"$2\"", crossgoExecutable, folder, log],
                                               workingDirectory: directory, timeout: 300) }
        for _ in 0 ..< 200 {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), let r = text.range(of: "http://127.0.0.1:") {
                return (task, String(text[r.lowerBound...].prefix { !$0.isWhitespace }))
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        task.cancel()
        throw CocoaError(.fileReadUnknown, userInfo: [NSDebugDescriptionErrorKey: "crossgo serve printed no URL"])
    }

    @Test func buildWebServeAndLoadInChromium() async throws {
        let module = try copyExample("hello")
        defer { module.cleanup() }
        let build = try await runCrossgo(["build", "--target", "js/wasm", "--web"], in: module.path)
        #expect(build.exitCode == 0, "\(build.stderr)")
        let dist = module.path + "/dist"
        #expect(filesUnder(dist + "/web") == ["hello/hello.wasm", "hello/hello.wasm.gz", "hello/index.html", "hello/wasm_exec.js"])
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: dist + "/manifest.json")))
        #expect(manifest.web?.map(\.path).sorted() == ["web/hello/hello.wasm", "web/hello/hello.wasm.gz", "web/hello/index.html", "web/hello/wasm_exec.js"])
        let sums = try String(contentsOfFile: dist + "/SHA256SUMS", encoding: .utf8)
        #expect(sums.contains("  web/hello/index.html\n"))
        // The toolchain's own wasm_exec.js, and a gzip of the wasm that gunzip accepts.
        let toolchain = try await realToolchain()
        #expect(FileManager.default.contents(atPath: dist + "/web/hello/wasm_exec.js") == FileManager.default.contents(atPath: toolchain.goroot + "/lib/wasm/wasm_exec.js"))
        let gunzip = try await runProgram("/bin/sh", ["-c", "gunzip -c web/hello/hello.wasm.gz | cmp - web/hello/hello.wasm && echo same"], workingDirectory: dist)
        #expect(gunzip.stdout == "same\n", "\(gunzip.stderr)")

        let (server, url) = try await Self.serve("dist/web/hello", in: module.path)
        defer { server.cancel() }
        let plain = try await Self.get(url + "hello.wasm")
        #expect(plain.hasPrefix("200\n") && plain.contains("Content-Type: application/wasm") && !plain.contains("Content-Encoding"), "\(plain)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: dist + "/web/hello/hello.wasm")[.size] as? Int)
        #expect(plain.contains("Content-Length: \(size)\n") && plain.hasSuffix("body: \(size)\n"), "\(plain)")
        // HEAD: the GET's headers and length, no body.
        let headAnswer = try await Self.get(url + "hello.wasm", method: "HEAD")
        #expect(headAnswer.hasPrefix("200\n") && headAnswer.contains("Content-Length: \(size)\n") && headAnswer.hasSuffix("body: 0\nthen: 200 \(size)\n"),
                "\(headAnswer)")
        #expect(try await Self.get(url + "hello.wasm", method: "POST").hasPrefix("405\n"))
        let gz = try await Self.get(url + "hello.wasm", ["Accept-Encoding": "gzip, br"])
        #expect(gz.contains("Content-Encoding: gzip") && gz.contains("Vary: Accept-Encoding") && gz.contains("ETag: "), "\(gz)")
        let etag = gz.split(separator: "\n").first { $0.hasPrefix("ETag: ") }.map { String($0.dropFirst(6)) } ?? ""
        let again = try await Self.get(url + "hello.wasm", ["Accept-Encoding": "gzip", "If-None-Match": etag])
        #expect(again.hasPrefix("304\n"), "\(again)")
        #expect(try await Self.get(url + "../../manifest.json").hasPrefix("404\n"))
        #expect(try await Self.get(url + ".hidden").hasPrefix("404\n"))

        let chromiumPath = try #require(Chromium.names.compactMap { name in
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }.first)
        let chromium = Chromium(program: chromiumPath)
        let dom = try await chromium.dumpDOM(url)
        #expect(dom.contains("<pre id=\"output\">hello from js/wasm (go"), "\(dom.prefix(2000))")
        let png = module.path + "/page.png"
        try await chromium.screenshot(url, to: png)
        let head = try #require(FileManager.default.contents(atPath: png)).prefix(8)
        #expect(Array(head) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        server.cancel()

        // Without --web the bundle goes, as the manifest says.
        let plainBuild = try await runCrossgo(["build", "--target", "js/wasm"], in: module.path)
        #expect(plainBuild.exitCode == 0)
        #expect(!FileManager.default.fileExists(atPath: dist + "/web"))
        // web: true in crossgo.yaml makes it again; a wrong type is a located error.
        try module.write("crossgo.yaml", "targets: [js/wasm]\nweb: true\n")
        #expect(try await runCrossgo(["build"], in: module.path).exitCode == 0)
        #expect(FileManager.default.fileExists(atPath: dist + "/web/hello/index.html"))
        try module.write("crossgo.yaml", "targets: [js/wasm]\nweb: sometimes\n")
        let bad = try await runCrossgo(["build"], in: module.path)
        #expect(bad.exitCode == 2 && bad.stderr.contains("crossgo.yaml") && bad.stderr.contains("web"), "\(bad.stderr)")
    }

    @Test func serveRefusesBadInput() async throws {
        let folder = try TempFolder("crossgo-serve")
        defer { folder.cleanup() }
        let none = try await runCrossgo(["serve"], in: folder.path)
        #expect(none.exitCode == 2 && none.stderr.contains("dist/web") && none.stderr.split(separator: "\n").count == 1, "\(none.stderr)")
        try folder.write("site/index.html", "<p>x</p>")
        let addr = try await runCrossgo(["serve", "site", "--addr", "0.0.0.0:80"], in: folder.path)
        #expect(addr.exitCode == 2 && addr.stderr.contains("--addr"), "\(addr.stderr)")
    }
}
