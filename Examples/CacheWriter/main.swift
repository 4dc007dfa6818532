// qeir-cache-writer: writes and reads FRED cache entries, so tests can drive a second process
// against the same SQLite file.
//
//     qeir-cache-writer <cache.sqlite> <prefix> <count> [pause-ms]
//
// Stores `count` entries keyed `series_id=<prefix>-<i>` whose body is `<prefix>-<i>|` repeated
// 500 times, reading each back right after writing it, pausing `pause-ms` milliseconds between
// entries (so that a test can be sure the two processes overlap). Prints `ok <count>` and, on a
// second line, `span <start> <end>` (milliseconds since 1970 of the first write and the last
// read), and exits 0; or prints the error and exits 1.
import Foundation
import QEIRData

let arguments = CommandLine.arguments
guard arguments.count == 4 || arguments.count == 5, let count = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: qeir-cache-writer <cache.sqlite> <prefix> <count> [pause-ms]\n".utf8))
    exit(2)
}
let pause = arguments.count == 5 ? Int(arguments[4]) ?? 0 : 0
let prefix = arguments[2]

func body(_ prefix: String, _ i: Int) -> Data {
    Data(String(repeating: "\(prefix)-\(i)|", count: 500).utf8)
}

do {
    let cache = try FREDResponseCache(configuration: FREDCacheConfiguration(path: URL(fileURLWithPath: arguments[1])))
    let now = Date()
    let started = Date()
    for i in 0..<count {
        let key = FREDCacheKey(
            path: "fred/series/observations", parameters: ["series_id": "\(prefix)-\(i)", "api_key": "unused"])
        try await cache.put(key, body: body(prefix, i), fetchedAt: now)
        guard let back = try await cache.get(key, now: now), back.body == body(prefix, i) else {
            print("entry \(key) did not read back intact")
            exit(1)
        }
        if pause > 0 { try await Task.sleep(for: .milliseconds(pause)) }
    }
    print("ok \(count)")
    print("span \(Int(started.timeIntervalSince1970 * 1000)) \(Int(Date().timeIntervalSince1970 * 1000))")
} catch {
    print("\(error)")
    exit(1)
}
