using PmoLedger.Features.Cpd;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Certifications;

public sealed record AwardCertification(string? Code, string? Name, DateOnly? AwardedOn, string? CertificateNumber);

public sealed record CertificationCreated(Guid CertificationId);

public static class AwardCertificationEndpoint
{
    public static ProblemDetails Validate(AwardCertification? command, Practitioner practitioner, TimeProvider clock)
    {
        if (command is null) return Problems.MissingBody;
        var today = clock.Today();
        var problems = new Problems()
            .Required("code", command.Code).MaxLength("code", command.Code, 40)
            .Required("name", command.Name).MaxLength("name", command.Name, 200)
            .Required("awardedOn", command.AwardedOn).NotInFuture("awardedOn", command.AwardedOn, today)
            .Required("certificateNumber", command.CertificateNumber).MaxLength("certificateNumber", command.CertificateNumber, 100);
        if (problems.Any) return problems.ToProblem();

        var code = command.Code!.Trim();
        var number = command.CertificateNumber!.Trim();
        if (practitioner.Certifications.Any(c => c.Counts && string.Equals(c.CertificateNumber, number, StringComparison.OrdinalIgnoreCase)))
            return Problems.Conflict($"Certificate {number} is already on this practitioner's record.");
        // A certification still held is renewed (by an exam pass or CPD), not awarded twice.
        if (practitioner.Certifications.FirstOrDefault(c =>
                string.Equals(c.Code, code, StringComparison.OrdinalIgnoreCase) && c.StatusOn(today) is not (CertificationStatus.Expired or CertificationStatus.Revoked)) is { } held)
            return Problems.Conflict($"{held.Code} is already held (renew by {held.RenewBy:yyyy-MM-dd}); a new pass of the exam renews it.");
        return WolverineContinue.NoProblems;
    }

    /// <summary>
    /// renewBy is three years from the award. An award whose renewBy has already passed is settled
    /// at once: renewed by CPD on record where the cycle was met, otherwise recorded expired. The credentials the
    /// award calls for are issued in the same transaction, on the state the award leaves (as completions do): one
    /// commit instead of a second session that would read the stream and its documents again.
    /// </summary>
    [EndpointSummary("Award a certification")]
    [EndpointDescription("Providers and admins.")]
    [ProducesResponseType<CertificationCreated>(201)]
    [WolverinePost("/api/practitioners/{id}/certifications", OperationId = "awardCertification")]
    [Authorize(Roles = $"{Roles.Provider},{Roles.Admin}")]
    public static async Task<(IResult, Events, OutgoingMessages)> Post(AwardCertification command, [WriteAggregate] Practitioner practitioner,
        ClaimsPrincipal user, TimeProvider clock, IDocumentSession session, CredentialIssuer issuer, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var events = Decide(practitioner, command, Guid.CreateVersion7(), user.ProviderId(), Clock.DayOf(now));
        var awarded = (CertificationAwarded)events[0];
        var credentials = await issuer.SettleAsync(session, practitioner.Then(events), ct);
        CredentialSettlement.SettledInTransaction(session);
        return (Results.Created($"/api/practitioners/{practitioner.Id}", new CertificationCreated(awarded.CertificationId)),
            [.. events, .. credentials], CertificationRules.Expiries(practitioner.Id, events, now).ToOutgoing());
    }

    /// <summary>The award, and whatever it settles at once (an award whose renewBy has passed).</summary>
    public static IReadOnlyList<object> Decide(Practitioner practitioner, AwardCertification command, Guid certificationId, Guid? providerId, DateOnly today)
    {
        var awardedOn = command.AwardedOn!.Value;
        var awarded = new CertificationAwarded(certificationId, command.Code!.Trim(), command.Name!.Trim(), awardedOn,
            PersonalText.Of(practitioner.Id, command.CertificateNumber!.Trim()), CertificationRules.RenewByFrom(awardedOn),
            CertificationRules.RuleVersionFor(awardedOn), providerId);
        return [awarded, .. CertificationRules.After(practitioner, [awarded], today)];
    }
}
