/// A secret a notifier needs — an SMTP password, a webhook signing secret — that must never be
/// printed.
///
/// Its `description`, `debugDescription` and reflection (`dump`, `Mirror`) are all redacted,
/// so a configuration holding it can be interpolated, dumped or logged without leaking it.
/// Only the notifiers of this module read the value.
public struct NotifierSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The secret itself.
    let value: String

    /// Wraps a secret.
    /// - Parameter value: the secret text, used exactly as given.
    public init(_ value: String) {
        self.value = value
    }

    /// Whether the secret is the empty string.
    public var isEmpty: Bool { value.isEmpty }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }

    /// Always `NotifierSecret(<redacted>)`.
    public var debugDescription: String { "NotifierSecret(<redacted>)" }

    /// A mirror without children, so `dump` and reflection show nothing of the value.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
