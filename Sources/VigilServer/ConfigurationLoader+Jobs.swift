import VigilCore
import Yams

extension ConfigurationLoader {
    /// `jobs:` — declared jobs, each with a `schedule` (cron) and/or a `max_interval`, and an optional
    /// `max_duration`:
    ///
    /// ```yaml
    /// jobs:
    ///   - name: magento-cron          # the --name given to `vigil run`
    ///     schedule: "*/3 * * * *"
    ///     time_zone: Europe/Berlin
    ///     grace: 2m
    ///     max_duration: 30m
    /// ```
    static func jobs(_ node: Node, _ reader: NodeReader) throws(ConfigurationFileError) -> [VigilConfiguration.Job] {
        var jobs: [VigilConfiguration.Job] = []
        for (i, item) in try reader.sequence(node, "jobs").enumerated() {
            let path = "jobs[\(i)]"
            let m = try reader.mapping(item, path)
            try reader.allowOnly(m, ["name", "schedule", "time_zone", "grace", "max_interval", "max_duration"], in: path)
            guard let nameNode = m["name"] else { throw reader.error(item, path, "a job needs a 'name' (the --name of vigil run)") }
            var job = VigilConfiguration.Job(name: try reader.string(nameNode, path + ".name"))
            if jobs.contains(where: { $0.name == job.name }) {
                throw reader.error(nameNode, path + ".name", "another job is named '\(job.name)'")
            }
            if let n = m["schedule"] {
                let text = try reader.string(n, path + ".schedule")
                let schedule: CronSchedule
                do {
                    schedule = try CronSchedule(parsing: text)
                } catch {
                    throw reader.error(n, path + ".schedule", error.description)
                }
                guard schedule.isSatisfiable else { throw reader.error(n, path + ".schedule", "'\(text)' never fires") }
                job.schedule = text
            }
            if let n = m["time_zone"] {
                job.timeZone = try reader.string(n, path + ".time_zone")
                guard CronTimeZone(identifier: job.timeZone) != nil else {
                    throw reader.error(n, path + ".time_zone", "unknown time zone '\(job.timeZone)' (use an IANA name such as Europe/Berlin)")
                }
            }
            if let n = m["grace"] { job.grace = try reader.duration(n, path + ".grace", min: 0) }
            if let n = m["max_interval"] { job.maxInterval = try reader.duration(n, path + ".max_interval", min: 1) }
            if let n = m["max_duration"] { job.maxDuration = try reader.duration(n, path + ".max_duration", min: 1) }
            guard job.schedule != nil || job.maxInterval != nil || job.maxDuration != nil else {
                throw reader.error(item, path, "give a 'schedule', a 'max_interval' or a 'max_duration' to check")
            }
            jobs.append(job)
        }
        return jobs
    }
}
