// The release's image and push stages: an OCI image per linux artifact and one multi-arch index over them, written as
// an OCI image layout in the release folder (`--image REF`, or `image:` in crossgo.yaml), then, with `--push`,
// uploaded to the registry. Both run before the checksums stage: every file of the layout is listed in release.json,
// in the checksums file and under its signature, and release.json records the digests and what was pushed.
import Foundation

/// `image:` in crossgo.yaml.
public struct ImageConfig: Sendable, Equatable {
    /// `registry/name`, where `--push` uploads (`--image` replaces it).
    public var repository: String?
    /// Tag templates (`{{.Version}}` 1.2.3, `{{.Tag}}` v1.2.3, `{{.Major}}` 1, `{{.Minor}}` 2, `{{.Commit}}`, `{{.ShortCommit}}`);
    /// default `{{.Version}}`.
    public var tags: [String]?
    /// `scratch` (default) or a local OCI image layout folder, relative to crossgo.yaml.
    public var base: String?
    /// The program the image runs, when the release has several.
    public var binary: String?
    /// Extra files: source relative to crossgo.yaml, absolute destination in the image, mode (default 0644).
    public var files: [PackageFileSpec] = []
    /// Copy this machine's CA bundle to /etc/ssl/certs/ca-certificates.crt.
    public var caCertificates = false
    /// Entrypoint arguments after the program.
    public var arguments: [String] = []
    public var labels: [String: String] = [:]
    public var line: Int?

    public init() {}

    static let fields = ["Version", "Tag", "Major", "Minor", "Commit", "ShortCommit"]
    /// Where the program is in the image.
    static let programFolder = "/usr/local/bin/"
    /// Where `ca-certificates: true` puts the CA bundle (the path Go's crypto/x509 reads first on Linux).
    static let caBundlePath = "/etc/ssl/certs/ca-certificates.crt"

    /// Why a tag template is not usable, or nil.
    static func tagTemplateProblem(_ template: String) -> String? {
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { return "\(template): an unclosed {{" }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard name.hasPrefix("."), fields.contains(String(name.dropFirst())) else {
                return "\(template): unknown field {{\(name)}} (known: \(fields.map { "{{.\($0)}}" }.joined(separator: ", ")))"
            }
            rest = rest[close.upperBound...]
        }
        return nil
    }

    /// A tag template filled in.
    static func expand(_ template: String, version: String, facts: SourceFacts) -> String {
        let numbers = version.split(separator: "-").first?.split(separator: ".").map(String.init) ?? []
        let commit = facts.commit ?? "none"
        var out = template
        for (name, value) in [("Version", version), ("Tag", facts.tag ?? "v" + version), ("Major", numbers.first ?? version),
                              ("Minor", numbers.count > 1 ? numbers[1] : "0"), ("Commit", commit), ("ShortCommit", String(commit.prefix(12)))] {
            out = out.replacingOccurrences(of: "{{.\(name)}}", with: value).replacingOccurrences(of: "{{ .\(name) }}", with: value)
        }
        return out
    }
}

/// What release.json records of the image: the layout, the index and each platform's manifest by digest, and what
/// was pushed (only what the registry accepted).
public struct ReleaseImage: Sendable, Codable, Equatable {
    /// The layout's folder, relative to the release folder.
    public var layout: String
    /// `registry/name` when one was given.
    public var repository: String?
    public var tags: [String]
    /// The multi-arch image index's digest.
    public var index: String
    public var platforms: [ReleaseImagePlatform]
    /// The base: "scratch" or the layout folder's name.
    public var base: String
    /// References the registry accepted (`registry/name:tag`, and `registry/name@<index digest>`); nil when not pushed.
    public var pushed: [String]?
}

/// One platform of the image.
public struct ReleaseImagePlatform: Sendable, Codable, Equatable {
    /// The Go target ("linux/arm/7").
    public var target: String
    /// The OCI platform ("linux/arm/v7").
    public var platform: String
    /// The artifact the layer holds, relative to the release folder.
    public var artifact: String
    /// Its path in the image.
    public var path: String
    public var manifest: String
    public var config: String
    /// crossgo's layer (compressed) and its diff_id (the sha256 of the uncompressed tar).
    public var layer: String
    public var diffID: String
}

/// The image settings of one release, resolved from `--image`, `--push` and `image:` before anything is built.
struct ImageSettings: Sendable {
    var config: ImageConfig
    var reference: ImageReference?
    var push: Bool
    var configFolder: String

    /// nil when no image is asked for; a usage error for a reference that cannot be pushed to, or `--push` without one.
    static func resolve(image: String?, push: Bool, config: BuildConfig?, moduleRoot: String, system: any HostSystem) throws -> ImageSettings? {
        let file = config?.file ?? moduleRoot + "/" + BuildConfig.fileName
        guard image != nil || config?.image != nil else {
            if push { throw UsageError("--push: there is no image to push (give --image REGISTRY/NAME, or image.repository in crossgo.yaml)") }
            return nil
        }
        var settings = ImageSettings(config: config?.image ?? ImageConfig(), reference: nil, push: push,
                                     configFolder: (file as NSString).deletingLastPathComponent)
        if let image {
            settings.reference = try ImageReference.parse(image, what: "--image")
            settings.config.repository = settings.reference?.name
        } else if let repository = settings.config.repository {
            settings.reference = try ImageReference.parse(repository, what: "image.repository")
        }
        if push, settings.reference == nil {
            throw ConfigError(file: file, line: settings.config.line, key: "image.repository",
                              message: "missing: --push needs a registry and a name (or give --image REGISTRY/NAME)")
        }
        if let base = settings.basePath { _ = try OCIBaseLayout.read(base, system: system) }
        return settings
    }

    /// The base layout's folder, nil for scratch.
    var basePath: String? {
        guard let base = config.base, base != "scratch" else { return nil }
        return absolutePath(base, against: configFolder)
    }

    /// The tags: `--image`'s own tag, else image.tags filled in, else the version.
    func tags(version: String, facts: SourceFacts) -> [String] {
        if let tag = reference?.tag { return [tag] }
        var out: [String] = []
        for template in config.tags ?? ["{{.Version}}"] {
            let tag = ImageConfig.expand(template, version: version, facts: facts)
            if !out.contains(tag) { out.append(tag) }
        }
        return out
    }
}

/// The images a release made, kept in memory for the push stage.
struct MadeImages: Sendable {
    var images: [OCIPlatformImage]
    var index: Data
    var tags: [String]
}

extension ReleaseSession {
    /// What one image job made, or why it could not.
    private enum Imaged: Sendable {
        case made(OCIPlatformImage, Artifact)
        case failure(ReleaseFailure)
    }

    func images(_ work: ReleaseWork, settings: ImageSettings?, facts: SourceFacts) async -> ReleaseStep.Result {
        guard let settings else { return .skipped("not asked for (--image REGISTRY/NAME, or image: in crossgo.yaml)") }
        let linux = work.artifacts.filter { $0.goos == "linux" }
        guard !linux.isEmpty else { return .skipped("no linux artifact to put in an image") }
        let programs = Set(linux.map(\.binary)).sorted()
        let binary: String
        if let chosen = settings.config.binary {
            guard programs.contains(chosen) else { return .failed("image.binary \(chosen) is not a released linux program (\(programs.joined(separator: ", ")))") }
            binary = chosen
        } else {
            guard programs.count == 1 else {
                return .failed("\(programs.count) programs are released (\(programs.joined(separator: ", "))): set image.binary to the one the image runs")
            }
            binary = programs[0]
        }
        // One image per OCI platform: a target without a level (linux/amd64) before its levels (linux/amd64/v3), which
        // the platform cannot tell apart.
        let ordered = linux.filter { $0.binary == binary }.sorted { a, b in
            if (a.variant == nil) != (b.variant == nil) { return a.variant == nil }
            return a.target < b.target
        }
        var chosen: [(Artifact, OCIPlatform)] = []
        var skipped: [String] = []
        for artifact in ordered {
            let platform = OCIPlatform.of(goos: artifact.goos, goarch: artifact.goarch,
                                          goarm: artifact.settings["GOARM"] ?? (artifact.goarch == "arm" ? artifact.variant : nil))
            if let first = chosen.first(where: { $0.1 == platform }) {
                skipped.append(artifact.target)
                context.reporter.report(.notice("no image for \(artifact.target): \(first.0.target) has the \(platform.name) image", level: "info"))
                continue
            }
            chosen.append((artifact, platform))
        }
        // The layer's other files, read once; a missing CA bundle is a failure, not a silently smaller image.
        var files: [OCILayerFile] = []
        do {
            for spec in settings.config.files {
                guard let data = context.system.readData(settings.configFolder + "/" + spec.source) else {
                    throw EnvironmentError("image.files: \(spec.source): cannot read")
                }
                files.append(OCILayerFile(path: spec.destination, mode: spec.mode, contents: data))
            }
            if settings.config.caCertificates {
                let candidates = context.system.certificateBundles
                guard let found = candidates.lazy.compactMap({ path in context.system.readData(path).map { (path, $0) } }).first else {
                    throw EnvironmentError("image.ca-certificates: no CA bundle on this machine (looked at \(candidates.joined(separator: ", ")))")
                }
                context.reporter.report(.notice("image: CA bundle from \(found.0) at \(ImageConfig.caBundlePath) (its digest is this machine's)", level: "info"))
                files.append(OCILayerFile(path: ImageConfig.caBundlePath, mode: 0o644, contents: found.1))
            }
        } catch {
            return .failed("\(error)")
        }
        let base: OCIBaseLayout?
        do { base = try settings.basePath.map { try OCIBaseLayout.read($0, system: context.system) } } catch { return .failed("\(error)") }
        let labels = imageLabels(work, settings: settings, facts: facts)
        let (outDir, epoch) = (work.outDir, work.epoch)
        let programPath = ImageConfig.programFolder + binary
        let arguments = settings.config.arguments
        let (layerFiles, platforms) = (files, Dictionary(chosen.map { ($0.0.path, $0.1) }, uniquingKeysWith: { first, _ in first }))
        let runner = MatrixRunner(concurrency: Concurrency.releaseStages, reporter: context.reporter)
        let made = await runner.run(chosen.map { $0.0 }, id: { JobID(item: $0.binary, target: $0.target) }, firstPhase: "image",
                                    work: { (artifact: Artifact, _: JobHandle) -> Imaged in
            let platform = platforms[artifact.path]!
            do {
                guard let program = context.system.readData(outDir + "/" + artifact.path) else {
                    throw EnvironmentError("\(artifact.path): cannot read")
                }
                var baseImage: OCIBase?
                if let base {
                    guard let found = base.images[platform] else {
                        throw UsageError("image.base \(base.folder) has no \(platform.name) image (it has \(base.images.keys.map(\.name).sorted().joined(separator: ", ")))")
                    }
                    baseImage = found
                }
                let image = try OCIImageWriter.image(OCIImageRequest(platform: platform, programPath: programPath, program: program, files: layerFiles,
                                                                     arguments: arguments, labels: labels, epoch: epoch, base: baseImage))
                return .made(image, artifact)
            } catch {
                return .failure(ReleaseFailure(binary: artifact.binary, target: artifact.target, stage: "image", message: "\(error)"))
            }
        }, end: { result in
            switch result {
            case .made(let image, _): JobEnd(status: .passed, summary: "\(image.platform.name): manifest \(image.manifest.digest)")
            case .failure(let failure): JobEnd(status: .failed, summary: failure.message)
            }
        })
        var images: [(OCIPlatformImage, Artifact)] = []
        for result in made.completed {
            switch result {
            case .made(let image, let artifact): images.append((image, artifact))
            case .failure(let failure): work.failed.append(failure)
            }
        }
        if made.interrupted { return .failed("interrupted") }
        guard images.count == chosen.count else { return .failed("\(images.count) of \(chosen.count) platform image(s) made; no index written") }
        // The index lists the platforms in target order, whatever order the jobs ended in.
        images.sort { $0.1.target < $1.1.target }
        let tags = settings.tags(version: work.version, facts: facts)
        if let bad = tags.lazy.compactMap(ImageReference.tagProblem).first { return .failed("image.tags: \(bad)") }
        let layout = "\(work.project)_\(work.version)_oci"
        do {
            let index = try OCIImageWriter.index(images.map(\.0))
            let written = try OCIImageWriter.writeLayout(images.map(\.0), index: index, tags: tags, to: outDir + "/" + layout,
                                                          system: context.system)
            let byDigest = Dictionary(images.flatMap { image, artifact in
                [(image.layer, (artifact, "oci-layer")), (image.config, (artifact, "oci-config")), (image.manifest.digest, (artifact, "oci-manifest"))]
            }, uniquingKeysWith: { first, _ in first })
            for name in written {
                let digest = "sha256:" + (name as NSString).lastPathComponent
                let known = name.hasPrefix("blobs/") ? byDigest[digest] : nil
                let format = known?.1 ?? (digest == ociDigest(index) ? "oci-index" : name.hasPrefix("blobs/") ? "oci-base-layer" : "oci-layout")
                work.files.append(try Self.describe(outDir, layout + "/" + name, kind: .image, target: known?.0.target, binary: binary, format: format,
                                                   covers: known.map { [$0.0.path] }))
            }
            work.madeImages = MadeImages(images: images.map(\.0), index: index, tags: tags)
            work.image = ReleaseImage(layout: layout, repository: settings.reference?.name, tags: tags, index: ociDigest(index),
                                      platforms: images.map { image, artifact in
                                          ReleaseImagePlatform(target: artifact.target, platform: image.platform.name, artifact: artifact.path, path: programPath,
                                                               manifest: image.manifest.digest, config: image.config, layer: image.layer, diffID: image.diffID)
                                      }, base: settings.config.base ?? "scratch", pushed: nil)
            let detail = "\(layout): index \(ociDigest(index)) over \(images.map(\.0.platform.name).joined(separator: ", ")), tag(s) \(tags.joined(separator: ", "))"
                + (skipped.isEmpty ? "" : "; none for \(skipped.joined(separator: ", ")) (same platform)")
            return .done(detail)
        } catch {
            return .failed("\(error)")
        }
    }

    /// The config's labels: org.opencontainers.image.{source,revision,version,created}, then image.labels over them.
    private func imageLabels(_ work: ReleaseWork, settings: ImageSettings, facts: SourceFacts) -> [String: String] {
        var labels = ["org.opencontainers.image.version": work.version, "org.opencontainers.image.created": SourceFacts.rfc3339(work.epoch)]
        if let commit = facts.commit { labels["org.opencontainers.image.revision"] = commit }
        if let repository = facts.remote.flatMap({ ReleaseURL.gitHubRepository(remote: $0) }) {
            labels["org.opencontainers.image.source"] = repository
        }
        labels.merge(settings.config.labels) { $1 }
        return labels
    }

    func push(_ work: ReleaseWork, settings: ImageSettings?) async -> ReleaseStep.Result {
        guard let settings, settings.push else { return .skipped("not asked for (--push)") }
        guard work.everythingPassed else {
            let failedStages = work.stages.filter { $0.status == .failed }.map(\.name)
            return .skipped("not done: " + (failedStages.isEmpty ? "\(work.failed.count) target(s) failed" : "stage(s) \(failedStages.joined(separator: ", ")) failed")
                + ", and a release that failed anywhere is not published")
        }
        // Asked to publish, and nothing to publish: not a success (the image stage said why).
        guard let made = work.madeImages, let reference = settings.reference else { return .failed("no image was made (see the image stage): nothing pushed") }
        let client = RegistryClient(reference: reference, credentials: RegistryCredentials(environment: context.system.environment))
        var pushed: [String] = []
        var uploaded = 0, present = 0
        do {
            var done: Set<String> = []
            for image in made.images {
                for digest in image.order.dropLast() where done.insert(digest).inserted {
                    if try await client.pushBlob(digest, image.blobs[digest]!) { uploaded += 1 } else { present += 1 }
                }
                try await client.pushManifest(image.blobs[image.manifest.digest]!, mediaType: OCIMediaType.manifest, reference: image.manifest.digest)
            }
            let digest = ociDigest(made.index)
            try await client.pushManifest(made.index, mediaType: OCIMediaType.index, reference: digest)
            pushed.append("\(reference.name)@\(digest)")
            for tag in made.tags {
                try await client.pushManifest(made.index, mediaType: OCIMediaType.index, reference: tag)
                pushed.append("\(reference.name):\(tag)")
            }
        } catch {
            work.image?.pushed = pushed
            work.environmentFailed = true
            let tags = pushed.filter { !$0.contains("@") }
            return .failed("\(error); " + (tags.isEmpty ? "no tag pushed" : "pushed only \(tags.joined(separator: ", "))"))
        }
        work.image?.pushed = pushed
        return .done("pushed \(pushed.joined(separator: ", ")) (\(uploaded) blob(s) uploaded, \(present) already there)")
    }
}
