using System.Globalization;
using System.Net;
using System.Text;
using JasperFx.Events;
using PmoLedger.Features.Providers;
using PmoLedger.Features.Xapi;
using PmoLedger.Web;
using Wolverine.Runtime.Handlers;

namespace PmoLedger.Features.Notifications;

/// <summary>Due at the end of <see cref="Day"/>: the provider's digest of what did not map that day.</summary>
public sealed record SendProviderDigest(Guid ProviderId, DateOnly Day);

public sealed record DigestItem(Guid StatementId, DateTimeOffset Stored, string Verb, string Reason);

public sealed record DigestRecipient(string StaffId, string Email, string FullName);

public sealed record ProviderDigestMail(string Kind, string About, DateOnly Day, IReadOnlyList<DigestItem> Items, IReadOnlyList<DigestRecipient> Recipients)
{
    /// <summary>The CSV rows refused that day, batch by batch.</summary>
    public IReadOnlyList<CsvRowsRefused> Refused { get; init; } = [];
}

/// <summary>
/// The daily digest to a provider's staff of the xAPI statements that did not map and the CSV rows refused, with the reasons. Optional: each
/// recipient can stop it with one click. Sent only on days with something in it.
/// </summary>
public static class ProviderDigest
{
    public const string Kind = "provider-digest";

    public static string About(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The digest of the day a statement was stored unmapped: due when that day is over.</summary>
    public static Scheduled Schedule(Guid providerId, DateTimeOffset now) =>
        Scheduled.At(new SendProviderDigest(providerId, Clock.DayOf(now)), Clock.DayOf(now).AddDays(1), now);

    /// <summary>Nothing to say, nobody to tell, or already told: no digest.</summary>
    public static ProviderDigestMail? Decide(SendProviderDigest message, IReadOnlyCollection<string> alreadySent,
        IReadOnlyList<DigestItem> items, IReadOnlyList<CsvRowsRefused> refused, IEnumerable<StaffMember> staff)
    {
        var about = About(message.Day);
        if (alreadySent.Contains(NotificationSent.Key(Kind, about)) || (items.Count == 0 && refused.Count == 0)) return null;
        var recipients = staff
            .Where(s => s.Role == Roles.Provider && s.ProviderId == message.ProviderId && !s.StoppedNotices.Contains(Kind))
            .Select(s => new DigestRecipient(s.Id, s.Email, s.FullName)).ToList();
        return recipients.Count == 0 ? null : new ProviderDigestMail(Kind, about, message.Day, items, recipients) { Refused = refused };
    }

    /// <summary>The one-click stop link: signed with the lookup key, so only the mail's own link works.</summary>
    public static string StopLink(KeyRing keys, string baseUrl, string staffId, string kind) =>
        $"{baseUrl.TrimEnd('/')}/notifications/stop?account={Uri.EscapeDataString(staffId)}&kind={Uri.EscapeDataString(kind)}&signature={Signature(keys, staffId, kind)}";

    public static string Signature(KeyRing keys, string staffId, string kind) => keys.LookupKey($"stop-notices|{staffId}|{kind}");

    public static (string Subject, string Text, string Html) Compose(ProviderDigestMail digest, string providerName, DigestRecipient to, string baseUrl, string stopLink)
    {
        var day = RenewalNoticeMail.Date(digest.Day);
        var list = $"{baseUrl.TrimEnd('/')}/api/providers/";
        var rows = digest.Refused.SelectMany(b => b.Rows.Select(r => (b.At, Row: r))).ToList();
        var said = new List<string>();
        if (digest.Items.Count > 0) said.Add($"{digest.Items.Count} xAPI {(digest.Items.Count == 1 ? "statement" : "statements")} did not map");
        if (rows.Count > 0) said.Add($"{rows.Count} CSV {(rows.Count == 1 ? "row was" : "rows were")} refused");
        var subject = $"{string.Join(" and ", said)} on {day}";

        var text = new StringBuilder($"Dear {to.FullName},\n\n");
        var html = new StringBuilder($"<p>Dear {WebUtility.HtmlEncode(to.FullName)},</p>\n");
        if (digest.Items.Count > 0)
        {
            text.Append($"On {day}, {digest.Items.Count} of the statements {providerName} sent did not become completions:\n\n");
            foreach (var item in digest.Items) text.Append($"- {item.StatementId}: {item.Reason}\n");
            text.Append($"\nThe full list, with the verbs: {list}<provider id>/xapi/unmapped\n\n");
            html.Append($"<p>On {day}, {digest.Items.Count} of the statements {WebUtility.HtmlEncode(providerName)} sent did not become completions:</p>\n<ul>\n");
            foreach (var item in digest.Items) html.Append($"<li>{item.StatementId}: {WebUtility.HtmlEncode(item.Reason)}</li>\n");
            html.Append("</ul>\n");
        }
        if (rows.Count > 0)
        {
            text.Append($"On {day}, {rows.Count} of the CSV rows {providerName} posted were refused (nothing was recorded for them):\n\n");
            foreach (var (at, row) in rows) text.Append($"- {Refusal(at, row)}\n");
            text.Append('\n');
            html.Append($"<p>On {day}, {rows.Count} of the CSV rows {WebUtility.HtmlEncode(providerName)} posted were refused (nothing was recorded for them):</p>\n<ul>\n");
            foreach (var (at, row) in rows) html.Append($"<li>{WebUtility.HtmlEncode(Refusal(at, row))}</li>\n");
            html.Append("</ul>\n");
        }
        text.Append($"Stop these digests: {stopLink}\n\nPmoLedger\n");
        html.Append($"<p><a href=\"{WebUtility.HtmlEncode(stopLink)}\">Stop these digests</a></p>\n<p>PmoLedger</p>\n");
        return (subject, text.ToString(), html.ToString());
    }

    private static string Refusal(DateTimeOffset at, RefusedRow row) =>
        $"batch posted at {at.UtcDateTime:HH:mm} UTC, row {row.Row} ({row.Status}): {row.Reason}";
}

/// <summary>Sends the day's digest once and records it on the provider's stream (<see cref="NoticeSender"/>).</summary>
public static class SendProviderDigestHandler
{
    public static void Configure(HandlerChain chain) => NoticeRetries.Apply(chain);

    public static Task<OutgoingMessages> Handle(SendProviderDigest message, NoticeSender sender, WebSettings web, KeyRing keys, CancellationToken ct) =>
        sender.SendOnceAsync<Provider>(message, message.ProviderId, async (session, provider) =>
        {
            if (provider is null) return null;
            var type = EventTypeExtensions.GetEventTypeName<NotificationSent>();
            var sent = (await session.Events.QueryAllRawEvents().Where(e => e.StreamId == message.ProviderId && e.EventTypeName == type).ToListAsync(ct))
                .Select(e => ((NotificationSent)e.Data).Reason).ToList();
            var (from, to) = (Clock.StartOf(message.Day), Clock.StartOf(message.Day.AddDays(1)));
            var items = (await session.Query<XapiStatement>()
                    .Where(x => x.ProviderId == message.ProviderId && x.UnmappedReason != null && x.Voids == null && x.Stored >= from && x.Stored < to)
                    .OrderBy(x => x.Stored).ToListAsync(ct))
                .Select(x => new DigestItem(x.Id, x.Stored, x.Verb, x.UnmappedReason!)).ToList();
            var refused = await CsvRefusals.OfDayAsync(session, message.ProviderId, message.Day, ct);
            var staff = await session.Query<StaffMember>().Where(s => s.ProviderId == message.ProviderId).ToListAsync(ct);
            if (ProviderDigest.Decide(message, sent, items, refused, staff) is not { } digest) return null;

            var baseUrl = web.MailBaseUrl;
            return new DueNotice(digest.Kind, digest.About, digest.Recipients.Select(recipient =>
            {
                var (subject, text, html) = ProviderDigest.Compose(digest, provider.Name, recipient, baseUrl,
                    ProviderDigest.StopLink(keys, baseUrl, recipient.StaffId, ProviderDigest.Kind));
                return new Mail(recipient.Email, subject, text, html);
            }).ToList());
        }, ct);
}
