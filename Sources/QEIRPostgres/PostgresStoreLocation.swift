import Foundation
public import QEIRBatch

/// Where a ``PostgresJobStore`` lives: a PostgreSQL connection URL and the schema that holds
/// the store's tables.
///
/// The accepted form is libpq's URL form:
///
/// ```
/// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME&sslmode=disable|prefer|require]
/// ```
///
/// `postgresql://` is accepted too. The password may also come from the `PGPASSWORD`
/// environment variable (pass it as `environmentPassword`); user names and passwords may be
/// percent-encoded. The schema (default `qeir`) lets several independent stores share one
/// database. `sslmode` defaults to `prefer` for remote hosts and `disable` for loopback.
///
/// The password is never part of ``description``, of ``redacted`` or of any error this type
/// or the store throws.
public struct PostgresStoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// How the connection uses TLS.
    public enum TLSMode: String, Sendable, Hashable {
        /// Plain TCP (loopback, or a network you trust).
        case disable
        /// TLS when the server offers it, plain TCP otherwise.
        case prefer
        /// TLS or no connection.
        case require
    }

    /// The server's host name or address.
    public var host: String
    /// The server's port (default 5432).
    public var port: Int
    /// The user to connect as.
    public var username: String
    /// The password, if any. Never printed.
    var password: String?
    /// The database.
    public var database: String
    /// The schema holding the store's tables (created when missing).
    public var schema: String
    /// TLS use.
    public var tls: TLSMode

    /// Parses a connection URL.
    ///
    /// - Parameters:
    ///   - url: The URL, for example `postgres://qeir@db.example.org/studies?schema=qe_2026`.
    ///   - environmentPassword: A password to use when the URL has none (for example the value
    ///     of `PGPASSWORD`).
    /// - Throws: ``BatchError`` (``BatchError/Code/invalidValue``) naming the part at fault, with
    ///   the password masked.
    public init(url: String, environmentPassword: String? = nil) throws(BatchError) {
        let shown = Self.redact(url)
        guard let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else {
            throw BatchError(
                .invalidValue,
                "The store URL \(shown) is not a PostgreSQL URL. Write postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.",
                context: ["store": shown])
        }
        guard let host = components.host, !host.isEmpty else {
            throw BatchError(
                .invalidValue, "The store URL \(shown) names no host. Write postgres://USER@HOST/DATABASE.",
                context: ["store": shown])
        }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw BatchError(
                .invalidValue, "The store URL \(shown) names no user. Write postgres://USER@HOST/DATABASE.",
                context: ["store": shown])
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw BatchError(
                .invalidValue,
                "The store URL \(shown) names no database (or more than one path part). Write postgres://USER@HOST/DATABASE.",
                context: ["store": shown])
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? environmentPassword
        self.database = database
        var schema = "qeir"
        var tls: TLSMode = Self.isLoopback(host) ? .disable : .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "schema":
                schema = item.value ?? ""
            case "sslmode":
                switch item.value ?? "" {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default:
                    throw BatchError(
                        .invalidValue,
                        "The store URL \(shown) has sslmode=\(item.value ?? ""). Use disable, prefer or require.",
                        context: ["store": shown, "key": "sslmode"])
                }
            case "application_name", "connect_timeout":
                continue
            default:
                throw BatchError(
                    .invalidValue,
                    "The store URL \(shown) has an unknown parameter \(item.name). Known: schema, sslmode.",
                    context: ["store": shown, "key": item.name])
            }
        }
        guard Self.isValidSchema(schema) else {
            throw BatchError(
                .invalidValue,
                "The schema \"\(schema)\" in the store URL \(shown) is not a plain identifier. Use lower-case letters, digits and underscores, starting with a letter or underscore, at most 63 characters.",
                context: ["store": shown, "key": "schema"])
        }
        self.schema = schema
        self.tls = tls
    }

    /// Whether `text` looks like a PostgreSQL URL (`postgres://` or `postgresql://`).
    ///
    /// - Parameter text: A store argument.
    public static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// The URL without its password: `postgres://USER@HOST:PORT/DATABASE?schema=NAME`.
    public var redacted: String {
        "postgres://\(username)@\(host):\(port)/\(database)?schema=\(schema)"
    }

    /// The same as ``redacted``: a location prints without its password.
    public var description: String { redacted }

    /// Compares locations, password included.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.host == rhs.host && lhs.port == rhs.port && lhs.username == rhs.username && lhs.password == rhs.password
            && lhs.database == rhs.database && lhs.schema == rhs.schema && lhs.tls == rhs.tls
    }

    /// Hashes the location without its password.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(redacted)
    }

    /// The same location with another schema.
    ///
    /// - Parameter schema: A plain identifier.
    /// - Returns: The new location.
    /// - Throws: ``BatchError`` when `schema` is not a plain identifier.
    public func withSchema(_ schema: String) throws(BatchError) -> Self {
        guard Self.isValidSchema(schema) else {
            throw BatchError(
                .invalidValue,
                "The schema \"\(schema)\" is not a plain identifier. Use lower-case letters, digits and underscores.",
                context: ["key": "schema"])
        }
        var copy = self
        copy.schema = schema
        return copy
    }

    /// `text` with the password of a URL in it replaced by `***` (best effort on any string).
    ///
    /// - Parameter text: A URL or a message that may hold one.
    /// - Returns: The masked text.
    public static func redact(_ text: String) -> String {
        // postgres://user:secret@host → postgres://user:***@host, wherever it appears.
        var result = ""
        var rest = Substring(text)
        while let schemeRange = rest.range(of: "://") {
            result += rest[..<schemeRange.upperBound]
            rest = rest[schemeRange.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == " " }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                result += authority[..<colon] + ":***" + authority[at...]
            } else {
                result += authority
            }
            rest = rest[authorityEnd...]
        }
        return result + rest
    }

    static func isValidSchema(_ schema: String) -> Bool {
        guard let first = schema.unicodeScalars.first, schema.unicodeScalars.count <= 63,
            first == "_" || ("a"..."z").contains(first)
        else { return false }
        return schema.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
