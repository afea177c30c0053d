// The .deb writer: a Debian binary package written without dpkg-deb, so that a Mac can make one too.
//
// Format facts (deb(5), Debian policy chapter 5 and 10):
// - an `ar` archive whose members are, in this order, `debian-binary` ("2.0\n"), `control.tar.gz` and
//   `data.tar.gz` (deb(5)); ar member headers are 60 bytes: name[16], mtime[12], uid[6], gid[6], mode[8] (octal),
//   size[10] (decimal), "`\n"; a member's data is padded to an even length with "\n" (ar(5));
// - control.tar holds `./control` (policy 5.3, fields of 5.6), `./md5sums` (MD5 of every installed file, paths
//   without the leading `/`), `./conffiles` (policy 10.7.3) and the maintainer scripts `./postinst`, `./prerm`
//   (policy 6), the scripts mode 0755;
// - data.tar holds the installed tree, folders included, `./usr/...` names, owned by root (policy 10.9);
// - the documentation folder `/usr/share/doc/<package>` holds `copyright` (policy 12.5) and
//   `changelog.Debian.gz` (policy 12.7, gzip -9n: no name, no time).
//
// The same package value gives the same bytes: sorted members, one modification time, owner root/root 0/0.
import Crypto
import Foundation

public enum DebPackage {
    /// The file name Debian's tools expect: `<name>_<version>_<arch>.deb`.
    public static func fileName(_ package: LinuxPackage, arch: String) -> String {
        "\(package.name)_\(debianVersion(package))_\(arch).deb"
    }

    /// `1.2.3-1`; `1.2.3~rc.1-1` for `1.2.3-rc.1` (policy 5.6.12: `~` sorts before the release).
    static func debianVersion(_ package: LinuxPackage) -> String {
        "\(LinuxPackage.packageVersion(package.version))-\(package.revision)"
    }

    /// The bytes of the .deb of `package` for Debian architecture `arch`.
    public static func make(_ package: LinuxPackage, arch: String) throws -> Data {
        var package = package
        package.files += documentation(package)
        let mtime = package.modificationTime
        let tree = package.tree()

        let data = ReproducibleArchive.tar(tree.map { entry in
            ReproducibleArchive.TarMember(name: "." + entry.path + (entry.file == nil ? "/" : ""), mode: entry.file?.mode ?? 0o755,
                                          contents: entry.file?.contents)
        }.prepending(ReproducibleArchive.TarMember(name: "./", mode: 0o755, contents: nil)), mtime: mtime, owner: "root")

        var control: [ReproducibleArchive.TarMember] = [
            .init(name: "./", mode: 0o755, contents: nil),
            .init(name: "./control", mode: 0o644, contents: Data(controlFile(package, arch: arch, tree: tree).utf8)),
        ]
        let conffiles = package.files.filter(\.config).map(\.path).sorted()
        if !conffiles.isEmpty { control.append(.init(name: "./conffiles", mode: 0o644, contents: Data(conffiles.map { $0 + "\n" }.joined().utf8))) }
        let sums = tree.compactMap { entry -> String? in
            guard let file = entry.file else { return nil }
            return Insecure.MD5.hash(data: file.contents).map { String(format: "%02x", $0) }.joined() + "  " + String(file.path.dropFirst()) + "\n"
        }.joined()
        control.append(.init(name: "./md5sums", mode: 0o644, contents: Data(sums.utf8)))
        if let script = package.postinstall { control.append(.init(name: "./postinst", mode: 0o755, contents: Data(script.utf8))) }
        if let script = package.preremove { control.append(.init(name: "./prerm", mode: 0o755, contents: Data(script.utf8))) }
        control.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }

        let controlTar = ReproducibleArchive.tar(control, mtime: mtime, owner: "root")
        let controlGz: Data, dataGz: Data
        do {
            controlGz = try ReproducibleArchive.gzip(controlTar, path: "control.tar.gz")
            dataGz = try ReproducibleArchive.gzip(data, path: "data.tar.gz")
        } catch {
            throw PackageError("\(fileName(package, arch: arch)): \(error)")
        }
        var out = Data("!<arch>\n".utf8)
        for (name, bytes) in [("debian-binary", Data("2.0\n".utf8)), ("control.tar.gz", controlGz), ("data.tar.gz", dataGz)] {
            out.append(arMember(name: name, size: bytes.count, mtime: mtime))
            out.append(bytes)
            if bytes.count % 2 == 1 { out.append(UInt8(ascii: "\n")) }
        }
        return out
    }

    /// A 60-byte ar member header (ar(5)): owner 0/0, mode 100644, as dpkg-deb writes them.
    static func arMember(name: String, size: Int, mtime: Int64) -> Data {
        func field(_ text: String, _ width: Int) -> String { text.padded(to: width) }
        let header = field(name, 16) + field(String(max(0, mtime)), 12) + field("0", 6) + field("0", 6) + field("100644", 8) + field(String(size), 10) + "`\n"
        return Data(header.utf8)
    }

    /// The control file (policy 5.3, 5.6): one paragraph, fields in dpkg's usual order.
    static func controlFile(_ package: LinuxPackage, arch: String, tree: [(path: String, file: PackageFile?)]) -> String {
        // Installed-Size (policy 5.6.20): KiB, each file rounded up, each folder one.
        let kib = tree.reduce(0) { $0 + ($1.file.map { ($0.contents.count + 1023) / 1024 } ?? 1) }
        var lines = [
            "Package: \(package.name)",
            "Version: \(debianVersion(package))",
            "Architecture: \(arch)",
            "Maintainer: \(package.maintainer)",
            "Installed-Size: \(kib)",
        ]
        if !package.depends.isEmpty { lines.append("Depends: \(package.depends.joined(separator: ", "))") }
        if !package.recommends.isEmpty { lines.append("Recommends: \(package.recommends.joined(separator: ", "))") }
        lines += ["Section: utils", "Priority: optional"]
        if let homepage = package.homepage { lines.append("Homepage: \(homepage)") }
        lines.append("Description: \(package.summary)")
        // The extended description (policy 5.6.13): every line starts with a space; an empty line is " .".
        for line in package.description.split(separator: "\n", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) })
            .dropLast(while: \.isEmpty) {
            lines.append(line.isEmpty ? " ." : " " + line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `/usr/share/doc/<name>/copyright` and `changelog.Debian.gz` (unless the package brings its own copyright), and
    /// the lintian overrides file.
    static func documentation(_ package: LinuxPackage) -> [PackageFile] {
        let doc = "/usr/share/doc/\(package.name)/"
        var out: [PackageFile] = []
        if !package.lintianOverrides.isEmpty {
            // Debian's place for a package's lintian overrides (lintian's manual, "Overrides").
            out.append(PackageFile(path: "/usr/share/lintian/overrides/\(package.name)", mode: 0o644,
                                   contents: Data(package.lintianOverrides.map { $0 + "\n" }.joined().utf8)))
        }
        if !package.files.contains(where: { $0.path == doc + "copyright" }) {
            let copyright = "\(package.name) \(package.version)\n\nLicense: \(package.license)\n"
            out.append(PackageFile(path: doc + "copyright", mode: 0o644, contents: Data(copyright.utf8), doc: true))
        }
        let changelog = """
            \(package.name) (\(debianVersion(package))) unstable; urgency=medium

              * Release \(package.version).

             -- \(package.maintainer)  \(rfc2822(package.modificationTime))

            """
        if let gz = try? ReproducibleArchive.gzip(Data(changelog.utf8), path: "changelog.Debian.gz") {
            out.append(PackageFile(path: doc + "changelog.Debian.gz", mode: 0o644, contents: gz, doc: true))
        }
        return out
    }

    /// `Thu, 03 Dec 2026 10:00:00 +0000` (policy 4.4: the changelog's date, as `date -R` writes it).
    static func rfc2822(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

extension Array {
    func prepending(_ element: Element) -> [Element] { [element] + self }
}

extension Sequence {
    /// The elements without the trailing run that satisfies `predicate`.
    func dropLast(while predicate: (Element) -> Bool) -> [Element] {
        var items = Array(self)
        while let last = items.last, predicate(last) { items.removeLast() }
        return items
    }
}
