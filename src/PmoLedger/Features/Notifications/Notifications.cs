using System.Globalization;
using JasperFx.Events;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace PmoLedger.Features.Notifications;

/// <summary>
/// A message was sent to the practitioner, recorded on their stream so an auditor can prove they were told and when.
/// <see cref="Kind"/> + <see cref="About"/> is the reason: nothing is sent twice for one reason. No personal data:
/// the kind, ids and dates only (privacy.md); the address it went to is not kept.
/// </summary>
public sealed record NotificationSent(string Kind, string About, DateTimeOffset SentAt)
{
    public string Reason => Key(Kind, About);

    public static string Key(string kind, string about) => $"{kind}|{about}";
}

/// <summary>The kinds of notice, and which of them a person may stop (never the ones the scheme obliges us to send).</summary>
public static class NotificationKinds
{
    public const string RenewalReminderPrefix = "renewal-reminder-";
    public const string CertificationExpired = "certification-expired";
    public const string CpdAuditSelected = "cpd-audit-selected";
    public const string CpdAuditReminder = "cpd-audit-reminder";
    public const string CpdAuditOutcome = "cpd-audit-outcome";

    public static string RenewalReminder(int daysBefore) => RenewalReminderPrefix + daysBefore.ToString(CultureInfo.InvariantCulture);

    /// <summary>What a timeline entry says was sent; the kind alone, no personal data.</summary>
    public static string Describe(string kind) => kind switch
    {
        CertificationExpired => "the expiry notice",
        CpdAuditSelected => "the CPD audit selection notice",
        CpdAuditReminder => "the CPD audit evidence reminder",
        CpdAuditOutcome => "the CPD audit outcome",
        BadgeNotices.Kind => "the new badge notice",
        _ when kind.StartsWith(RenewalReminderPrefix, StringComparison.Ordinal) => $"the {kind[RenewalReminderPrefix.Length..]}-day renewal reminder",
        _ => $"a '{kind}' notice"
    };
}

public sealed record NotificationView(string Kind, string About, DateTimeOffset SentAt);

public sealed record NotificationsView(Guid PractitionerId, IReadOnlyList<NotificationView> Items);

public static class GetNotificationsEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin, Roles.Auditor);

    /// <summary>Read from the practitioner's own events: what the ledger records as sent is exactly what is listed.</summary>
    [EndpointSummary("List the notifications sent to a practitioner")]
    [EndpointDescription("The practitioner, admins and auditors. Oldest first: each with its kind, what it was about and when it was sent.")]
    [ProducesResponseType<NotificationsView>(200)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [WolverineGet("/api/practitioners/{id}/notifications", OperationId = "getNotifications")]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct)
    {
        var state = await session.Events.FetchStreamStateAsync(id, ct);
        if (state is null) return Results.Problem(Problems.NotFound($"No practitioner {id}."));
        var type = EventTypeExtensions.GetEventTypeName<NotificationSent>();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == id && e.EventTypeName == type)
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        return Results.Ok(new NotificationsView(id,
            events.Select(e => (NotificationSent)e.Data).Select(n => new NotificationView(n.Kind, n.About, n.SentAt)).ToList()));
    }
}

/// <summary>
/// A failed send rolls back (nothing recorded) and is tried again: twice at once-ish, then after a minute, ten minutes
/// and an hour; then the message goes to the dead letters (wolverine_dead_letters), where admins see it.
/// </summary>
public static class NoticeRetries
{
    public static void Apply(HandlerChain chain) =>
        chain.OnAnyException()
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))
            .Then.ScheduleRetry(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1))
            .Then.MoveToErrorQueue();
}
