// The universal macOS binary of a release: thin darwin slices read from disk, merged by GoBinary's writer,
// written atomically with mode 0755.
import Foundation
import GoBinary

/// Slices that cannot be merged end the universal stage as a failure of the work (exit 1): they come from
/// crossgo's own builds.
extension FatMachOError: ClassifiedError {
    public var exitStatus: ExitStatus { .failed }
}

/// Writes a universal Mach-O file from thin darwin builds of one program.
public enum UniversalBinary {
    /// Reads `slices` (thin Mach-O files), checks and merges them (see `FatMachOWriter`), and writes the result to
    /// `output` through a temporary sibling and a rename, with mode 0755, all through `system`. Returns the fat header's entries.
    /// Throws `FatMachOError` (exit 1) for slices that do not make one universal program, `EnvironmentError` (exit 3)
    /// for files that cannot be read or written.
    @discardableResult
    public static func write(slices: [URL], to output: URL, system: any HostSystem = liveSystem()) throws -> [FatArch] {
        var inputs: [FatMachOWriter.Slice] = []
        for url in slices {
            guard let data = system.readData(url.path) else {
                throw EnvironmentError("\(url.path): cannot read: \(system.fileExists(url.path) ? "not readable" : "no such file")")
            }
            inputs.append(FatMachOWriter.Slice(name: url.path, bytes: [UInt8](data)))
        }
        let layout = try FatMachOWriter.plan(inputs)
        let bytes = try FatMachOWriter.build(inputs)
        let temp = output.deletingLastPathComponent().appendingPathComponent(Builder.partialPrefix + "\(UUID().uuidString.prefix(8))-\(output.lastPathComponent)")
        do {
            try system.writeData(Data(bytes), to: temp.path)
            try system.setPermissions(temp.path, 0o755)
            try system.moveItem(temp.path, to: output.path)
        } catch {
            try? system.removeItem(temp.path)
            throw EnvironmentError("\(output.path): cannot write: \((error as NSError).localizedDescription)")
        }
        return layout.arches
    }
}
