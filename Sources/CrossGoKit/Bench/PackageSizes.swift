// Size by package of an artifact, for `crossgo bench --artifacts` and the report (read by GoBinary.SizeByPackage).
import Foundation
import GoBinary

/// Sizes by package, and how they were read.
public struct PackageSizes: Sendable {
    public var method: String
    public var packages: [PackageSize]
    /// Code plus the file-backed data sections.
    public var textAndData: Int

    public static func read(path: String) throws -> PackageSizes {
        let b = try SizeByPackage.read(path: path)
        return PackageSizes(method: b.method, packages: b.packages.map { PackageSize(package: $0.package, code: $0.code, data: $0.data) },
                            textAndData: b.textSize + b.dataSize)
    }
}
