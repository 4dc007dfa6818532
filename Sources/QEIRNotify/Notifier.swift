/// Delivers ``NotifyMessage``s to one destination: a mailbox, a webhook, a closure, a stream.
///
/// Implementations are value types or actors that can be shared across tasks. `send` either
/// delivers the notification or throws a ``NotifyError`` that names the notifier and host and
/// says what to do — never a password, a signing secret or a tokenised URL. Retries, if any,
/// happen inside `send`; rate limiting and fan-out belong to ``NotifierFanOut``.
public protocol Notifier: Sendable {
    /// A short name for logs and delivery reports, such as `smtp` or `ops-webhook`.
    var name: String { get }

    /// Delivers one notification.
    /// - Parameter n: the notification.
    /// - Throws: ``NotifyError`` when it could not be delivered (``NotifyError/Code/cancelled``
    ///   when the task was cancelled).
    func send(_ n: NotifyMessage) async throws(NotifyError)
}
