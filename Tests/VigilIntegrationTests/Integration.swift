import Testing

/// Every integration suite runs one at a time: each starts real daemons and real peers, and the
/// machine has two cores.
@Suite(.serialized) enum Integration {}
