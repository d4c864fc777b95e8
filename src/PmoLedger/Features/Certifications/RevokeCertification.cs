using PmoLedger.Features.Credentials;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Certifications;

public sealed record RevokeCertification(string? Reason);

/// <summary>
/// A mistaken award is corrected by revoking it: it stays in history marked revoked, stops counting (no renewal,
/// expiry or CPD cycle) and its digital credentials are revoked in the same transaction, so the status list and the
/// credential's page show it at once.
/// </summary>
public static class RevokeCertificationEndpoint
{
    public const int MaxReason = 1000;

    public static ProblemDetails Validate(RevokeCertification? command) => command is null
        ? Problems.MissingBody
        : new Problems().Required("reason", command.Reason).MaxLength("reason", command.Reason, MaxReason).ToProblem();

    /// <summary>Who may revoke: an admin, or the provider that awarded it.</summary>
    public static bool MayRevoke(ClaimsPrincipal user, CertificationRecord certification) =>
        user.IsInRole(Roles.Admin) || (user.IsInRole(Roles.Provider) && user.ProviderId() is { } provider && provider == certification.AwardedBy);

    /// <summary>The revocation and the credential revocations it implies; nothing when it is already revoked.</summary>
    public static IReadOnlyList<object> Decide(Practitioner practitioner, CertificationRecord certification, string reason, DateOnly today)
    {
        if (!certification.Counts) return [];
        var revoked = new CertificationRevoked(certification.CertificationId, certification.Code, reason.Trim(), today);
        return [revoked, .. CredentialRules.Revocations(practitioner.Then([revoked]), today)];
    }

    [EndpointSummary("Revoke a certification award")]
    [EndpointDescription("The provider that awarded it, or an admin. The award stays in history marked revoked, stops counting, and its digital credentials are revoked. Revoking again changes nothing.")]
    [ProducesResponseType(204)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [WolverinePost("/api/certifications/{certificationId}/revoke", OperationId = "revokeCertification")]
    [Authorize(Roles = $"{Roles.Provider},{Roles.Admin}")]
    public static Task<IResult> Post(Guid certificationId, RevokeCertification command, ClaimsPrincipal user,
        IDocumentStore store, TimeProvider clock, ILogger<RevokeCertification> logger, CancellationToken ct) =>
        WriteConflicts.Retry(async () =>
        {
            await using var session = WriteConflicts.OpenSession(store, user.Identity?.Name);
            // The write model doubles as the index from a certification to its practitioner.
            var holder = await session.Query<Practitioner>().Where(p => p.Certifications.Any(c => c.CertificationId == certificationId))
                .Select(p => p.Id).ToListAsync(ct);
            if (holder.Count == 0) return Results.Problem(Problems.NotFound($"No certification {certificationId}."));

            var stream = await session.Events.FetchForWriting<Practitioner>(holder[0], ct);
            var certification = stream.Aggregate!.Certifications.Single(c => c.CertificationId == certificationId);
            if (!MayRevoke(user, certification))
                return Results.Problem(Problems.Forbidden("Only the provider that awarded a certification, or an admin, may revoke it."));
            var events = Decide(stream.Aggregate, certification, command.Reason!, clock.Today());
            if (events.Count > 0)
            {
                stream.AppendMany(events);
                await session.SaveChangesAsync(ct);
            }
            return Results.NoContent();
        }, () => Results.Problem(Problems.Conflict("The practitioner's record was busy; nothing was recorded. Retry the request.")), logger, ct);
}
