import Foundation
import Synchronization
import Testing
import VigilCore
import VigilPipeline

@Suite struct EventQueueTests {
    static func batch(_ n: Int, tag: Int = 0) -> [PreparedEvent] {
        PreparedEvent.batch((0..<n).map { i in
            var e = AuditEvent(time: Timestamp(microseconds: Int64(i)), received: Timestamp(microseconds: Int64(i)))
            e.message = "\(tag)-\(i)"
            return e
        })
    }

    @Test func datagramProducersAreRefusedWhenFull() {
        let queue = EventQueue(capacity: 10)
        #expect(queue.trySubmit(Self.batch(6)))
        #expect(queue.trySubmit(Self.batch(4)))
        #expect(!queue.trySubmit(Self.batch(1)))
        #expect(queue.take(max: 100, linger: 0)?.count == 10)
        #expect(queue.trySubmit(Self.batch(1)))
    }

    @Test func streamProducersWaitForRoomAndLoseNothing() async {
        let queue = EventQueue(capacity: 100)
        let taken = Mutex<[String]>([])
        let consumer = Thread {
            while let events = queue.take(max: 30, linger: 0.001) {
                taken.withLock { $0 += events.compactMap(\.event.message) }
                Thread.sleep(forTimeInterval: 0.0005)
            }
        }
        consumer.start()
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<4 {
                group.addTask {
                    for round in 0..<50 { await queue.submit(Self.batch(20, tag: producer * 1000 + round)) }
                }
            }
        }
        queue.close()
        while !consumer.isFinished { try? await Task.sleep(for: .milliseconds(5)) }
        let all = taken.withLock { $0 }
        #expect(all.count == 4 * 50 * 20)
        #expect(Set(all).count == all.count)
        // Each producer's batches stay in order.
        for producer in 0..<4 {
            let rounds = all.compactMap { text -> Int? in
                let tag = Int(text.split(separator: "-")[0]) ?? -1
                return tag / 1000 == producer ? tag % 1000 : nil
            }
            #expect(rounds == rounds.sorted())
        }
    }

    @Test func takeLingersForAFullBatchButNotForever() {
        let queue = EventQueue(capacity: 1000)
        #expect(queue.trySubmit(Self.batch(5)))
        let start = Date()
        let events = queue.take(max: 100, linger: 0.05)
        #expect(events?.count == 5)
        #expect(Date().timeIntervalSince(start) >= 0.04)
    }

    @Test func closeDrainsThenEnds() {
        let queue = EventQueue(capacity: 10)
        #expect(queue.trySubmit(Self.batch(3)))
        queue.close()
        #expect(queue.take(max: 100, linger: 1)?.count == 3)
        #expect(queue.take(max: 100, linger: 1) == nil)
    }
}
