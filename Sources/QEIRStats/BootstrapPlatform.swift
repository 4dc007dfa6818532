// The only platform-dependent code of the bootstrap: the number of active cores, used as the
// default number of worker tasks. QEIRStats does not import Foundation, so it asks libc.
#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#elseif canImport(Darwin)
    internal import Darwin
#endif

enum BootstrapPlatform {
    /// The number of processors currently online (at least 1).
    static var activeProcessorCount: Int {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
            return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
            return 1
        #endif
    }
}
