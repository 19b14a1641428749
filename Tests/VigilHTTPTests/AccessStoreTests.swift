import Foundation
import Testing
import VigilTestSupport

@testable import VigilHTTP

@Suite struct AccessStoreTests {
    let directory = TestSupport.temporaryDirectory("vigil-access")

    @Test func usersLogInOnlyWithTheirPasswordAndRole() throws {
        let store = try AccessStore(directory: directory)
        try store.addUser("jane.doe", password: "correct horse battery", role: .admin)
        try store.addUser("alice", password: "viewer-password-1", role: .viewer)
        #expect(store.authenticate(user: "jane.doe", password: "correct horse battery") == Principal(name: "jane.doe", role: .admin, kind: .user))
        #expect(store.authenticate(user: "alice", password: "viewer-password-1")?.role == .viewer)
        #expect(store.authenticate(user: "jane.doe", password: "correct horse batterx") == nil)
        #expect(store.authenticate(user: "nobody", password: "correct horse battery") == nil)
        #expect(throws: AccessError.alreadyExists("alice")) { try store.addUser("alice", password: "another-password", role: .admin) }
        #expect(throws: AccessError.weakPassword("use at least 10 characters")) { try store.addUser("bob", password: "short", role: .viewer) }
        #expect(throws: AccessError.invalidName("bad name")) { try store.addUser("bad name", password: "long enough pw", role: .viewer) }
    }

    @Test func passwordsAreStoredAsSaltedSlowHashesNeverInClear() throws {
        let store = try AccessStore(directory: directory)
        try store.addUser("a", password: "same-password-123", role: .viewer)
        try store.addUser("b", password: "same-password-123", role: .viewer)
        let text = try String(contentsOfFile: directory + "/access.json", encoding: .utf8)
        #expect(!text.contains("same-password-123"))
        let file = try JSONDecoder().decode(AccessFile.self, from: Data(text.utf8))
        #expect(file.users.count == 2)
        #expect(file.users[0].password.salt != file.users[1].password.salt)
        #expect(file.users[0].password.hash != file.users[1].password.hash)
        #expect(file.users.allSatisfy { $0.password.rounds >= 600_000 })
        var status = stat()
        #expect(stat(directory + "/access.json", &status) == 0 && status.st_mode & 0o777 == 0o600)
    }

    @Test func tokensAreShownOnceStoredAsDigestsAndRevocable() throws {
        let store = try AccessStore(directory: directory)
        let secret = try store.createToken(name: "ci", role: .viewer)
        #expect(secret.hasPrefix("vgl_") && secret.count > 40)
        #expect(store.authenticate(token: secret) == Principal(name: "ci", role: .viewer, kind: .token))
        #expect(store.authenticate(token: secret + "x") == nil)
        #expect(!(try String(contentsOfFile: directory + "/access.json", encoding: .utf8)).contains(secret))
        try store.revokeToken("ci")
        #expect(store.authenticate(token: secret) == nil)
        #expect(throws: AccessError.notFound("ci")) { try store.revokeToken("ci") }
    }

    @Test func aSecondProcessSeesChangesAtOnce() throws {
        let daemon = try AccessStore(directory: directory)
        #expect(daemon.authenticate(user: "late", password: "added-while-running") == nil)
        let cli = try AccessStore(directory: directory)
        try cli.addUser("late", password: "added-while-running", role: .viewer)
        let token = try cli.createToken(name: "t1", role: .admin)
        #expect(daemon.authenticate(user: "late", password: "added-while-running")?.name == "late")
        #expect(daemon.authenticate(token: token)?.role == .admin)
        try cli.removeUser("late")
        #expect(daemon.authenticate(user: "late", password: "added-while-running") == nil)
    }

    @Test func localTokenAndFirstAdminAreIssuedOnce() throws {
        let store = try AccessStore(directory: directory)
        let local = try store.issueLocalToken()
        #expect(AccessStore.readTokenFile(store.localTokenPath) == local)
        #expect(store.authenticate(token: local)?.kind == .local)
        let replaced = try store.issueLocalToken()
        #expect(store.authenticate(token: local) == nil)
        #expect(store.authenticate(token: replaced)?.role == .admin)

        let path = try #require(try store.bootstrapAdminIfEmpty())
        let password = try #require(AccessStore.readTokenFile(path))
        #expect(store.authenticate(user: "admin", password: password)?.role == .admin)
        #expect(try store.bootstrapAdminIfEmpty() == nil)
    }

    @Test func sessionsExpireWhenIdleAndStayBounded() {
        let table = SessionTable(idleTimeout: 60, maximumAge: 3600, capacity: 3)
        let start = Date(timeIntervalSince1970: 1_000_000)
        let who = Principal(name: "jane", role: .viewer, kind: .user)
        let id = table.start(who, ip: "192.0.2.1", userAgent: nil, now: start)
        #expect(table.principal(id, now: start.addingTimeInterval(59)) == who)
        #expect(table.principal(id, now: start.addingTimeInterval(118)) == who)
        #expect(table.principal(id, now: start.addingTimeInterval(179)) == nil)
        let ids = (0..<5).map { table.start(who, ip: nil, userAgent: nil, now: start.addingTimeInterval(Double($0))) }
        #expect(table.principal(ids[0], now: start.addingTimeInterval(10)) == nil)
        #expect(table.principal(ids[4], now: start.addingTimeInterval(10)) == who)
    }
}
