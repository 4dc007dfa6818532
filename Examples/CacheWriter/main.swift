// qeir-cache-writer: writes and reads FRED cache entries, so tests can drive a second process
// against the same SQLite file.
//
//     qeir-cache-writer <cache.sqlite> <prefix> <count>
//
// Stores `count` entries keyed `series_id=<prefix>-<i>` whose body is `<prefix>-<i>|` repeated
// 500 times, reading each back right after writing it. Prints `ok <count>` and exits 0, or
// prints the error and exits 1.
import Foundation
import QEIRData

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: qeir-cache-writer <cache.sqlite> <prefix> <count>\n".utf8))
    exit(2)
}
let prefix = arguments[2]

func body(_ prefix: String, _ i: Int) -> Data {
    Data(String(repeating: "\(prefix)-\(i)|", count: 500).utf8)
}

do {
    let cache = try FREDResponseCache(configuration: FREDCacheConfiguration(path: URL(fileURLWithPath: arguments[1])))
    let now = Date()
    for i in 0..<count {
        let key = FREDCacheKey(
            path: "fred/series/observations", parameters: ["series_id": "\(prefix)-\(i)", "api_key": "unused"])
        try await cache.put(key, body: body(prefix, i), fetchedAt: now)
        guard let back = try await cache.get(key, now: now), back.body == body(prefix, i) else {
            print("entry \(key) did not read back intact")
            exit(1)
        }
    }
    print("ok \(count)")
} catch {
    print("\(error)")
    exit(1)
}
