import Foundation
import Testing
import VigilStore

#if os(Linux)
@Suite struct BackgroundThreadTests {
    /// `top -H` and `/proc/PID/task/*/comm` show which background thread takes the CPU.
    @Test func theThreadCarriesItsNameInTheSystem() {
        let thread = BackgroundThread(name: "vigil-test-bg")
        let comm = thread.run { try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) }
        #expect(comm == "vigil-test-bg\n")
    }
}
#endif
