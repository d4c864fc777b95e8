using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Practitioners;
using PmoLedger.Web;
using Wolverine.Marten.Subscriptions;
using Wolverine.Runtime.Handlers;

namespace PmoLedger.Features.Notifications;

/// <summary>A credential was issued: its "new badge" notice falls due. Ids only (privacy.md); decided again when it fires.</summary>
public sealed record SendBadgeNotice(Guid PractitionerId, Guid CredentialId);

/// <summary>What the "new badge" notice says.</summary>
public sealed record BadgeNotice(string Kind, string About, Guid CredentialId, string Name, DateOnly ValidFrom, DateOnly? ValidUntil);

/// <summary>
/// "You have a new badge", with its share link, once per issued credential. Optional: the practitioner can stop it
/// (<see cref="NoticePreferences"/>).
/// </summary>
public static class BadgeNotices
{
    public const string Kind = "new-badge";

    /// <summary>
    /// Still due when the message fires: not for an erased or unknown person, a credential not theirs or revoked since
    /// it was issued, one already announced, or a person who stopped this kind.
    /// </summary>
    public static BadgeNotice? Decide(Practitioner? practitioner, IssuedCredential? credential, SendBadgeNotice message)
    {
        if (practitioner is null || practitioner.Erased || credential is null || credential.PractitionerId != practitioner.Id) return null;
        if (credential.RevokedOn is not null || practitioner.StoppedNotices.Contains(Kind)) return null;
        var about = message.CredentialId.ToString("D");
        if (practitioner.Notified.Contains(NotificationSent.Key(Kind, about))) return null;
        return new BadgeNotice(Kind, about, credential.Id, credential.Name, credential.ValidFrom, credential.ValidUntil);
    }

    public static (string Subject, string Text, string Html) Compose(BadgeNotice notice, string fullName, string baseUrl, string stopLink)
    {
        var root = baseUrl.TrimEnd('/');
        var share = $"{root}/credentials/{notice.CredentialId:D}";
        string[] lines =
        [
            $"You have a new digital badge: \"{notice.Name}\", valid from {RenewalNoticeMail.Date(notice.ValidFrom)}" +
            (notice.ValidUntil is { } until ? $" until {RenewalNoticeMail.Date(until)}." : ", with no end date."),
            $"Share it on a CV or a profile with its link, where anyone can check it: {share}",
            $"All your badges are on your account page: {root}/me/account"
        ];
        return RenewalNoticeMail.Render(fullName, lines, share, "Your new badge", $"You have a new badge: {notice.Name}", stopLink);
    }
}

/// <summary>
/// Hands every issued credential to its notice. A subscription, not the settlement's own code: the async daemon keeps
/// its place in the event store and stores the scheduled message in the transaction that moves that place on, so a
/// crash between the credential's commit and the send still sends it, and a replayed page finds it already sent.
/// </summary>
public sealed class BadgeNoticeRelay : BatchSubscription
{
    public BadgeNoticeRelay() : base("BadgeNoticeRelay")
    {
        IncludeType<CredentialIssued>();
        // A new deployment does not walk the credentials issued before it: those holders were never promised a notice.
        Options.SubscribeFromFirstRun();
    }

    public override async Task ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations,
        IMessageBus bus, CancellationToken cancellationToken)
    {
        foreach (var e in page.Events)
            if (e.Data is CredentialIssued issued)
                // "At once" as for the other notices: the write that issued it is followed by the request's own writes.
                await bus.ScheduleAsync(new SendBadgeNotice(e.StreamId, issued.CredentialId), RenewalNotices.Grace);
    }
}

/// <summary>Sends the badge notice once and records it (<see cref="NoticeSender"/>).</summary>
public static class SendBadgeNoticeHandler
{
    public static void Configure(HandlerChain chain) => NoticeRetries.Apply(chain);

    public static Task<OutgoingMessages> Handle(SendBadgeNotice message, NoticeSender sender, WebSettings web, KeyRing keys, CancellationToken ct) =>
        sender.SendOnceAsync<Practitioner>(message, message.PractitionerId, async (session, practitioner) =>
        {
            var credential = await session.LoadAsync<IssuedCredential>(message.CredentialId, ct);
            if (BadgeNotices.Decide(practitioner, credential, message) is not { } notice) return null;
            var baseUrl = web.MailBaseUrl;
            var (subject, text, html) = BadgeNotices.Compose(notice, practitioner!.FullName, baseUrl,
                NoticePreferences.StopLink(keys, baseUrl, practitioner.Id, notice.Kind));
            return new DueNotice(notice.Kind, notice.About, [new Mail(practitioner.Email, subject, text, html)]);
        }, ct);
}

public static class NotificationsSetup
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddSingleton<NoticeSender>();
        services.SubscribeToEvents(new BadgeNoticeRelay());
        return services;
    }
}
