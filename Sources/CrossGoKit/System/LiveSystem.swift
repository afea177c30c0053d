// Chooses the live HostSystem for the OS crossgo was built for: the one `#if os` that picks a system (LinuxSystem.swift
// and MacSystem.swift guard only what compiles on their own OS).

/// The system crossgo is running on.
public func liveSystem() -> any HostSystem {
    #if os(macOS)
    return MacSystem()
    #else
    return LinuxSystem()
    #endif
}

/// The user's cache folder by the rules of the OS crossgo runs on (crossgo's caches go in its `crossgo` folder).
public func userCacheDirectory(environment: [String: String]) -> String {
    #if os(macOS)
    return MacSystem.userCacheDirectory(environment: environment)
    #else
    return LinuxSystem.userCacheDirectory(environment: environment)
    #endif
}
