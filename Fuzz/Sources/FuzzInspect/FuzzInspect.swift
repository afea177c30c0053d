// libFuzzer entry point: every input is read as a binary file and as module-info text.
import GoBinary

/// Checks that printing and re-parsing build info gives the same fields (a cheap oracle for the
/// quoting and line rules); any difference traps, which libFuzzer reports as a crash.
func checkRoundTrip(_ info: BuildInfo) {
    guard let again = try? BuildInfo.parse(goVersion: info.goVersion, moduleInfo: info.moduleInfoText) else {
        fatalError("moduleInfoText does not parse again")
    }
    // Go's text form drops an empty path line and the sum of a module that has a replacement.
    func printable(_ m: Module) -> Module {
        m.replace == nil ? m : Module(path: m.path, version: m.version, sum: nil, replace: m.replace)
    }
    let path = info.path.flatMap { $0.isEmpty ? nil : $0 }
    precondition(again.path == path, "path changed")
    precondition(again.main == info.main.map(printable), "main module changed")
    precondition(again.deps == info.deps.map(printable), "deps changed")
    precondition(again.settings == info.settings, "settings changed")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    if let image = try? BinaryImage.read(MemorySource(bytes)) {
        precondition(!image.slices.isEmpty, "an image without slices")
        for slice in image.slices {
            precondition(slice.offset >= 0 && slice.offset + slice.size <= size, "slice outside the input")
            if let info = slice.buildInfo { checkRoundTrip(info) }
            if let at = slice.buildInfoOffset { precondition(at >= 0 && at < slice.size, "build info offset outside the slice") }
        }
    }
    // The same bytes as module-info text.
    if let info = try? BuildInfo.parse(goVersion: "go1.0", moduleInfo: String(decoding: bytes, as: UTF8.self)) {
        checkRoundTrip(info)
    }
    return 0
}

// SwiftPM links executables with `main` bound to `<Target>_main`; hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("FuzzInspect_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
