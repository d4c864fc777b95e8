using PmoLedger.Features.Audit;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Plan;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Privacy;

/// <summary>
/// The subject-access document (privacy.md "Subject access"): everything the ledger holds about one person, as
/// their read models show it today and as every event of their stream records it, decrypted.
/// </summary>
public sealed record PersonalDataExport(
    Guid PractitionerId, DateTimeOffset ExportedAt, ProfileView Profile, TimelineView? Timeline, CpdLedgerView? Cpd,
    PlanView? Plan, IReadOnlyList<CredentialItem> Credentials, IReadOnlyList<AuditedEvent> Events);

public static class ExportPersonalDataEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin);

    [EndpointSummary("Export a practitioner's personal data")]
    [EndpointDescription("The practitioner or an admin (subject access). Profile, timeline, CPD ledger, plan, digital credentials and every event of the stream, decrypted, as a JSON attachment.")]
    [WolverineGet("/api/practitioners/{id}/export", OperationId = "exportPersonalData")]
    [ProducesResponseType<PersonalDataExport>(StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(Guid id, IQuerySession session, TimeProvider clock, CredentialSettings credentials, HttpContext context,
        CancellationToken ct)
    {
        var profile = await session.LoadAsync<PractitionerProfile>(id, ct);
        var events = await PastState.PractitionerEventsAsync(session, id, asOf: null, ct);
        if (profile is null || events is null) return Results.Problem(Problems.NotFound($"No practitioner {id}."));

        var timeline = await session.LoadAsync<Timeline>(id, ct);
        var practitioner = await session.LoadAsync<Practitioner>(id, ct);
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);

        context.Response.Headers.ContentDisposition = $"attachment; filename=\"pmoledger-{id}.json\"";
        return Results.Ok(new PersonalDataExport(id, now, ProfileView.From(profile, today),
            timeline is null ? null : TimelineView.From(timeline),
            practitioner is null ? null : CpdLedgerView.From(CpdLedger.Of(practitioner)),
            practitioner is null ? null : PlanView.From(DevelopmentPlan.Of(practitioner), today),
            await GetCredentialsEndpoint.List(session, id, credentials, today, ct),
            events.Select(AuditedEvent.From).ToList()));
    }
}
