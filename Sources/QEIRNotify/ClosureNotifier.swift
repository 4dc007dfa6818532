/// A ``Notifier`` that hands each notification to a closure: for in-process consumers (a UI, a
/// test, a metrics counter) and for adapting another delivery library.
public struct ClosureNotifier: Notifier {
    /// The name given at creation.
    public let name: String
    private let body: @Sendable (NotifyMessage) async throws -> Void

    /// Creates a notifier.
    /// - Parameters:
    ///   - name: the name in logs and reports (default `closure`).
    ///   - body: called once per notification; a thrown ``NotifyError`` is passed on as it is,
    ///     any other error becomes ``NotifyError/Code/deliveryFailed`` with the error's
    ///     description in the message — so it must not describe secrets.
    public init(name: String = "closure", _ body: @escaping @Sendable (NotifyMessage) async throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Calls the closure.
    /// - Parameter n: the notification.
    /// - Throws: the closure's ``NotifyError``, ``NotifyError/Code/cancelled`` for a
    ///   `CancellationError`, or ``NotifyError/Code/deliveryFailed`` for any other error.
    public func send(_ n: NotifyMessage) async throws(NotifyError) {
        do {
            try await body(n)
        } catch let error as NotifyError {
            throw error
        } catch is CancellationError {
            throw NotifyError(
                .cancelled, "Notifier \(name) was cancelled before the closure finished.", context: ["notifier": name])
        } catch {
            throw NotifyError(
                .deliveryFailed, "Notifier \(name): the closure failed: \(error)", context: ["notifier": name])
        }
    }
}
