import VigilCore

/// The receiving thread's buffers and per-batch state for a ``UnixDatagramListener``.
struct DatagramReceiver {
    private let socket: UnixDatagramSocket
    private let listener: String
    private let buffer: UnsafeMutableRawBufferPointer
    private let control: UnsafeMutableRawBufferPointer

    init(socket: UnixDatagramSocket, maximumLineLength: Int, listener: String) {
        self.socket = socket
        self.listener = listener
        buffer = .allocate(byteCount: maximumLineLength, alignment: 1)
        control = .allocate(
            byteCount: UnixDatagramSocket.controlCapacity, alignment: MemoryLayout<Int>.alignment)
    }

    func deallocate() {
        buffer.deallocate()
        control.deallocate()
    }

    /// Reads the datagrams queued now, up to `maximumCount`; also returns the `errno` of a fatal failure.
    /// Empty datagrams are skipped.
    func receiveBatch(maximumCount: Int) -> (lines: [ReceivedLine], failure: Int32?) {
        var lines: [ReceivedLine] = []
        var executables: [Int32: String?] = [:]
        var failure: Int32?
        receiving: while lines.count < maximumCount {
            switch socket.receive(into: buffer, control: control) {
            case .datagram(let length, let credentials):
                // Zero also means the socket was shut down with nothing left.
                guard length > 0 else { break receiving }
                let kept = min(length, buffer.count)
                var peer = PeerInfo(address: socket.path, host: LocalHost.name)
                if let credentials {
                    let executable: String?
                    if let cached = executables[credentials.pid] {
                        executable = cached
                    } else {
                        executable = PeerCredentials.executable(ofProcess: credentials.pid)
                        executables[credentials.pid] = executable
                    }
                    peer = credentials.peerInfo(socketPath: socket.path, executable: executable)
                }
                lines.append(
                    ReceivedLine(
                        bytes: Array(UnsafeRawBufferPointer(rebasing: buffer[..<kept])), received: WallClock.now(),
                        listener: listener, peer: peer, truncatedFrom: length > kept ? length : nil))
            case .wouldBlock:
                break receiving
            case .failed(let errno):
                failure = errno
                break receiving
            }
        }
        return (lines, failure)
    }
}
