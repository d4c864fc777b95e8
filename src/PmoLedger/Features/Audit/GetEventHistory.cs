using JasperFx.Events;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Audit;

/// <summary>
/// One recorded event as auditors see it: both times (business and recorded), who caused it and
/// under which request. The same shape is used for one practitioner's history and the full export.
/// </summary>
public sealed record AuditedEvent(
    long Sequence, Guid StreamId, long Version, string Type, DateOnly? OccurredOn, DateTimeOffset RecordedAt,
    string? RecordedBy, string? CorrelationId, string? CausationId, object Data)
{
    public static AuditedEvent From(IEvent e) => new(
        e.Sequence, e.StreamId, e.Version, e.EventTypeName, (e.Data as IBusinessEvent)?.OccurredOn, e.Timestamp,
        e.UserName, e.CorrelationId, e.CausationId, e.Data);
}

public static class GetEventHistoryEndpoint
{
    [EndpointSummary("Read a practitioner's event history")]
    [EndpointDescription("Auditors. Every event with who recorded it, when, and under which request.")]
    [ProducesResponseType<List<AuditedEvent>>(200)]
    [WolverineGet("/api/audit/practitioners/{id}/events", OperationId = "getAuditEventHistory")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct)
    {
        var events = await PastState.PractitionerEventsAsync(session, id, asOf: null, ct);
        return events is null
            ? Results.Problem(Problems.NotFound($"No practitioner {id}."))
            : Results.Ok(events.Select(AuditedEvent.From).ToList());
    }

    /// <summary>
    /// Versions <paramref name="fromVersion"/> to <paramref name="toVersion"/> of a stream's history in the same shape as
    /// <see cref="Get"/>: the web page reads a long career a page at a time instead of whole.
    /// </summary>
    public static async Task<List<AuditedEvent>> RangeAsync(Guid id, long fromVersion, long toVersion, IQuerySession session, CancellationToken ct) =>
        (await session.Events.FetchStreamAsync(id, version: toVersion, fromVersion: fromVersion, token: ct)).Select(AuditedEvent.From).ToList();
}
