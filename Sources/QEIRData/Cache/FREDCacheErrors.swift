extension DataError.Code {
    /// Offline mode was asked for a FRED response that is not in the cache.
    public static let offlineCacheMiss = DataError.Code(rawValue: "offline_cache_miss")
    /// The cache file is not a SQLite database QEIR can read (corrupt, truncated, or foreign).
    public static let corruptCache = DataError.Code(rawValue: "corrupt_cache")
    /// The cache file or its directory cannot be created, opened, read or written
    /// (permissions, a full disk, or another process holding the lock too long).
    public static let cacheUnavailable = DataError.Code(rawValue: "cache_unavailable")
}
