using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;
using PmoLedger.Web;
using Wolverine.Runtime.Handlers;

namespace PmoLedger.Features.Notifications;

/// <summary>A CPD audit notice falls due: ids and a kind only (privacy.md); the handler decides again from the record.</summary>
public sealed record SendCpdAuditNotice(Guid PractitionerId, Guid AuditId, string Kind);

/// <summary>An activity under audit, as the notice names it.</summary>
public sealed record AuditedActivity(string Title, DateOnly OccurredOn, decimal Points, CpdCategory Category);

/// <summary>What a CPD audit notice says.</summary>
public sealed record CpdAuditNotice(string Kind, string About, string CampaignName, IReadOnlyList<AuditedActivity> Activities,
    DateTimeOffset DueBy, AuditOutcome? Outcome);

/// <summary>
/// The three CPD audit notices: selected (when the audit starts), a reminder 7 days before dueBy while no evidence has
/// come, and the outcome. The scheme obliges us to send them: none can be stopped.
/// </summary>
public static class CpdAuditNotices
{
    public static readonly TimeSpan ReminderBefore = TimeSpan.FromDays(7);

    /// <summary>
    /// What a started audit schedules: the selection notice at once (<see cref="RenewalNotices.Grace"/>, so the notice's
    /// write does not race the campaign's), and the reminder 7 days before dueBy when the audit gives longer than that
    /// (a shorter one has its date in the selection notice, days earlier).
    /// </summary>
    public static IEnumerable<Scheduled> Schedule(Guid practitionerId, CpdAuditStarted started, DateTimeOffset now)
    {
        yield return new Scheduled(new SendCpdAuditNotice(practitionerId, started.AuditId, NotificationKinds.CpdAuditSelected), RenewalNotices.Grace);
        var remindAt = started.DueBy - ReminderBefore;
        if (remindAt > now + RenewalNotices.Grace)
            yield return new Scheduled(new SendCpdAuditNotice(practitionerId, started.AuditId, NotificationKinds.CpdAuditReminder), remindAt - now);
    }

    /// <summary>What a concluded audit schedules: its outcome, at once.</summary>
    public static Scheduled Outcome(Guid practitionerId, Guid auditId) =>
        new(new SendCpdAuditNotice(practitionerId, auditId, NotificationKinds.CpdAuditOutcome), RenewalNotices.Grace);

    /// <summary>
    /// Whether the notice is still due when its message fires: nothing for an erased or unknown person, an audit not
    /// theirs, a reason already sent; the selection notice not once the audit concluded, the reminder not once evidence
    /// came or the audit concluded, the outcome only once concluded.
    /// </summary>
    public static CpdAuditNotice? Decide(Practitioner? practitioner, CpdAudit? audit, SendCpdAuditNotice message)
    {
        if (practitioner is null || practitioner.Erased || audit is null || audit.PractitionerId != practitioner.Id) return null;
        var about = audit.Id.ToString("D");
        if (practitioner.Notified.Contains(NotificationSent.Key(message.Kind, about))) return null;
        var due = message.Kind switch
        {
            NotificationKinds.CpdAuditSelected => audit.Outcome is null,
            NotificationKinds.CpdAuditReminder => audit.Outcome is null && audit.Evidence.Count == 0,
            NotificationKinds.CpdAuditOutcome => audit.Outcome is not null,
            _ => false
        };
        if (!due) return null;
        var activities = audit.Activities
            .Select(id => practitioner.Cpd.FirstOrDefault(e => e.Id == id))
            .OfType<CpdEntry>()
            .Select(e => new AuditedActivity(e.Title, e.OccurredOn, e.Points, e.Category))
            .ToList();
        return new CpdAuditNotice(message.Kind, about, audit.CampaignName, activities, audit.DueBy, audit.Outcome);
    }

    public static (string Subject, string Text, string Html) Compose(CpdAuditNotice notice, string fullName, string baseUrl)
    {
        var link = baseUrl.TrimEnd('/') + "/me/cpd-audits";
        var dueBy = $"{RenewalNoticeMail.Date(Clock.DayOf(notice.DueBy))}, {notice.DueBy.UtcDateTime:HH:mm} UTC";
        var lines = new List<string>();
        string subject;
        switch (notice.Kind)
        {
            case NotificationKinds.CpdAuditOutcome:
                var outcome = notice.Outcome!.Value;
                subject = $"Your CPD audit \"{notice.CampaignName}\" has concluded: {outcome.Wire()}";
                lines.Add($"The CPD audit \"{notice.CampaignName}\" of your record has concluded.");
                lines.Add(outcome switch
                {
                    AuditOutcome.Passed => "Outcome: passed. Every activity under audit was accepted.",
                    AuditOutcome.Failed => "Outcome: failed. At least one activity was rejected: it stays on your record and no longer counts. The reasons are on the audit page.",
                    _ => "Outcome: no response. No evidence came by the date it was due."
                });
                break;
            case NotificationKinds.CpdAuditReminder:
                subject = $"Reminder: your CPD audit evidence is due by {dueBy}";
                lines.Add($"No evidence has come yet for the CPD audit \"{notice.CampaignName}\". It is due by {dueBy}.");
                lines.Add("Send evidence for these activities:");
                break;
            default:
                subject = $"Your CPD has been selected for audit: send evidence by {dueBy}";
                lines.Add($"Your CPD record was selected for the audit \"{notice.CampaignName}\".");
                lines.Add($"Send evidence (a certificate, a file or a link, with a note) for these activities by {dueBy}:");
                break;
        }
        if (notice.Kind != NotificationKinds.CpdAuditOutcome)
            lines.AddRange(notice.Activities.Select(a =>
                $"- {a.Title} ({RenewalNoticeMail.Date(a.OccurredOn)}, {RenewalNoticeMail.Points(a.Points)} of {a.Category.Wire()})"));
        return RenewalNoticeMail.Render(fullName, lines, link, "Your CPD audits", subject);
    }
}

/// <summary>Sends a due CPD audit notice once and records it (<see cref="NoticeSender"/>).</summary>
public static class SendCpdAuditNoticeHandler
{
    public static void Configure(HandlerChain chain) => NoticeRetries.Apply(chain);

    public static Task<OutgoingMessages> Handle(SendCpdAuditNotice message, NoticeSender sender, WebSettings web, CancellationToken ct) =>
        sender.SendOnceAsync<Practitioner>(message, message.PractitionerId, async (session, practitioner) =>
        {
            var audit = await session.LoadAsync<CpdAudit>(message.AuditId, ct);
            if (CpdAuditNotices.Decide(practitioner, audit, message) is not { } notice) return null;
            var (subject, text, html) = CpdAuditNotices.Compose(notice, practitioner!.FullName, web.MailBaseUrl);
            return new DueNotice(notice.Kind, notice.About, [new Mail(practitioner.Email, subject, text, html)]);
        }, ct);
}
