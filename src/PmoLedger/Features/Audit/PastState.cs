using PmoLedger.Features.Plan;
using PmoLedger.Features.Cpd;
using System.Globalization;
using JasperFx.Events;
using Marten.Events.Aggregation;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Audit;

/// <summary>
/// A read model the auditor can rebuild: its name on the wire, its stored document type and the
/// projection whose Evolve builds it. Marten runs the same Evolve to keep the stored copy, so a
/// reconstruction and the stored document cannot disagree unless the stored one drifted.
/// </summary>
public sealed record AuditedReadModel(
    string Name, Type DocumentType, Func<Guid, IEnumerable<IEvent>, object?> Rebuild,
    Func<IQuerySession, Guid, CancellationToken, Task<string?>> StoredJson)
{
    public static AuditedReadModel For<TDoc>(string name, SingleStreamProjection<TDoc, Guid> projection) where TDoc : class =>
        new(name, typeof(TDoc), (id, events) => PastState.Fold(projection, id, events),
            (session, id, ct) => session.Json.FindByIdAsync<TDoc>(id, ct));
}

/// <summary>One fold for every past state: the stored projections' own Evolve, over a chosen slice of a stream.</summary>
public static class PastState
{
    /// <summary>
    /// Every single-stream read model kept per practitioner (see LedgerStore). Add a line here when a
    /// new one is registered; projection verification and its tests walk this list.
    /// </summary>
    public static readonly IReadOnlyList<AuditedReadModel> ReadModels =
    [
        AuditedReadModel.For("profile", new PractitionerProfileProjection()),
        AuditedReadModel.For("timeline", new TimelineProjection()),
        AuditedReadModel.For("listing", new PractitionerListingProjection()),
        // The CPD ledger and the plan are derived from it when read (CpdLedger.Of, DevelopmentPlan.Of).
        AuditedReadModel.For("practitioner", new PractitionerProjection())
    ];

    public static TDoc? Fold<TDoc>(SingleStreamProjection<TDoc, Guid> projection, Guid id, IEnumerable<IEvent> events)
        where TDoc : class
    {
        TDoc? doc = null;
        foreach (var e in events) doc = projection.Evolve(doc, id, e);
        return doc;
    }

    /// <summary>The business date of an event; events without one count from the day they were recorded.</summary>
    public static DateOnly BusinessDate(IEvent e) =>
        e.Data is IBusinessEvent business ? business.OccurredOn : DateOnly.FromDateTime(e.Timestamp.UtcDateTime);

    /// <summary>
    /// "True on <paramref name="day"/> by today's knowledge": every event whose business date is on or
    /// before the day, including back-dated facts recorded later, kept in recording order. The registration
    /// is who the person is rather than a fact about their career, so it is always kept: a career recorded
    /// back to before they joined the ledger still reads as theirs.
    /// </summary>
    public static IEnumerable<IEvent> EffectiveOn(IEnumerable<IEvent> events, DateOnly day) =>
        events.Where(e => e.Data is PractitionerRegistered || BusinessDate(e) <= day);

    /// <summary>
    /// A practitioner's events recorded up to <paramref name="asOf"/> (all of them without it), or null when
    /// the stream is not a practitioner's or did not exist yet at that instant.
    /// </summary>
    public static async Task<IReadOnlyList<IEvent>?> PractitionerEventsAsync(IQuerySession session, Guid id,
        DateTimeOffset? asOf, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(id, timestamp: asOf, token: ct);
        return events.Count > 0 && events[0].Data is PractitionerRegistered ? events : null;
    }

    /// <summary>An instant as ISO 8601; without an offset it is read as UTC. A '+' decoded to a space from a query string is put back.</summary>
    public static bool TryParseInstant(string text, out DateTimeOffset instant)
    {
        instant = default;
        if (!text.Contains('T', StringComparison.OrdinalIgnoreCase)
            || !DateTimeOffset.TryParse(text.Trim().Replace(' ', '+'), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        instant = parsed.ToUniversalTime(); // PostgreSQL takes instants in UTC only
        return true;
    }

}
