import Foundation
import VigilCore

/// How ``SyslogHeaderParser`` reads a frame: the zone for times without an offset, the receive time
/// that picks the year of year-less BSD times, and optionally the one format a listener accepts.
public struct SyslogParserOptions: Sendable {
    /// Zone applied to header times that carry no UTC offset (BSD `Mmm dd hh:mm:ss`, zone-less ISO).
    public var timeZone: TimeZone {
        didSet { resolver = LocalTimeResolver(timeZone: timeZone) }
    }
    /// When the frame was received; year-less times get the year that puts them closest to it.
    public var reference: Timestamp
    /// `nil` detects the format; `.rfc5424` flags every frame that is not strict RFC 5424;
    /// `.rfc3164` never tries RFC 5424.
    public var expectedFormat: SyslogMessage.Format?
    /// Computed once per zone: look-ups of fixed zones are skipped on the hot path.
    private(set) var resolver: LocalTimeResolver

    /// - Parameters:
    ///   - timeZone: zone for zone-less header times (default UTC).
    ///   - reference: the receive time of the frame.
    ///   - expectedFormat: `nil` to detect the format.
    public init(timeZone: TimeZone = .gmt, reference: Timestamp, expectedFormat: SyslogMessage.Format? = nil) {
        self.timeZone = timeZone
        self.resolver = LocalTimeResolver(timeZone: timeZone)
        self.reference = reference
        self.expectedFormat = expectedFormat
    }
}
