// OCI images without Docker: per linux artifact a gzip'd tar layer holding the program, an image config and an image
// manifest, then one multi-arch image index over them — written as an OCI image layout (oci-layout, index.json,
// blobs/sha256/...). Every JSON document is encoded with sorted keys and no whitespace, the layer with the archive
// writer's fixed tar headers and gzip framing, so the same commit gives the same digests on every machine.
import Foundation

/// The media types of the OCI image spec that crossgo writes.
enum OCIMediaType {
    static let index = "application/vnd.oci.image.index.v1+json"
    static let manifest = "application/vnd.oci.image.manifest.v1+json"
    static let config = "application/vnd.oci.image.config.v1+json"
    static let layerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    static let layerTar = "application/vnd.oci.image.layer.v1.tar"
    /// Docker's schema 2 types, accepted in a base layout (they have the same JSON shape).
    static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    static let dockerIndex = "application/vnd.docker.distribution.manifest.list.v2+json"
    static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
}

/// An image's platform, as an index entry and a config name it.
public struct OCIPlatform: Sendable, Codable, Equatable, Hashable {
    public var architecture: String
    public var os: String
    public var variant: String?

    /// `linux/arm/v7`.
    public var name: String { "\(os)/\(architecture)" + (variant.map { "/\($0)" } ?? "") }

    /// The platform of a Go target: GOARCH as the architecture, GOARM 5/6/7 as the variant v5/v6/v7; GOAMD64 and the
    /// other levels are not part of an OCI platform (an image index cannot tell linux/amd64/v3 from linux/amd64).
    static func of(goos: String, goarch: String, goarm: String?) -> OCIPlatform {
        var platform = OCIPlatform(architecture: goarch, os: goos)
        if goarch == "arm", let goarm, let digit = goarm.first, digit.isNumber { platform.variant = "v\(digit)" }
        return platform
    }
}

/// A content descriptor: what a manifest or index says of a blob.
struct OCIDescriptor: Codable, Equatable {
    var mediaType: String
    var digest: String
    var size: Int
    var platform: OCIPlatform?
    var annotations: [String: String]?
}

/// An image manifest (and, with `manifests`, an image index: one type reads both from a base layout).
struct OCIManifest: Codable, Equatable {
    var schemaVersion = 2
    var mediaType: String?
    var config: OCIDescriptor?
    var layers: [OCIDescriptor]?
    var manifests: [OCIDescriptor]?
    var annotations: [String: String]?
}

/// An image config: the parts crossgo writes, and the parts of a base image's config it carries over. Properties are
/// named as the spec's JSON keys (`Entrypoint`, `diff_ids`), which the encoder writes as they are.
struct OCIImageConfig: Codable, Equatable {
    struct Settings: Codable, Equatable {
        var User: String?
        var Env: [String]?
        var Entrypoint: [String]?
        var Cmd: [String]?
        var WorkingDir: String?
        var Labels: [String: String]?
    }
    struct RootFS: Codable, Equatable {
        var type = "layers"
        var diff_ids: [String] = []
    }
    struct History: Codable, Equatable {
        var created: String?
        var created_by: String?
        var comment: String?
        var empty_layer: Bool?
    }

    var created: String?
    var architecture: String
    var os: String
    var variant: String?
    var config: Settings?
    var rootfs: RootFS
    var history: [History]?
}

/// The JSON of OCI documents: sorted keys, no whitespace, `/` unescaped — one byte sequence per value.
enum OCIJSON {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data, what: String) throws -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw UsageError("\(what): not an OCI document (\(jsonProblem(error)))")
        }
    }
}

/// `sha256:<hex>` of bytes.
func ociDigest(_ data: Data) -> String { "sha256:" + sha256Hex(data) }

/// One file the image's layer holds besides the program.
struct OCILayerFile: Sendable, Equatable {
    /// Absolute path in the image, e.g. /etc/hello/hello.conf.
    var path: String
    var mode: Int
    var contents: Data
}

/// A base image's layers and settings for one platform, read from a local OCI layout.
struct OCIBase: Sendable {
    /// (descriptor JSON of the layer, the blob's bytes).
    var layers: [(mediaType: String, digest: String, size: Int, blob: Data)]
    var diffIDs: [String]
    var user: String?
    var env: [String]?
    var workingDir: String?
    var labels: [String: String]?
    var history: [(created: String?, createdBy: String?, comment: String?, emptyLayer: Bool?)]
}

/// A local OCI image layout used as a base: every image reachable from its index.json, by platform.
struct OCIBaseLayout: Sendable {
    var folder: String
    var images: [OCIPlatform: OCIBase]

    /// Reads the layout at `folder`: index.json, the manifests (through nested indexes) and their configs; every blob's
    /// digest is checked. A usage error naming the folder when it is not a readable layout.
    static func read(_ folder: String, system: any HostSystem) throws -> OCIBaseLayout {
        func blob(_ digest: String) throws -> Data {
            let parts = digest.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0] == "sha256", parts[1].count == 64, parts[1].allSatisfy(\.isHexDigit) else {
                throw UsageError("image.base \(folder): digest \(digest) is not sha256")
            }
            guard let data = system.readData("\(folder)/blobs/sha256/\(parts[1])") else {
                throw UsageError("image.base \(folder): blob \(digest) is missing")
            }
            guard ociDigest(data) == digest else { throw UsageError("image.base \(folder): blob \(digest) does not have that digest") }
            return data
        }
        guard system.fileExists(folder + "/oci-layout"), let top = system.readData(folder + "/index.json") else {
            throw UsageError("image.base \(folder): not an OCI image layout (no oci-layout and index.json)")
        }
        var images: [OCIPlatform: OCIBase] = [:]
        var pending = try OCIJSON.decode(OCIManifest.self, top, what: "image.base \(folder)/index.json").manifests ?? []
        var seen = 0
        while !pending.isEmpty, seen < 256 {
            let entry = pending.removeFirst()
            seen += 1
            let data = try blob(entry.digest)
            let document = try OCIJSON.decode(OCIManifest.self, data, what: "image.base \(folder): \(entry.digest)")
            if let nested = document.manifests { pending += nested; continue }
            guard let configDescriptor = document.config else { continue }
            let config = try OCIJSON.decode(OCIImageConfig.self, try blob(configDescriptor.digest), what: "image.base \(folder): config \(configDescriptor.digest)")
            let platform = OCIPlatform(architecture: config.architecture, os: config.os, variant: config.variant)
            if images[platform] != nil { continue }
            let layers = try (document.layers ?? []).map { layer in
                let known = [OCIMediaType.layerGzip, OCIMediaType.layerTar, OCIMediaType.dockerLayerGzip]
                guard known.contains(layer.mediaType) else {
                    throw UsageError("image.base \(folder): layer \(layer.digest) is \(layer.mediaType) (crossgo takes tar and tar+gzip layers)")
                }
                return (mediaType: layer.mediaType == OCIMediaType.dockerLayerGzip ? OCIMediaType.layerGzip : layer.mediaType,
                        digest: layer.digest, size: layer.size, blob: try blob(layer.digest))
            }
            guard layers.count == config.rootfs.diff_ids.count else {
                throw UsageError("image.base \(folder): \(entry.digest) has \(layers.count) layer(s) but its config \(config.rootfs.diff_ids.count) diff_ids")
            }
            images[platform] = OCIBase(layers: layers, diffIDs: config.rootfs.diff_ids, user: config.config?.User, env: config.config?.Env,
                                       workingDir: config.config?.WorkingDir, labels: config.config?.Labels,
                                       history: (config.history ?? []).map { ($0.created, $0.created_by, $0.comment, $0.empty_layer) })
        }
        guard !images.isEmpty else { throw UsageError("image.base \(folder): its index.json leads to no image") }
        return OCIBaseLayout(folder: folder, images: images)
    }
}

/// What goes into one platform's image.
struct OCIImageRequest: Sendable {
    var platform: OCIPlatform
    /// The program's path in the image (/usr/local/bin/hello) and its bytes.
    var programPath: String
    var program: Data
    var files: [OCILayerFile]
    /// Entrypoint arguments after the program.
    var arguments: [String]
    var labels: [String: String]
    /// Seconds since 1970: every tar entry's time and the config's `created`.
    var epoch: Int64
    var base: OCIBase?
}

/// One platform's image, made in memory: its blobs by digest, and the manifest's descriptor.
struct OCIPlatformImage: Sendable {
    var platform: OCIPlatform
    var manifest: (digest: String, size: Int)
    var config: String
    var layer: String
    var diffID: String
    /// Every blob it needs (base layers included), by digest.
    var blobs: [String: Data]
    /// The blobs in the order a registry needs them: layers, config, then the manifest.
    var order: [String]
}

/// Makes layers, configs, manifests, the index and the layout.
enum OCIImageWriter {
    static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The layer's uncompressed tar: the program and the extra files, with every folder above them (0755), sorted by
    /// name, owned by 0/0, dated `epoch`, as the release archives are written.
    static func layerTar(program: (path: String, contents: Data), files: [OCILayerFile], epoch: Int64) throws -> Data {
        var entries: [String: ReproducibleArchive.TarMember] = [:]
        for file in [OCILayerFile(path: program.path, mode: 0o755, contents: program.contents)] + files {
            let name = String(file.path.drop { $0 == "/" })
            guard entries[name] == nil else { throw UsageError("image: \(file.path) is in the image twice") }
            entries[name] = ReproducibleArchive.TarMember(name: name, mode: file.mode, contents: file.contents)
            var folder = (name as NSString).deletingLastPathComponent
            while !folder.isEmpty {
                entries[folder + "/"] = ReproducibleArchive.TarMember(name: folder + "/", mode: 0o755, contents: nil)
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        let sorted = entries.values.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        return ReproducibleArchive.tar(sorted, mtime: epoch)
    }

    /// One platform's layer, config and manifest.
    static func image(_ request: OCIImageRequest) throws -> OCIPlatformImage {
        let tar = try layerTar(program: (request.programPath, request.program), files: request.files, epoch: request.epoch)
        let layer = try ReproducibleArchive.gzip(tar, path: request.programPath)
        let diffID = ociDigest(tar)
        let created = SourceFacts.rfc3339(request.epoch)
        let base = request.base
        var labels = base?.labels ?? [:]
        labels.merge(request.labels) { $1 }
        var history = (base?.history ?? []).map { OCIImageConfig.History(created: $0.created, created_by: $0.createdBy, comment: $0.comment, empty_layer: $0.emptyLayer) }
        history.append(.init(created: created, created_by: "crossgo release", comment: "\(request.programPath) and \(request.files.count) file(s)"))
        let config = OCIImageConfig(
            created: created, architecture: request.platform.architecture, os: request.platform.os, variant: request.platform.variant,
            config: .init(User: base?.user, Env: base?.env ?? ["PATH=" + path], Entrypoint: [request.programPath] + request.arguments,
                          WorkingDir: base?.workingDir ?? "/", Labels: labels.isEmpty ? nil : labels),
            rootfs: .init(diff_ids: (base?.diffIDs ?? []) + [diffID]), history: history)
        let configData = try OCIJSON.encode(config)
        var blobs: [String: Data] = [:]
        var order: [String] = []
        var layers: [OCIDescriptor] = []
        for baseLayer in base?.layers ?? [] {
            layers.append(OCIDescriptor(mediaType: baseLayer.mediaType, digest: baseLayer.digest, size: baseLayer.size))
            blobs[baseLayer.digest] = baseLayer.blob
            order.append(baseLayer.digest)
        }
        let layerDigest = ociDigest(layer)
        layers.append(OCIDescriptor(mediaType: OCIMediaType.layerGzip, digest: layerDigest, size: layer.count))
        blobs[layerDigest] = layer
        order.append(layerDigest)
        let configDigest = ociDigest(configData)
        blobs[configDigest] = configData
        order.append(configDigest)
        let manifest = OCIManifest(mediaType: OCIMediaType.manifest,
                                   config: OCIDescriptor(mediaType: OCIMediaType.config, digest: configDigest, size: configData.count), layers: layers)
        let manifestData = try OCIJSON.encode(manifest)
        let manifestDigest = ociDigest(manifestData)
        blobs[manifestDigest] = manifestData
        order.append(manifestDigest)
        return OCIPlatformImage(platform: request.platform, manifest: (manifestDigest, manifestData.count), config: configDigest, layer: layerDigest,
                                diffID: diffID, blobs: blobs, order: order)
    }

    /// The multi-arch image index over the platforms' manifests, in the order given.
    static func index(_ images: [OCIPlatformImage]) throws -> Data {
        try OCIJSON.encode(OCIManifest(mediaType: OCIMediaType.index, manifests: images.map {
            OCIDescriptor(mediaType: OCIMediaType.manifest, digest: $0.manifest.digest, size: $0.manifest.size, platform: $0.platform)
        }))
    }

    /// Writes the layout into `folder` (replacing it): `oci-layout`, every blob, and `index.json` naming the image index
    /// once per tag (`org.opencontainers.image.ref.name`, as skopeo's and umoci's `DIR:TAG` look it up). Written in a
    /// temporary sibling and renamed into place; returns the paths written, relative to `folder`.
    static func writeLayout(_ images: [OCIPlatformImage], index: Data, tags: [String], to folder: String, system: any HostSystem) throws -> [String] {
        let indexDigest = ociDigest(index)
        var blobs: [String: Data] = [indexDigest: index]
        for image in images { blobs.merge(image.blobs) { first, _ in first } }
        let top = OCIManifest(mediaType: OCIMediaType.index, manifests: tags.map {
            OCIDescriptor(mediaType: OCIMediaType.index, digest: indexDigest, size: index.count, annotations: ["org.opencontainers.image.ref.name": $0])
        })
        let parent = (folder as NSString).deletingLastPathComponent
        let temp = parent + "/" + Builder.partialPrefix + (folder as NSString).lastPathComponent + "-\(ProcessInfo.processInfo.processIdentifier)"
        try? system.removeItem(temp)
        do {
            try system.createDirectory(temp + "/blobs/sha256")
            var written = ["oci-layout", "index.json"]
            try system.writeData(Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: temp + "/oci-layout")
            try system.writeData(OCIJSON.encode(top), to: temp + "/index.json")
            for (digest, data) in blobs.sorted(by: { $0.key < $1.key }) {
                let name = "blobs/sha256/" + digest.dropFirst("sha256:".count)
                try system.writeData(data, to: temp + "/" + name)
                written.append(name)
            }
            try? system.removeItem(folder)
            try system.moveItem(temp, to: folder)
            return written.sorted()
        } catch {
            try? system.removeItem(temp)
            throw EnvironmentError("\(folder): cannot write the image layout: \(error.localizedDescription)")
        }
    }
}
