// Chooses the live HostSystem for the OS crossgo was built for. The only `#if os` in the system layer.

/// The system crossgo is running on.
public func liveSystem() -> any HostSystem {
    #if os(macOS)
    return MacSystem()
    #else
    return LinuxSystem()
    #endif
}
