import Foundation
import QEIRMonitor
import QEIRNotify
import Testing

@Suite("Monitor alerts as notifications")
struct MonitorAlertMessageTests {
    @Test("a firing alert keeps its severity and carries key, status, value and threshold; a resolved one is info")
    func mapping() {
        let time = Date(timeIntervalSince1970: 1_750_000_000)
        let firing = Alert(
            key: "disk", status: .firing, severity: .critical, subject: "Disk at 95 %", message: "free space",
            value: 95, threshold: 90, time: time)
        let message = NotifyMessage(firing, batchID: "run-1")
        #expect(message.subject == "[critical] Disk at 95 %")
        #expect(message.severity == .critical)
        #expect(message.batchID == "run-1")
        #expect(message.timestamp == time)
        #expect(
            message.fields == ["alert_key": "disk", "alert_status": "firing", "value": "95.0", "threshold": "90.0"])
        var resolved = firing
        resolved.status = .resolved
        resolved.subject = "Resolved: disk"
        #expect(NotifyMessage(resolved).severity == .info)
        #expect(NotifyMessage(resolved).subject == "Resolved: disk")
    }
}
