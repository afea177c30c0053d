// `crossgo inspect` as a session: the paths walked, each Go binary read (never run) and rendered as text or one
// JSON object per file, the errors one line each, and the exit status from the exit table.
import Foundation
import GoBinary

/// What `crossgo inspect` was asked.
public struct InspectRequest: Equatable, Sendable {
    /// Files or folders, as given (relative to the working folder).
    public var paths: [String]
    /// One JSON object per file on stdout (JSON Lines) instead of text.
    public var json = false
    /// List skipped files and the errors of files found in folders.
    public var verbose = false

    public init(paths: [String], json: Bool = false, verbose: Bool = false) {
        self.paths = paths
        self.json = json
        self.verbose = verbose
    }
}

/// What inspect found: the result lines (a text block or a JSON object per file, in order), the messages
/// (errors and skipped files, in order), and whether anything named failed.
public struct InspectOutcome: SessionOutcome {
    /// One entry per Go binary read, or per file or folder that failed (under --json, the object with its error).
    public var results: [String]
    /// `crossgo: error: PATH: ...` lines, and the files skipped in folders (with -v).
    public var messages: [String]
    public var inspected: Int
    public var failures: Int

    public var command: String { "inspect" }
    public var exitStatus: ExitStatus { failures > 0 ? .failed : .ok }
    public var counts: [(String, Int)] { [("inspected", inspected), ("failed", failures)] }

    enum CodingKeys: String, CodingKey { case inspected, failures }

    public func render(_ painter: Painter, relativeTo base: String) -> RenderedOutcome {
        RenderedOutcome(results: results, messages: messages)
    }
}

/// Reads the files and folders of an inspect request.
public struct InspectSession: Sendable {
    public let context: CrossGoContext
    public init(context: CrossGoContext) { self.context = context }

    public func run(_ request: InspectRequest) async throws -> InspectOutcome {
        // A path that is not there is bad input: said once, before anything is read.
        let system = context.system
        if let missing = request.paths.first(where: { !FolderWalk.exists(context.absolute($0), system: system) }) {
            throw UsageError("\(missing): no such file or folder")
        }
        // Every file first (folders walked), then the files read on all cores, then recorded in the order found:
        // each file, and after a folder's files whether it held a Go binary.
        enum Step { case file(Int), folderEnd(path: String, files: Range<Int>) }
        var files: [(file: String, shown: String, named: Bool)] = []
        var steps: [Step] = []
        for path in request.paths {
            let full = path.hasPrefix("/") ? path : context.workingDirectory + "/" + path
            if FolderWalk.isFolder(full, system: system) {
                let first = files.count
                for file in FolderWalk.regularFiles(under: full, system: system) {
                    steps.append(.file(files.count))
                    files.append((file, path + String(file.dropFirst(full.count)), false))
                }
                steps.append(.folderEnd(path: path, files: first ..< files.count))
            } else {
                steps.append(.file(files.count))
                files.append((full, path, true))
            }
        }
        // Inspect runs on the main thread's executor: a few files are read there, many on the global pool's threads
        // (every core). Measured on 2 cores: 34 small binaries 4.6 ms here against 5.0 ms with the pool's threads
        // started; 216 binaries 11.7 ms on the pool.
        let paths = files.map(\.file)
        let reads = paths.count > 64 ? await withTaskExecutorPreference(globalConcurrentExecutor) {
            await Concurrency.bounded(paths, limit: Concurrency.cores) { file in Self.read(file, system: system) }
        } : paths.map { Task.isCancelled ? nil : Self.read($0, system: system) }
        var outcome = InspectOutcome(results: [], messages: [], inspected: 0, failures: 0)
        for step in steps {
            switch step {
            case .file(let index):
                guard let read = reads[index] else { continue }  // not read: the command was interrupted
                record(read, shown: files[index].shown, named: files[index].named, request, into: &outcome)
            case .folderEnd(let path, let range):
                guard !range.contains(where: { if case .success = reads[$0] { true } else { false } }) else { continue }
                // An empty answer is no answer: a folder without a Go binary fails as a named non-Go file does.
                outcome.failures += 1
                let message = "no Go binary in this folder" + (request.verbose ? "" : " (-v lists the files skipped)")
                outcome.messages.append("crossgo: error: \(path): \(message)")
                if request.json { outcome.results.append(InspectJSON.encode(InspectJSON.Failure(file: path, error: .init(message: message)))) }
            }
        }
        return outcome
    }

    /// One file read: the Go binary with its PE imports, or why it is not one.
    static func read(_ file: String, system: any HostSystem) -> Result<(BinaryImage, [String]?), GoBinaryError> {
        do throws(GoBinaryError) {
            let source = try system.byteSource(file)
            let image = try BinaryImage.read(source)
            // A readable file without Go build info fails as "not Go".
            guard image.isGo else { throw GoBinaryError(.notGo, format: image.format) }
            return .success((image, peImports(source, image)))
        } catch {
            return .failure(error)
        }
    }

    /// Records one file read. Files found in folders that are not Go binaries are skipped.
    private func record(_ read: Result<(BinaryImage, [String]?), GoBinaryError>, shown path: String, named: Bool, _ request: InspectRequest,
                        into outcome: inout InspectOutcome) {
        switch read {
        case .failure(let error):
            if named {
                outcome.failures += 1
                outcome.messages.append("crossgo: error: \(path): \(error)")
                if request.json { outcome.results.append(InspectJSON.errorLine(path, error)) }
            } else if request.verbose {
                outcome.messages.append("\(path): skipped: \(error)")
            }
        case .success(let (image, imports)):
            outcome.inspected += 1
            outcome.results.append(request.json ? InspectJSON.line(path, image, peImports: imports)
                                                : InspectText.render(path, image, verbose: request.verbose, peImports: imports))
        }
    }

    /// The DLLs a PE file imports (its dynamic dependencies), read from the file; nil for other formats.
    static func peImports(_ source: SystemByteSource, _ image: BinaryImage) -> [String]? {
        guard image.slices.count == 1, image.slices.first?.pe != nil, let directories = try? PEDirectories.read(source) else { return nil }
        return directories.imports.keys.sorted { $0.lowercased() < $1.lowercased() }
    }

    /// A slice's dynamic dependencies: ELF DT_NEEDED, Mach-O LC_LOAD_DYLIB (and kin), PE imports; nil when unknown.
    static func dynamicDependencies(_ slice: BinarySlice, peImports: [String]?) -> [String]? {
        if let e = slice.elf { return e.needed }
        if let m = slice.macho { return m.dylibs }
        if slice.pe != nil { return peImports }
        return nil
    }
}

/// Human-readable report of one file.
enum InspectText {
    static func render(_ path: String, _ image: BinaryImage, verbose: Bool, peImports: [String]? = nil) -> String {
        var lines: [String] = []
        if image.format == .universal {
            let arches = image.slices.map { $0.macho?.cpuName ?? $0.goarch ?? "?" }
            lines.append("\(path): universal Mach-O\(image.isFat64 ? " (fat64)" : ""), \(image.slices.count) slices: \(arches.joined(separator: ", "))")
            for slice in image.slices {
                lines.append(contentsOf: block("  [\(slice.macho?.cpuName ?? slice.goarch ?? "?")]", slice, indent: "    ", verbose: verbose))
            }
        } else if let slice = image.slices.first {
            lines.append(contentsOf: block(path + ":", slice, indent: "  ", verbose: verbose, peImports: peImports))
        }
        return lines.joined(separator: "\n")
    }

    static func block(_ title: String, _ slice: BinarySlice, indent: String, verbose: Bool, peImports: [String]? = nil) -> [String] {
        let target = "\(slice.goos ?? "?")/\(slice.goarch ?? "?")"
        guard let info = slice.buildInfo else {
            return ["\(title) not a Go binary (\(target), \(formatFacts(slice)))"]
        }
        var lines = ["\(title) \(info.goVersion) \(target)"]
        func row(_ label: String, _ value: String) {
            lines.append(indent + label.padded(to: 9) + value)
        }
        row("format", formatFacts(slice))
        for fact in platformFacts(slice, verbose: verbose) { row("", fact) }
        if let floor = ArtifactFloor.of(slice) { row("floor", floor.summary) }
        let signature = SignatureKind.of(slice)
        if signature.kind != "not applicable" { row("signed", signature.line) }
        if let deps = InspectSession.dynamicDependencies(slice, peImports: peImports) {
            row("", "dynamic dependencies: " + (deps.isEmpty ? "none (static)" : deps.joined(separator: ", ")))
        }
        if let comment = slice.elf?.comment, !comment.isEmpty { row("", "C toolchain (.comment): " + comment.joined(separator: "; ")) }
        if info.setting("CGO_ENABLED") == "1" {
            row("", "cgo: on (CGO_ENABLED=1; go records no CC in build info" + (slice.elf?.comment.isEmpty == false ? ", .comment names the C compiler)" : ")"))
        }
        if let path = info.path { row("path", path) }
        if let main = info.main { row("mod", module(main)) }
        for dep in info.deps { row("dep", module(dep)) }
        for setting in info.settings { row("build", setting.text) }
        return lines
    }

    static func module(_ m: Module) -> String {
        var text = m.path + (m.version.isEmpty ? "" : " " + m.version) + (m.sum.map { " " + $0 } ?? "")
        if let r = m.replace { text += " => " + module(r) }
        return text
    }

    /// One line: container, width, byte order, machine, file type.
    static func formatFacts(_ slice: BinarySlice) -> String {
        if let e = slice.elf {
            let linking = e.interpreter.map { "dynamic (\($0))" } ?? "static"
            return "ELF \(e.elfClass)-bit \(e.endianness.rawValue)-endian \(e.machineName) \(e.typeName), OS/ABI \(e.osABIName), \(linking)"
        }
        if let m = slice.macho {
            return "Mach-O \(m.is64 ? 64 : 32)-bit \(m.cpuName) \(m.fileTypeName)"
        }
        if let p = slice.pe {
            return "\(p.isPE32Plus ? "PE32+" : "PE32") \(p.machineName) \(p.isDLL ? "DLL" : "executable"), subsystem \(p.subsystemName)"
        }
        if let w = slice.wasm {
            let flavor = w.flavor.map { $0 == .js ? "js (imports gojs)" : "wasip1 (imports wasi_snapshot_preview1)" } ?? "no Go host imports"
            return "wasm module v\(w.version), \(flavor)"
        }
        if let x = slice.xcoff {
            return "XCOFF 64-bit big-endian \(x.isExecutable ? "executable" : "object")" + (x.moduleType.map { ", module type \($0)" } ?? "")
                + (x.symbolCount == 0 ? ", no symbols" : "")
        }
        if let p = slice.plan9 {
            return "Plan 9 a.out \(p.machineName)\(p.is64 ? " (64-bit header)" : ""), text \(p.textSize) bytes, data \(p.dataSize) bytes"
                + (p.symbolsSize == 0 ? ", no symbols" : "")
        }
        return slice.format.rawValue
    }

    static func platformFacts(_ slice: BinarySlice, verbose: Bool) -> [String] {
        var facts: [String] = []
        if let m = slice.macho {
            facts.append("code signature: \(m.hasCodeSignature ? "yes" : "no")")
            if verbose, !m.codeSignature.slots.isEmpty {
                facts.append("code signature slots: " + m.codeSignature.slots.map { "0x" + String($0, radix: 16) }.joined(separator: ", "))
            }
            if let platform = m.platformName {
                facts.append("platform: \(platform)" + (m.minOS.map { " \($0)+" } ?? "") + (m.sdk.map { ", SDK \($0)" } ?? ""))
            }
        }
        if let w = slice.wasm {
            facts.append("imports: \(w.importModules.sorted().joined(separator: ", ")); \(w.dataSegmentCount) data segments")
        }
        if verbose && slice.goosSource == .buildInfo {
            facts.append("OS from build settings (the header does not name it)")
        }
        return facts
    }
}

/// Stable JSON for `--json`: one object per file.
enum InspectJSON {
    struct File: Encodable {
        var file: String
        var format: String
        var fat64: Bool?
        var slices: [Slice]
    }

    struct Slice: Encodable {
        var format: String
        var goos: String?
        var goarch: String?
        var goosSource: String
        var offset: Int
        var size: Int
        var goVersion: String?
        var path: String?
        var main: Module?
        var deps: [Module]?
        var settings: [BuildSetting]?
        /// ELF DT_NEEDED, Mach-O LC_LOAD_DYLIB and kin, PE imported DLLs.
        var dynamicDependencies: [String]?
        /// CGO_ENABLED from the build settings, as a flag.
        var cgo: Bool?
        var elf: ELF?
        var macho: MachO?
        var pe: PE?
        var wasm: Wasm?
        var xcoff: XCOFF?
        var plan9: Plan9?
        /// The OS floor (glibc and kernel, macOS minimum, Windows versions, wasm host imports).
        var floor: ArtifactFloor?
        /// The signature kind ("linker-signed ad-hoc", "certificate-signed", "not signed", ...).
        var signature: SignatureKind
    }

    struct ELF: Encodable {
        var `class`: Int
        var endianness: String
        var machine: String
        var machineCode: UInt16
        var type: String
        var osABI: String
        var interpreter: String?
        var `static`: Bool
        var needed: [String]
        /// `.gnu.version_r`: each library and the versions needed from it.
        var versionNeeds: [ELFVersionNeed]
        /// The highest GLIBC_ version needed.
        var glibc: String?
        var comment: [String]
    }

    struct MachO: Encodable {
        var cpu: String
        var cpuType: UInt32
        var cpuSubtype: UInt32
        var fileType: String
        var codeSignature: Bool
        var platform: String?
        var minOS: String?
        var sdk: String?
        var versionSource: String?
        var codeSignatureDetail: CodeSignatureInfo
        var dylibs: [String]
        var loadCommands: [String]
    }

    struct PE: Encodable {
        var machine: String
        var machineCode: UInt16
        var pe32Plus: Bool
        var subsystem: String
        var subsystemVersion: String
        var osVersion: String
        var authenticode: AuthenticodeInfo
        var dll: Bool
    }

    struct Wasm: Encodable {
        var flavor: String?
        var importModules: [String]
        var imports: Int
        var dataSegments: Int
        var producers: [String]
    }

    struct XCOFF: Encodable {
        var executable: Bool
        var flags: UInt16
        var moduleType: String?
        var symbols: UInt32
        var sections: [String]
    }

    struct Plan9: Encodable {
        var machine: String
        var magic: UInt32
        var header64: Bool
        var entry: UInt64
        var text: UInt32
        var data: UInt32
        var bss: UInt32
        var symbols: UInt32
    }

    struct Failure: Encodable {
        struct Detail: Encodable {
            var message: String
        }
        var file: String
        var error: Detail
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }

    static func line(_ path: String, _ image: BinaryImage, peImports: [String]? = nil) -> String {
        encode(File(file: path, format: image.format.rawValue, fat64: image.format == .universal ? image.isFat64 : nil,
                    slices: image.slices.map { slice($0, peImports: peImports) }))
    }

    static func errorLine(_ path: String, _ error: GoBinaryError) -> String {
        encode(Failure(file: path, error: .init(message: error.description)))
    }

    static func slice(_ s: BinarySlice, peImports: [String]? = nil) -> Slice {
        let info = s.buildInfo
        return Slice(
            format: s.format.rawValue, goos: s.goos, goarch: s.goarch, goosSource: s.goosSource.rawValue,
            offset: s.offset, size: s.size, goVersion: info?.goVersion, path: info?.path, main: info?.main,
            deps: info?.deps, settings: info?.settings,
            dynamicDependencies: InspectSession.dynamicDependencies(s, peImports: peImports),
            cgo: info?.setting("CGO_ENABLED").map { $0 == "1" },
            elf: s.elf.map {
                ELF(class: $0.elfClass, endianness: $0.endianness.rawValue, machine: $0.machineName, machineCode: $0.machine,
                    type: $0.typeName, osABI: $0.osABIName, interpreter: $0.interpreter, static: $0.isStatic, needed: $0.needed,
                    versionNeeds: $0.versionNeeds, glibc: $0.glibcFloor, comment: $0.comment)
            },
            macho: s.macho.map {
                MachO(cpu: $0.cpuName, cpuType: $0.cpuType, cpuSubtype: $0.cpuSubtype, fileType: $0.fileTypeName,
                      codeSignature: $0.hasCodeSignature, platform: $0.platformName, minOS: $0.minOS, sdk: $0.sdk,
                      versionSource: $0.versionSource, codeSignatureDetail: $0.codeSignature, dylibs: $0.dylibs, loadCommands: $0.loadCommands.map(\.name))
            },
            pe: s.pe.map {
                PE(machine: $0.machineName, machineCode: $0.machine, pe32Plus: $0.isPE32Plus, subsystem: $0.subsystemName,
                   subsystemVersion: $0.subsystemVersion, osVersion: $0.osVersion, authenticode: $0.authenticode, dll: $0.isDLL)
            },
            wasm: s.wasm.map {
                Wasm(flavor: $0.flavor?.rawValue, importModules: $0.importModules.sorted(), imports: $0.imports.count,
                     dataSegments: $0.dataSegmentCount, producers: $0.producers.map { "\($0.field): \($0.name) \($0.version)" })
            },
            xcoff: s.xcoff.map {
                XCOFF(executable: $0.isExecutable, flags: $0.flags, moduleType: $0.moduleType, symbols: $0.symbolCount,
                      sections: $0.sections.map(\.name))
            },
            plan9: s.plan9.map {
                Plan9(machine: $0.machineName, magic: $0.magic, header64: $0.is64, entry: $0.entry, text: $0.textSize,
                      data: $0.dataSize, bss: $0.bssSize, symbols: $0.symbolsSize)
            },
            floor: ArtifactFloor.of(s), signature: SignatureKind.of(s))
    }
}
