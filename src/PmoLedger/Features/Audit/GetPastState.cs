using Marten.Events.Aggregation;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Audit;

/// <summary>
/// The point in time an auditor asks about: system time (asOf, what the ledger said at that instant)
/// or business time (effectiveOn, what was true on that date as we know it now).
/// </summary>
public sealed record PointInTime(DateTimeOffset? AsOf, DateOnly? EffectiveOn)
{
    /// <summary>The day the time-dependent figures (experience, current role) are computed for.</summary>
    public DateOnly Day => EffectiveOn ?? DateOnly.FromDateTime(AsOf!.Value.UtcDateTime);

    /// <summary>The ledger cannot say what it will hold later: a future point is refused rather than extrapolated.</summary>
    public void NotInFuture(DateTimeOffset now, Problems problems)
    {
        if (AsOf > now)
            problems.Add("asOf", $"'asOf' may not be in the future (it is now {now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}).");
        if (EffectiveOn > DateOnly.FromDateTime(now.UtcDateTime))
            problems.Add("effectiveOn", $"'effectiveOn' may not be in the future (today is {now.UtcDateTime:yyyy-MM-dd}).");
    }

    public static PointInTime? Parse(string? asOf, string? effectiveOn, bool allowEffectiveOn, Problems problems)
    {
        if (!allowEffectiveOn && effectiveOn is not null)
        {
            problems.Add("effectiveOn", "'effectiveOn' is not offered here; use 'asOf' (an ISO 8601 instant).");
            return null;
        }
        if ((asOf is null) == (effectiveOn is null))
        {
            var field = asOf is null ? "asOf" : "effectiveOn";
            problems.Add(field, allowEffectiveOn
                ? "Give exactly one of 'asOf' (an ISO 8601 instant, e.g. 2026-03-01T12:00:00Z) or 'effectiveOn' (a date, yyyy-MM-dd)."
                : "'asOf' is required: an ISO 8601 instant, e.g. 2026-03-01T12:00:00Z.");
            return null;
        }
        if (asOf is not null)
        {
            if (PastState.TryParseInstant(asOf, out var instant)) return new PointInTime(instant, null);
            problems.Add("asOf", $"'{asOf}' is not an ISO 8601 instant; use e.g. 2026-03-01T12:00:00Z.");
            return null;
        }
        if (Clock.TryParseDate(effectiveOn!, out var date)) return new PointInTime(null, date);
        problems.Add("effectiveOn", $"'{effectiveOn}' is not a date; use yyyy-MM-dd.");
        return null;
    }
}

public static class GetPastProfileEndpoint
{
    public static ProblemDetails Validate(string? asOf, string? effectiveOn, TimeProvider clock)
    {
        var problems = new Problems();
        PointInTime.Parse(asOf, effectiveOn, allowEffectiveOn: true, problems)?.NotInFuture(clock.GetUtcNow(), problems);
        return problems.ToProblem();
    }

    [EndpointSummary("Read a profile as it stood, or as true on a date")]
    [EndpointDescription("Auditors. Exactly one of `asOf` (an instant: what the ledger said then) or `effectiveOn` (a date: what was true then by today's knowledge); neither may be in the future.")]
    [ProducesResponseType<ProfileView>(200)]
    [WolverineGet("/api/audit/practitioners/{id}/profile", OperationId = "getAuditProfile")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Get(Guid id, string? asOf, string? effectiveOn, IQuerySession session, CancellationToken ct)
    {
        var at = PointInTime.Parse(asOf, effectiveOn, allowEffectiveOn: true, new Problems())!;
        var events = await PastState.PractitionerEventsAsync(session, id, at.AsOf, ct);
        if (events is null) return Results.Problem(Problems.NotFound($"No practitioner {id} on record at that time."));

        var selected = at.EffectiveOn is { } day ? PastState.EffectiveOn(events, day) : events;
        var profile = PastState.Fold(new PractitionerProfileProjection(), id, selected)!;
        return Results.Ok(ProfileView.From(profile, at.Day));
    }
}

public static class GetPastTimelineEndpoint
{
    public static ProblemDetails Validate(string? asOf, string? effectiveOn, TimeProvider clock)
    {
        var problems = new Problems();
        PointInTime.Parse(asOf, effectiveOn, allowEffectiveOn: false, problems)?.NotInFuture(clock.GetUtcNow(), problems);
        return problems.ToProblem();
    }

    [EndpointSummary("Read a timeline as it stood")]
    [EndpointDescription("Auditors. `asOf` is an instant, not in the future.")]
    [ProducesResponseType<TimelineView>(200)]
    [WolverineGet("/api/audit/practitioners/{id}/timeline", OperationId = "getAuditTimeline")]
    [Authorize(Roles = Roles.Auditor)]
    public static Task<IResult> Get(Guid id, string? asOf, IQuerySession session, CancellationToken ct) =>
        AsOf(id, asOf, new TimelineProjection(), TimelineView.From, session, ct);

    /// <summary>A practitioner's read model folded from the events recorded up to <paramref name="asOf"/> (validated), through its view.</summary>
    public static async Task<IResult> AsOf<TDoc>(Guid id, string? asOf, SingleStreamProjection<TDoc, Guid> projection, Func<TDoc, object> view,
        IQuerySession session, CancellationToken ct) where TDoc : class
    {
        var at = PointInTime.Parse(asOf, null, allowEffectiveOn: false, new Problems())!;
        var events = await PastState.PractitionerEventsAsync(session, id, at.AsOf, ct);
        var doc = events is null ? null : PastState.Fold(projection, id, events);
        return doc is null
            ? Results.Problem(Problems.NotFound($"No practitioner {id} on record at that time."))
            : Results.Ok(view(doc));
    }
}

public static class GetPastCpdLedgerEndpoint
{
    public static ProblemDetails Validate(string? asOf, TimeProvider clock) => GetPastTimelineEndpoint.Validate(asOf, null, clock);

    [EndpointSummary("Read a CPD ledger as it stood")]
    [EndpointDescription("Auditors. `asOf` is an instant, not in the future. Cross-attestation is derived from the events recorded by then, so it reads as the live ledger did at that instant.")]
    [ProducesResponseType<CpdLedgerView>(200)]
    [WolverineGet("/api/audit/practitioners/{id}/cpd", OperationId = "getAuditCpdLedger")]
    [Authorize(Roles = Roles.Auditor)]
    public static Task<IResult> Get(Guid id, string? asOf, IQuerySession session, CancellationToken ct) =>
        GetPastTimelineEndpoint.AsOf(id, asOf, new PractitionerProjection(), p => CpdLedgerView.From(CpdLedger.Of(p)), session, ct);
}
