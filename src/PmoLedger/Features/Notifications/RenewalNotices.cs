using System.Globalization;
using System.Net;
using System.Text;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;
using PmoLedger.Web;
using Wolverine.Runtime.Handlers;

namespace PmoLedger.Features.Notifications;

/// <summary>
/// Due on the first day of a reminder window (or at once), or on renewBy for the expiry notice. Carries ids and dates
/// only (privacy.md: messages hold no personal data); the handler decides again from the record when it fires.
/// </summary>
public sealed record SendRenewalNotice(Guid PractitionerId, Guid CertificationId, DateOnly RenewBy, string Kind);

/// <summary>Points still to count in one unmet period of the current cycle: overall, and per category with a minimum.</summary>
public sealed record PeriodNeed(DateOnly Start, DateOnly End, decimal Points, IReadOnlyDictionary<CpdCategory, decimal> ByCategory);

/// <summary>What a renewal notice says: the certification, the kind, and what CPD still needs (empty: renewal is earned).</summary>
public sealed record RenewalNotice(string Kind, string About, string Name, string Code, DateOnly RenewBy, int DaysLeft, IReadOnlyList<PeriodNeed> StillNeeded)
{
    public bool Earned => StillNeeded.Count == 0;
}

/// <summary>Renewal reminders 90, 30 and 7 days before renewBy, and the expiry notice: when they are due and what they say.</summary>
public static class RenewalNotices
{
    public static readonly int[] Windows = [90, 30, 7];

    /// <summary>
    /// "At once" is this long after the recording: the administrator's follow-up writes to the same record (a second
    /// certification, CPD entered with it) are not raced by the notice's own write, and a record corrected within the
    /// minute is read as corrected.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The expiry notice goes at 01:00 UTC on renewBy: the day's settling message (at 00:00) has recorded the expiry by
    /// then, and the two do not write to the record at the same instant.
    /// </summary>
    public static readonly TimeSpan ExpiryNoticeAfter = TimeSpan.FromHours(1);

    /// <summary>The reason a notice is sent for: one certification's one renewBy (a renewal starts new reasons).</summary>
    public static string About(Guid certificationId, DateOnly renewBy) => $"{certificationId:D}/{renewBy:yyyy-MM-dd}";

    /// <summary>
    /// What a certification's new renewBy schedules: each reminder window still ahead at its first day; of the windows
    /// already begun, only the tightest, at once (<see cref="Grace"/>: a certification recorded 60 days before renewBy
    /// gets the 90-day reminder now, not also a late one); the expiry notice on renewBy (<see cref="ExpiryNoticeAfter"/>).
    /// Stale ones find nothing to do when they fire.
    /// </summary>
    public static IEnumerable<Scheduled> Schedule(Guid practitionerId, IEnumerable<object> events, DateTimeOffset now)
    {
        var today = Clock.DayOf(now);
        foreach (var (certificationId, renewBy) in events.Select(e => e switch
                 {
                     CertificationAwarded a => (a.CertificationId, a.RenewBy),
                     CertificationRenewed r => (r.CertificationId, r.RenewBy),
                     _ => ((Guid, DateOnly)?)null
                 }).OfType<(Guid, DateOnly)>())
        {
            if (renewBy <= today) continue;
            var begun = Windows.Where(w => renewBy.AddDays(-w) <= today).DefaultIfEmpty(0).Min();
            foreach (var window in Windows.Where(w => w == begun || renewBy.AddDays(-w) > today))
            {
                var reminder = new SendRenewalNotice(practitionerId, certificationId, renewBy, NotificationKinds.RenewalReminder(window));
                yield return window == begun ? new Scheduled(reminder, Grace) : Scheduled.At(reminder, renewBy.AddDays(-window), now);
            }
            yield return new Scheduled(new SendRenewalNotice(practitionerId, certificationId, renewBy, NotificationKinds.CertificationExpired),
                Clock.StartOf(renewBy) + ExpiryNoticeAfter - now);
        }
    }

    /// <summary>
    /// Whether the notice is still due, decided from the record when the message fires: nothing for an erased or unknown
    /// person, a certification renewed since (its renewBy moved), one already expired (for a reminder), one not expired
    /// (for the expiry notice), or a reason already sent.
    /// </summary>
    public static RenewalNotice? Decide(Practitioner? practitioner, SendRenewalNotice message, DateOnly today)
    {
        if (practitioner is null || practitioner.Erased) return null;
        var about = About(message.CertificationId, message.RenewBy);
        if (practitioner.Notified.Contains(NotificationSent.Key(message.Kind, about))) return null;
        if (practitioner.Certifications.FirstOrDefault(c => c.CertificationId == message.CertificationId) is not { } certification) return null;
        if (certification.Current.RenewBy != message.RenewBy) return null;

        if (message.Kind == NotificationKinds.CertificationExpired)
        {
            // Expired on record, or expiring today by the rules (the settling message for the same day may not have run yet).
            var expired = certification.ExpiredOn == message.RenewBy
                || CertificationRules.After(practitioner, [], today).OfType<CertificationExpired>().Any(x => x.CertificationId == certification.CertificationId);
            return expired ? new RenewalNotice(message.Kind, about, certification.Name, certification.Code, message.RenewBy, 0, []) : null;
        }
        if (certification.ExpiredOn is not null || today >= message.RenewBy) return null;
        return new RenewalNotice(message.Kind, about, certification.Name, certification.Code, message.RenewBy,
            message.RenewBy.DayNumber - today.DayNumber, StillNeeded(practitioner.Cpd, certification.Current));
    }

    /// <summary>The unmet periods of a cycle, evaluated exactly as the CPD ledger evaluates them.</summary>
    public static IReadOnlyList<PeriodNeed> StillNeeded(IReadOnlyList<CpdEntry> entries, CertificationCycle cycle)
    {
        var rules = CpdRuleSet.Named(cycle.RuleVersion);
        return CpdScheme.Evaluate(rules, entries, cycle.Start, cycle.RenewBy).Periods
            .Where(p => !p.Met)
            .Select(p => new PeriodNeed(p.Start, p.End, Math.Max(0, rules.PeriodMinimum - p.CountedPoints),
                rules.CategoryMinimums
                    .Select(m => (m.Key, Short: m.Value - (p.ByCategory.GetValueOrDefault(m.Key)?.Counted ?? 0)))
                    .Where(m => m.Short > 0)
                    .ToDictionary(m => m.Key, m => m.Short)))
            .ToList();
    }
}

/// <summary>The mail a notice is: plain text and HTML, en-GB dates, a link to the page it is about.</summary>
public static class RenewalNoticeMail
{
    private static readonly CultureInfo EnGb = CultureInfo.GetCultureInfo("en-GB");

    public static string Date(DateOnly day) => day.ToString("d MMMM yyyy", EnGb);

    public static string Points(decimal points) => points.ToString("0.#", CultureInfo.InvariantCulture) + (points == 1 ? " point" : " points");

    public static (string Subject, string Text, string Html) Compose(RenewalNotice notice, string fullName, string baseUrl)
    {
        var link = baseUrl.TrimEnd('/') + "/me/cpd";
        var title = $"{notice.Name} ({notice.Code})";
        var lines = new List<string>();
        string subject;
        if (notice.Kind == NotificationKinds.CertificationExpired)
        {
            subject = $"Your {title} expired on {Date(notice.RenewBy)}";
            lines.Add($"Your certification {title} expired on {Date(notice.RenewBy)}: it was not renewed by then.");
            lines.Add("Passing the exam again reinstates it.");
        }
        else
        {
            subject = $"Your {title} must be renewed by {Date(notice.RenewBy)}";
            lines.Add($"Your certification {title} must be renewed by {Date(notice.RenewBy)}, in {notice.DaysLeft} days.");
            if (notice.Earned) lines.Add("Your CPD already earns the renewal: nothing more is needed.");
            else
            {
                lines.Add("Still needed to renew it through CPD:");
                foreach (var need in notice.StillNeeded)
                    lines.Add($"- {Date(need.Start)} to {Date(need.End)}: {Points(need.Points)}" +
                              string.Concat(need.ByCategory.Select(c => $", of which {Points(c.Value)} of {c.Key.Wire()}")) + ".");
            }
        }
        return Render(fullName, lines, link, "Your CPD record", subject);
    }

    /// <summary>
    /// The body every practitioner notice shares: the greeting, the lines (a line ending in ':' introduces the "- " list
    /// lines after it), the link, and for an optional kind the recipient's own link to stop it, in plain text and HTML.
    /// </summary>
    public static (string Subject, string Text, string Html) Render(string fullName, IReadOnlyList<string> lines, string link, string linkText,
        string subject, string? stopLink = null)
    {
        var text = new StringBuilder($"Dear {fullName},\n\n");
        foreach (var line in lines) text.Append(line).Append(line.EndsWith(':') ? "\n" : "\n\n");
        text.Append($"{linkText}: {link}\n\n");
        if (stopLink is not null) text.Append($"Stop these notices: {stopLink}\n\n");
        text.Append("PmoLedger\n");

        var html = new StringBuilder($"<p>Dear {WebUtility.HtmlEncode(fullName)},</p>\n");
        var list = lines.Where(l => l.StartsWith("- ", StringComparison.Ordinal)).ToList();
        foreach (var line in lines.Except(list)) html.Append($"<p>{WebUtility.HtmlEncode(line)}</p>\n");
        if (list.Count > 0) html.Append("<ul>\n").Append(string.Concat(list.Select(l => $"<li>{WebUtility.HtmlEncode(l[2..])}</li>\n"))).Append("</ul>\n");
        html.Append($"<p><a href=\"{WebUtility.HtmlEncode(link)}\">{WebUtility.HtmlEncode(linkText)}</a></p>\n");
        if (stopLink is not null) html.Append($"<p><a href=\"{WebUtility.HtmlEncode(stopLink)}\">Stop these notices</a></p>\n");
        html.Append("<p>PmoLedger</p>\n");
        return (subject, text.ToString(), html.ToString());
    }
}

/// <summary>
/// Sends a due notice once and records it (<see cref="NoticeSender"/>): a duplicate of the message (rescheduled,
/// redelivered, or on another node) finds the reason claimed or recorded. A failed send records nothing and is retried
/// with growing pauses, then dead-lettered where admins see it.
/// </summary>
public static class SendRenewalNoticeHandler
{
    public static void Configure(HandlerChain chain) => NoticeRetries.Apply(chain);

    public static Task<OutgoingMessages> Handle(SendRenewalNotice message, NoticeSender sender, WebSettings web, TimeProvider clock, CancellationToken ct) =>
        sender.SendOnceAsync<Practitioner>(message, message.PractitionerId, (_, practitioner) =>
        {
            if (RenewalNotices.Decide(practitioner, message, clock.Today()) is not { } notice) return Task.FromResult<DueNotice?>(null);
            var (subject, text, html) = RenewalNoticeMail.Compose(notice, practitioner!.FullName, web.MailBaseUrl);
            return Task.FromResult<DueNotice?>(new DueNotice(notice.Kind, notice.About, [new Mail(practitioner.Email, subject, text, html)]));
        }, ct);
}
