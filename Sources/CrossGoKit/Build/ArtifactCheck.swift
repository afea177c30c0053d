// Proves an artifact is what its target says: format, OS, architecture, level, signature, wasm host.
import Foundation
import GoBinary

/// The outcome of checking one artifact against its target.
public struct ArtifactCheck: Sendable, Codable, Equatable {
    public var passed: Bool
    /// What was confirmed, e.g. "ELF riscv64", "code signature present".
    public var confirmed: [String]
    /// What did not match: "expected ... found ...".
    public var problems: [String]
    /// Build settings read back from the artifact (key -> value), in file order.
    public var settings: [BuildSetting]
    public var format: String?
    public var goVersion: String?
    /// The floor and signature kind read while checking; carried to the artifact's record, not encoded here.
    public var facts: ArtifactFacts?

    enum CodingKeys: String, CodingKey { case passed, confirmed, problems, settings, format, goVersion }

    /// The file format a target's binaries have.
    public static func expectedFormat(for goos: String) -> BinaryFormat {
        switch goos {
        case "windows": return .pe
        case "darwin", "ios": return .machO
        case "js", "wasip1": return .wasm
        case "aix": return .xcoff
        case "plan9": return .plan9
        default: return .elf
        }
    }

    /// Reads the file at `path` through `system` and checks it against `target`.
    public static func verify(path: String, target: Target, cgo: CgoSetting? = nil, system: any HostSystem = liveSystem()) -> ArtifactCheck {
        do {
            if cgo != nil, let data = system.readData(path) { return verify(bytes: [UInt8](data), target: target, cgo: cgo) }
            return verify(image: try system.binaryImage(path), target: target)
        } catch {
            return ArtifactCheck(passed: false, confirmed: [], problems: ["cannot read the artifact: \(error)"], settings: [], format: nil, goVersion: nil)
        }
    }

    /// Checks an artifact already read (from bytes in memory, say) against `target`.
    public static func verify(bytes: [UInt8], target: Target, cgo: CgoSetting? = nil) -> ArtifactCheck {
        do {
            let imports = cgo != nil && target.goos == "windows" ? (try? PEDirectories.read(MemorySource(bytes)))?.imports.keys.map { $0 } : nil
            return verify(image: try BinaryImage.read(MemorySource(bytes)), target: target, cgo: cgo, peImports: imports)
        } catch {
            return ArtifactCheck(passed: false, confirmed: [], problems: ["cannot read the artifact: \(error)"], settings: [], format: nil, goVersion: nil)
        }
    }

    /// Checks a read image against `target`; with `cgo` set up by crossgo's zig, also the C library it links
    /// (`peImports`: the DLLs a PE file imports, for windows).
    public static func verify(image: BinaryImage, target: Target, cgo: CgoSetting? = nil, peImports: [String]? = nil) -> ArtifactCheck {
        var check = ArtifactCheck(passed: false, confirmed: [], problems: [], settings: [], format: nil, goVersion: nil)
        check.format = image.format.rawValue
        guard let slice = image.slices.first, image.slices.count == 1 else {
            check.problems.append("expected one \(target.pair) binary, found a universal file with \(image.slices.count) slices")
            return check
        }
        check.facts = ArtifactFacts(floor: ArtifactFloor.of(slice), signature: SignatureKind.of(slice))
        let expected = expectedFormat(for: target.goos)
        if slice.format == expected {
            check.confirmed.append("\(expected.rawValue) file")
        } else {
            check.problems.append("expected a \(expected.rawValue) file for \(target.goos), found \(slice.format.rawValue)")
        }
        if let arch = slice.goarch {
            if arch == target.goarch { check.confirmed.append("header says \(arch)") }
            else { check.problems.append("expected \(target.goarch) code, the header says \(arch)") }
        } else {
            check.problems.append("the header names no architecture crossgo knows (expected \(target.goarch))")
        }
        if let os = slice.goos, slice.goosSource != .buildInfo {
            if os == target.goos || (target.goos == "ios" && os == "darwin") || (target.goos == "android" && os == "linux") {
                check.confirmed.append("header says \(os)")
            } else {
                check.problems.append("expected a \(target.goos) binary, the header says \(os)")
            }
        }
        if target.goos == "darwin" && target.goarch == "arm64" {
            if slice.macho?.hasCodeSignature == true { check.confirmed.append("code signature present") }
            else { check.problems.append("darwin/arm64 binaries need a code signature to start on Apple Silicon; this one has none") }
        }
        if target.goarch == "wasm", let wasm = slice.wasm {
            let modules = Set(wasm.imports.map(\.module))
            let wanted = target.goos == "js" ? "gojs" : "wasi_snapshot_preview1"
            if modules.contains(wanted) { check.confirmed.append("imports \(wanted)") }
            else { check.problems.append("expected imports from \(wanted) (\(target.goos)/wasm), found \(modules.sorted().joined(separator: ", "))") }
        }
        if let cgo, cgo.compiler == .zig { checkCLibrary(slice, target: target, cgo: cgo, peImports: peImports, into: &check) }
        if let promised = cgo?.minGlibc, target.goos == "linux", let elf = slice.elf { checkGlibcFloor(elf, promised: promised, into: &check) }
        guard let info = slice.buildInfo else {
            check.problems.append("no Go build info found")
            return check
        }
        check.settings = info.settings
        check.goVersion = info.goVersion
        for (key, wanted) in [("GOOS", target.goos), ("GOARCH", target.goarch)] {
            if let value = info.setting(key) {
                if value == wanted { check.confirmed.append("build info \(key)=\(value)") }
                else { check.problems.append("expected build info \(key)=\(wanted), found \(key)=\(value)") }
            }
        }
        if let cgo, cgo.compiler != .off {
            if info.setting("CGO_ENABLED") == "1" { check.confirmed.append("build info CGO_ENABLED=1") }
            else { check.problems.append("expected build info CGO_ENABLED=1 (built with cgo), found \(info.setting("CGO_ENABLED").map { "CGO_ENABLED=\($0)" } ?? "none")") }
        }
        if let variant = target.variant, let variable = target.variantVariable {
            let value = info.setting(variable)
            if value == variant { check.confirmed.append("build info \(variable)=\(variant)") }
            else { check.problems.append("expected build info \(variable)=\(variant), found \(value.map { "\(variable)=\($0)" } ?? "none")") }
        }
        check.passed = check.problems.isEmpty
        return check
    }

    /// The C runtime a DLL name belongs to: msvcrt.dll (mingw's classic runtime) or the Universal CRT's api-ms-win-crt-* / ucrtbase.dll.
    public static func isCRuntimeDLL(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "msvcrt.dll" || lower == "ucrtbase.dll" || lower.hasPrefix("api-ms-win-crt-")
    }

    /// A glibc floor is a promise: every GLIBC_ version the file needs must be at most the one promised. The first
    /// symbol over it is named (its version and library), so the one line says what to change.
    static func checkGlibcFloor(_ elf: ELFInfo, promised: String, into check: inout ArtifactCheck) {
        guard let floor = elf.glibcFloor else {
            check.confirmed.append(elf.isStatic ? "static: no glibc versions needed (promised \(promised))" : "no GLIBC_ versions needed (promised \(promised))")
            return
        }
        guard GlibcVersion.exceeds(floor, promised) else {
            check.confirmed.append("needs glibc \(floor), at most \(promised) as promised")
            return
        }
        let over = elf.versionedSymbols.filter { $0.version.hasPrefix("GLIBC_") && GlibcVersion.exceeds(String($0.version.dropFirst(6)), promised) }
            .sorted { ELFVersionNeed.compare(String($0.version.dropFirst(6)), String($1.version.dropFirst(6))) > 0 }
        if let symbol = over.first {
            let more = over.count > 1 ? " (and \(over.count - 1) more: \(over.dropFirst().prefix(3).map(\.name).joined(separator: ", ")))" : ""
            check.problems.append("\(symbol.name) needs \(symbol.version) from \(symbol.file), newer than the promised glibc \(promised) (--min-glibc / libc: gnu.\(promised))\(more)")
        } else {
            check.problems.append("needs GLIBC_\(floor), newer than the promised glibc \(promised) (--min-glibc / libc: gnu.\(promised)); no symbol names it (a version need without a versioned symbol)")
        }
    }

    /// What zig's C library leaves in the file: musl is linked in (no PT_INTERP, no DT_NEEDED), glibc names its
    /// loader for the architecture, mingw imports the C runtime DLLs.
    static func checkCLibrary(_ slice: BinarySlice, target: Target, cgo: CgoSetting, peImports: [String]?, into check: inout ArtifactCheck) {
        if target.goos == "linux", let elf = slice.elf {
            switch cgo.libc {
            case .musl:
                if elf.interpreter == nil && elf.needed.isEmpty { check.confirmed.append("static (musl, no PT_INTERP)") }
                else { check.problems.append("expected a static musl binary, found interpreter \(elf.interpreter ?? "none") and libraries \(elf.needed.joined(separator: ", "))") }
            case .gnu:
                let wanted = CgoToolchain.glibcInterpreter(goarch: target.goarch)
                if let wanted, elf.interpreter == wanted { check.confirmed.append("glibc interpreter \(wanted)") }
                else { check.problems.append("expected the glibc interpreter \(wanted ?? "for \(target.goarch)"), found \(elf.interpreter ?? "none (static)")") }
            }
        } else if target.goos == "windows", let imports = peImports {
            let runtime = imports.filter(isCRuntimeDLL).sorted()
            if runtime.isEmpty { check.problems.append("expected the C runtime among the imported DLLs (msvcrt.dll or api-ms-win-crt-*), found \(imports.sorted().joined(separator: ", "))") }
            else { check.confirmed.append("imports the C runtime (\(runtime.count == 1 ? runtime[0] : "\(runtime[0]) and \(runtime.count - 1) more"))") }
        }
    }
}
