// FileSource: a ByteSource over a file on disk, read with pread(2); the only platform-specific file.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Owns an open file descriptor and closes it when the last `FileSource` copy goes away.
private final class FileDescriptor: Sendable {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
    deinit { _ = close(fd) }
}

/// The last few 4 KiB blocks of a file that small reads fell in. Parsers read tables field by field (a PE
/// import directory is hundreds of 1- and 8-byte reads, a string a byte at a time); served from here, one
/// `pread` fetches a block instead of one per field, and a file that shrinks is still a thrown error, never
/// the SIGBUS a memory map would give.
private final class BlockCache: Sendable {
    static let blockSize = 4096
    static let capacity = 8
    /// Most recently used last.
    let blocks = Mutex<[(start: Int, bytes: [UInt8])]>([])
}

/// A `ByteSource` over a regular file. Reads are bounded `pread` calls (small ones through a cache of a few
/// blocks); the file is never loaded whole. Directories, devices, FIFOs and sockets are refused when opened.
public struct FileSource: ByteSource {
    private let descriptor: FileDescriptor
    private let cache = BlockCache()
    /// The path the file was opened with.
    public let path: String
    /// The size of the file when it was opened.
    public let count: Int

    /// Opens `path` for reading.
    /// - Throws: `GoBinaryError` with kind `.io`, `.isDirectory` or `.notRegularFile`.
    public init(path: String) throws(GoBinaryError) {
        // O_NONBLOCK keeps open() from waiting on a FIFO; it has no effect on regular files.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            throw GoBinaryError(.io(FileSource.errnoMessage(errno)))
        }
        let descriptor = FileDescriptor(fd)
        var info = stat()
        if fstat(fd, &info) != 0 {
            throw GoBinaryError(.io(FileSource.errnoMessage(errno)))
        }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFDIR { throw GoBinaryError(.isDirectory) }
        if kind != S_IFREG { throw GoBinaryError(.notRegularFile) }
        self.descriptor = descriptor
        self.path = path
        self.count = Int(info.st_size)
    }

    public func bytes(at offset: Int, count: Int) throws(GoBinaryError) -> [UInt8] {
        try checkRead(offset: offset, count: count, available: self.count)
        if count == 0 { return [] }
        let size = BlockCache.blockSize
        let start = offset - offset % size
        guard count <= size / 4, offset + count <= start + size else { return try read(at: offset, count: count) }
        let lo = offset - start
        if let hit = cache.blocks.withLock({ blocks -> [UInt8]? in
            guard let i = blocks.firstIndex(where: { $0.start == start }) else { return nil }
            let block = blocks.remove(at: i)
            blocks.append(block)
            return Array(block.bytes[lo ..< lo + count])
        }) { return hit }
        let block = try read(at: start, count: min(size, self.count - start))
        cache.blocks.withLock { blocks in
            if blocks.count >= BlockCache.capacity { blocks.removeFirst() }
            blocks.append((start, block))
        }
        return Array(block[lo ..< lo + count])
    }

    /// Exactly `count` bytes at `offset`, by pread.
    private func read(at offset: Int, count: Int) throws(GoBinaryError) -> [UInt8] {
        let fd = descriptor.fd
        var failure: Int32 = 0
        var shortAt = -1
        let result = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { shortAt = offset + done; break }  // the file shrank under us
                done += n
            }
            initialized = done
        }
        if failure != 0 { throw GoBinaryError(.io(FileSource.errnoMessage(failure))) }
        if shortAt >= 0 { throw GoBinaryError(.truncated(at: offset, needed: count)) }
        return result
    }

    static func errnoMessage(_ code: Int32) -> String {
        if let text = strerror(code) { return String(cString: text) }
        return "errno \(code)"
    }
}
