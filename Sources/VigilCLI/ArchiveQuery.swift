import VigilArchive
import VigilCore

/// `vigil query --archives`: the newest `limit` matches of the store and the segments together.
enum ArchiveQuery {
    static func merge(
        store: [AuditEvent], archive: String, cipher: SegmentCipher?, filter: Filter, limit: Int, now: Timestamp) throws -> [AuditEvent] {
        let predicate = filter.predicate(now: now)
        let bounds = filter.timeBounds(now: now)
        let search = ArchiveSearch(directory: archive)
        var seen = Set(store.map(\.id))
        var found = store
        for manifest in try search.segments(lower: bounds.lower, upper: bounds.upper).reversed() {
            // Segments are in chain order; once `limit` newer events are held, older segments cannot add any.
            if found.count >= limit, let last = manifest.lastTimestamp,
                let oldestKept = found.map(\.time).min(), last < oldestKept
            {
                break
            }
            try ArchiveSearch.forEachEvent(inSegment: search.directory.segmentPath(manifest), cipher: cipher) { event in
                if predicate.matches(event), seen.insert(event.id).inserted { found.append(event) }
                return true
            }
            found.sort { $0.time > $1.time }
            if found.count > limit { found.removeLast(found.count - limit) }
        }
        found.sort { $0.time > $1.time }
        return Array(found.prefix(limit))
    }
}
