using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;
using Wolverine.Util;

namespace PmoLedger.Features.Notifications;

/// <summary>
/// A notice that failed every retry: the message (ids, dates and the kind only, by design), why its last try failed,
/// and when. Replaying is Wolverine's own tooling (docs/notifications.md).
/// </summary>
public sealed record FailedNotice(Guid Id, string MessageType, object? Message, string ExceptionType, string ExceptionMessage,
    DateTimeOffset SentAt, bool Replayable);

public sealed record FailedNotices(IReadOnlyList<FailedNotice> Items);

public static class FailedNoticesEndpoint
{
    /// <summary>The messages that are notices; their dead letters are the failed sends.</summary>
    public static readonly Type[] NoticeMessages = [typeof(SendRenewalNotice), typeof(SendCpdAuditNotice), typeof(SendProviderDigest), typeof(SendBadgeNotice)];

    [EndpointSummary("List the notices that could not be sent")]
    [EndpointDescription("Admins. The notice messages that failed every retry and were moved to Wolverine's dead letters, newest first: the message (ids, dates and kind), the last error and when it was first sent.")]
    [ProducesResponseType<FailedNotices>(200)]
    [WolverineGet("/api/admin/notifications/failed", OperationId = "listFailedNotices")]
    [Authorize(Roles = Roles.Admin)]
    public static async Task<FailedNotices> Get(IWolverineRuntime runtime, CancellationToken ct)
    {
        var items = new List<FailedNotice>();
        foreach (var type in NoticeMessages)
        {
            // The dead letters hold every failed message of the service; only the notices are this view's.
            var found = await runtime.Storage.DeadLetters.QueryAsync(new DeadLetterEnvelopeQuery { MessageType = type.ToMessageTypeName() }, ct);
            // The store hands back the envelope as stored: its body is read with the service's own serializer.
            items.AddRange(found.Envelopes.Select(d => new FailedNotice(d.Id, type.Name,
                d.Message ?? (d.Envelope.Data is { Length: > 0 } ? runtime.Options.DefaultSerializer.ReadFromData(type, d.Envelope) : null),
                d.ExceptionType, d.ExceptionMessage, d.SentAt, d.Replayable)));
        }
        return new FailedNotices(items.OrderByDescending(i => i.SentAt).ToList());
    }
}
