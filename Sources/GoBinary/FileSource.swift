// FileSource: a ByteSource over a file on disk, read with pread(2); the only platform-specific file.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns an open file descriptor and closes it when the last `FileSource` copy goes away.
private final class FileDescriptor: Sendable {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
    deinit { _ = close(fd) }
}

/// A `ByteSource` over a regular file. Reads are bounded `pread` calls; the file is never
/// loaded whole. Directories, devices, FIFOs and sockets are refused when opened.
public struct FileSource: ByteSource {
    private let descriptor: FileDescriptor
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
