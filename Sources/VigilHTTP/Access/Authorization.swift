import Foundation
import HTTPTypes
import Hummingbird
import VigilCore

/// Who may read: every route but `/healthz`, `/metrics`, `/login` and HTTP ingest asks here.
struct Authorization: Sendable {
    let access: AccessStore?
    let sessions: SessionTable

    static let cookieName = "vigil_session"

    enum Failure: Error {
        case unauthenticated
        case forbidden(Principal)
    }

    /// The principal of a bearer token or a session cookie. Without an access store (tests of the
    /// API alone) everyone is a local admin.
    func principal(_ request: Request) -> Principal? {
        guard let access else { return Principal(name: "local", role: .admin, kind: .local) }
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return access.authenticate(token: String(parts[1])) }
            return nil
        }
        if let id = request.cookies[Self.cookieName]?.value, !id.isEmpty { return sessions.principal(id) }
        return nil
    }

    func require(_ request: Request, _ role: Role) throws(Failure) -> Principal {
        guard let principal = principal(request) else { throw .unauthenticated }
        guard principal.role.allows(role) else { throw .forbidden(principal) }
        return principal
    }

    enum Gate {
        case allowed(Principal)
        case denied(Response)
    }

    /// For API routes: the principal, or the 401/403 answer to send instead.
    func api(_ request: Request, _ role: Role) -> Gate {
        do throws(Failure) {
            return .allowed(try require(request, role))
        } catch {
            return .denied(Self.apiResponse(error))
        }
    }

    /// The answer for an API request that failed `require`.
    static func apiResponse(_ failure: Failure) -> Response {
        switch failure {
        case .unauthenticated:
            var response = HTTPAPI.jsonResponse(#"{"error":"authentication required: send Authorization: Bearer TOKEN"}"#,
                                                status: .unauthorized)
            response.headers[.wwwAuthenticate] = #"Bearer realm="vigil""#
            return response
        case .forbidden(let principal):
            return HTTPAPI.jsonResponse(
                #"{"error":"forbidden: this needs the admin role; "# + "\(principal.name) is \(principal.role.rawValue)\"}",
                status: .forbidden)
        }
    }
}
