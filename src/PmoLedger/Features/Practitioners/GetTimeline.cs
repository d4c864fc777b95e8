using System.Data.Common;
using System.Globalization;
using JasperFx.Events;
using Marten.Events.Aggregation;
using Npgsql;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Plan;

namespace PmoLedger.Features.Practitioners;

public sealed class TimelineEntry
{
    public DateOnly OccurredOn { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public string? RecordedBy { get; set; }
    public string Kind { get; set; } = "";
    public string Summary { get; set; } = "";
    public string Status { get; set; } = "active";
    public Guid? Ref { get; set; }
}

public sealed class Timeline
{
    public Guid Id { get; set; }

    /// <summary>Ordered by occurredOn, then by recording order.</summary>
    public List<TimelineEntry> Entries { get; set; } = [];

    /// <summary>Names of the things entries refer to (role titles, course titles…), for later summaries.</summary>
    public Dictionary<Guid, string> Names { get; set; } = [];

    public void Add(IEvent e, DateOnly occurredOn, string kind, string summary, Guid? reference)
    {
        var entry = new TimelineEntry
        {
            OccurredOn = occurredOn, RecordedAt = e.Timestamp, RecordedBy = e.UserName,
            Kind = kind, Summary = summary, Ref = reference
        };
        // Insert after every entry on or before that date: a stable sort by (occurredOn, recording order).
        var index = Entries.FindLastIndex(x => x.OccurredOn <= occurredOn) + 1;
        Entries.Insert(index, entry);
    }

    public string NameOf(Guid id, string fallback) => Names.TryGetValue(id, out var name) ? name : fallback;
}

/// <summary>The practitioner's progression story, one plain-English entry per event.</summary>
public partial class TimelineProjection : SingleStreamProjection<Timeline, Guid>
{
    // Provider streams share the store; only practitioner streams make timelines.
    public TimelineProjection() => FilterIncomingEventsOnStreamType(typeof(Practitioner));

    public override Timeline? Evolve(Timeline? snapshot, Guid id, IEvent e)
    {
        // The stream-type filter does not keep provider streams out of inline updates; a stream
        // that never registered a practitioner makes no document (ProviderIsNotAPractitionerTests).
        if (snapshot is null && e.Data is not PractitionerRegistered) return null;
        var timeline = snapshot ?? new Timeline { Id = id };
        switch (e.Data)
        {
            case PractitionerRegistered r:
                timeline.Add(e, r.RegisteredOn, "registered", $"{r.FullName} joined the ledger.", r.PractitionerId);
                break;
            case PractitionerDetailsCorrected c:
                timeline.Add(e, c.CorrectedOn, "details-corrected", CorrectionSummary(c), c.PractitionerId);
                break;
            case RoleStarted s:
                timeline.Names[s.RoleId] = $"{s.Title} at {s.Organisation}";
                timeline.Add(e, s.StartedOn, "role-changed", Describe(s), s.RoleId);
                break;
            case RoleEnded x:
                timeline.Add(e, x.EndedOn, "role-ended",
                    $"Left {timeline.NameOf(x.RoleId, "a role")}{(x.EndedBySuccessor ? " for a new role" : "")}.", x.RoleId);
                break;
            case CareerLevelReached c:
                timeline.Add(e, c.EffectiveOn, "career-level-reached", Describe(c), null);
                break;
            case TrainingCompleted t:
                timeline.Add(e, t.CompletedOn, "training-completed", Describe(t), t.CompletionId);
                break;
            case CompletionRevoked r:
                // The entry stays where it was: history shows it happened and was withdrawn.
                foreach (var entry in timeline.Entries.Where(x => x.Ref == r.CompletionId && x.Kind == "training-completed"))
                    entry.Status = "revoked";
                break;
            case CertificationAwarded a:
                timeline.Names[a.CertificationId] = $"{a.Name} ({a.Code})";
                timeline.Add(e, a.AwardedOn, "certification-awarded",
                    $"Awarded {a.Name} ({a.Code}), certificate {a.CertificateNumber}; renew by {a.RenewBy:yyyy-MM-dd}.", a.CertificationId);
                break;
            case CertificationRenewed r:
                timeline.Add(e, r.RenewedOn, "certification-renewed", Describe(r, timeline.NameOf(r.CertificationId, r.Code)), r.CertificationId);
                break;
            case CertificationRenewalWithdrawn w:
                foreach (var entry in timeline.Entries.Where(x => x.Ref == w.CertificationId && x.Kind == "certification-renewed").TakeLast(1))
                    entry.Status = "withdrawn";
                timeline.Add(e, w.WithdrawnOn, "certification-renewal-withdrawn",
                    $"The CPD renewal of {timeline.NameOf(w.CertificationId, w.Code)} was withdrawn: a CPD audit rejected an activity the cycle " +
                    $"needed. Renew by {w.ReinstatedRenewBy:yyyy-MM-dd}.", w.CertificationId);
                break;
            case CertificationExpired x:
                timeline.Add(e, x.ExpiredOn, "certification-expired",
                    $"{timeline.NameOf(x.CertificationId, x.Code)} expired: it was not renewed by {x.ExpiredOn:yyyy-MM-dd}.", x.CertificationId);
                break;
            case CertificationRevoked r:
                // The award stays where it was, marked revoked; the revocation has its own entry with the reason.
                foreach (var entry in timeline.Entries.Where(x => x.Ref == r.CertificationId && x.Kind == "certification-awarded"))
                    entry.Status = "revoked";
                timeline.Add(e, r.RevokedOn, "certification-revoked",
                    $"The award of {timeline.NameOf(r.CertificationId, r.Code)} was revoked: {r.Reason}", r.CertificationId);
                break;
            case CredentialIssued i:
                timeline.Names[i.CredentialId] = $"\"{i.Name}\"";
                timeline.Add(e, i.IssuedOn, "credential-issued", $"Issued the digital credential \"{i.Name}\".", i.CredentialId);
                break;
            case CredentialRevoked r:
                foreach (var entry in timeline.Entries.Where(x => x.Ref == r.CredentialId && x.Kind == "credential-issued"))
                    entry.Status = "revoked";
                break;
            case CpdActivityLogged l:
                timeline.Names[l.ActivityId] = l.Title;
                timeline.Add(e, l.OccurredOn, "cpd-logged",
                    string.Create(CultureInfo.InvariantCulture,
                        $"Logged {l.Points:0.#} CPD {(l.Points == 1 ? "point" : "points")} of {l.Category.Wire()}: {l.Title}."), l.ActivityId);
                break;
            case CpdAuditStarted a:
                timeline.Names[a.AuditId] = $"\"{a.CampaignName}\"";
                timeline.Add(e, a.StartedOn, "cpd-audit-started",
                    $"Selected for CPD audit in \"{a.CampaignName}\": evidence for {a.Activities.Count} " +
                    $"{(a.Activities.Count == 1 ? "activity" : "activities")} is due by {a.DueBy.UtcDateTime:yyyy-MM-dd HH:mm} UTC.", a.AuditId);
                break;
            case CpdEvidenceSubmitted x:
                timeline.Add(e, x.SubmittedOn, "cpd-evidence-submitted",
                    $"Sent CPD audit evidence for \"{timeline.NameOf(x.ActivityId, "an activity")}\"{(x.File is { } f ? $" ({f.ContentType}, {f.Size} bytes)" : "")}.",
                    x.ActivityId);
                break;
            case CpdActivityDecided d:
                timeline.Add(e, d.DecidedOn, d.Decision == AuditDecision.Rejected ? "cpd-activity-rejected" : "cpd-activity-accepted",
                    d.Decision == AuditDecision.Rejected
                        ? $"The CPD audit rejected \"{timeline.NameOf(d.ActivityId, "an activity")}\": it no longer counts. Reason: {d.Reason}"
                        : $"The CPD audit accepted \"{timeline.NameOf(d.ActivityId, "an activity")}\".", d.ActivityId);
                if (d.Decision == AuditDecision.Rejected)
                    foreach (var entry in timeline.Entries.Where(x => x.Ref == d.ActivityId && x.Kind == "cpd-logged"))
                        entry.Status = "rejected";
                break;
            case CpdAuditConcluded c:
                timeline.Add(e, c.ConcludedOn, "cpd-audit-concluded", $"The CPD audit concluded: {c.Outcome.Wire()}.", c.AuditId);
                break;
            case CpdAuditOverdue o:
                timeline.Add(e, o.RecordedOn, "cpd-audit-overdue",
                    $"No CPD audit evidence came by {o.DueBy.UtcDateTime:yyyy-MM-dd HH:mm} UTC: the audit is overdue.", o.AuditId);
                break;
            case GoalSet g:
                timeline.Names[g.GoalId] = g.Description;
                timeline.Add(e, g.SetOn, "goal-set",
                    $"Set a {g.Dimension.Wire()} goal for {g.TargetDate:yyyy-MM-dd}: {g.Description}", g.GoalId);
                break;
            case NotificationSent n:
                Guid? subject = Guid.TryParse(n.About.Split('/')[0], out var about) ? about : null;
                timeline.Add(e, Clock.DayOf(n.SentAt), "notification-sent",
                    $"Sent {NotificationKinds.Describe(n.Kind)}" +
                    (subject is { } certification ? $" about {timeline.NameOf(certification, "a certification")}" : "") + " by email.", subject);
                break;
            case NoticesStopped s:
                timeline.Add(e, Clock.DayOf(s.At), "notices-stopped", $"Stopped {NotificationKinds.Describe(s.Kind)}s by email.", null);
                break;
            case NoticesResumed r:
                timeline.Add(e, Clock.DayOf(r.At), "notices-resumed", $"Asked for {NotificationKinds.Describe(r.Kind)}s by email again.", null);
                break;
            case GoalAchieved a:
                timeline.Add(e, a.AchievedOn, "goal-achieved",
                    $"Achieved the goal \"{timeline.NameOf(a.GoalId, "a goal")}\", shown by a {a.EvidenceKind.Wire()} on record.", a.GoalId);
                break;
        }
        return timeline;
    }

    private static string CorrectionSummary(PractitionerDetailsCorrected c)
    {
        var changes = new List<string>();
        if (c.FullName is not null) changes.Add($"name from '{c.PreviousFullName}' to '{c.FullName}'");
        if (c.Email is not null) changes.Add($"email from '{c.PreviousEmail}' to '{c.Email}'");
        return $"Corrected {string.Join(" and ", changes)}.";
    }

    private static string Describe(CareerLevelReached c) => c.Previous switch
    {
        null => $"Started a PMO career at the {c.Level.Wire()} career level ({c.Level.Label()}).",
        { } previous when c.Level < previous => $"Career level is now {c.Level.Wire()} ({c.Level.Label()}), moving from {previous.Wire()}.",
        { } previous => $"Reached the {c.Level.Wire()} career level ({c.Level.Label()}), up from {previous.Wire()}."
    };

    private static string Describe(TrainingCompleted t)
    {
        var points = t.CpdPoints.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
        var source = t.ProviderReference.StartsWith(Xapi.StatementMapping.ReferencePrefix, StringComparison.Ordinal)
            ? $" Reported by xAPI statement {t.ProviderReference[Xapi.StatementMapping.ReferencePrefix.Length..]}."
            : "";
        return $"Completed {t.CourseCode} '{t.CourseTitle}' with {t.ProviderName} ({t.Outcome.Wire()}, {points} CPD point{(t.CpdPoints == 1 ? "" : "s")}).{source}";
    }

    private static string Describe(CertificationRenewed r, string name) => r.Basis switch
    {
        RenewalBasis.Cpd => $"Renewed {name} through CPD: all three periods of the cycle were met; renew by {r.RenewBy:yyyy-MM-dd}.",
        _ when r.AfterExpiry => $"Regained {name} by passing the exam again after it had expired; renew by {r.RenewBy:yyyy-MM-dd}.",
        _ => $"Renewed {name} by passing the exam again; renew by {r.RenewBy:yyyy-MM-dd}."
    };

    private static string Describe(RoleStarted s)
    {
        // "PMO Analyst (PMO Analyst, …)" says it twice; name the family only when the title differs.
        var family = string.Equals(s.Title, s.RoleFamily.Label(), StringComparison.OrdinalIgnoreCase) ? null : s.RoleFamily.Label();
        var details = string.Join(", ", new[] { family, s.Specialism?.Wire(), s.EmploymentType.Wire(), $"{s.OfficeType.Wire()} office" }
            .Where(d => d is not null));
        var concurrent = s.Concurrent ? " alongside their main role" : "";
        return $"Became {s.Title} ({details}) at {s.Organisation} ({s.Industry}){concurrent}.";
    }
}

public sealed record TimelineView(Guid PractitionerId, IReadOnlyList<TimelineEntry> Entries)
{
    public static TimelineView From(Timeline t) => new(t.Id, t.Entries);
}

public static class GetTimelineEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin, Roles.Auditor);

    [EndpointSummary("Read a practitioner's timeline")]
    [EndpointDescription("The practitioner, admins and auditors. Entries are ordered by the date they happened.")]
    [ProducesResponseType<TimelineView>(200)]
    [WolverineGet("/api/practitioners/{id}/timeline", OperationId = "getTimeline")]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct)
    {
        // The stored entries are already the answer: PostgreSQL writes the text of TimelineView's shape around them
        // and its bytes are copied to the response. Nothing is deserialized, and no string of the whole document is
        // made on the busiest read: a long career's timeline is hundreds of KB, twice that as a string, garbage on the
        // large-object heap at every read (docs/benchmarks.md, "Round two, timeline under ingest and memory").
        var command = new NpgsqlCommand(
            $"select '{{\"practitionerId\":\"' || id || '\",\"entries\":' || coalesce(data -> 'entries', '[]')::text || '}}' " +
            $"from {LedgerStore.Schema}.mt_doc_timeline where id = $1")
        {
            Parameters = { new NpgsqlParameter { Value = id } }
        };
        var reader = await session.ExecuteReaderAsync(command, ct);
        if (await reader.ReadAsync(ct)) return new StoredJson(reader);
        await reader.DisposeAsync();
        return Results.Problem(Problems.NotFound($"No practitioner {id}."));
    }

    /// <summary>The first column of the reader's current row, already JSON text, written to the response as it is.</summary>
    private sealed class StoredJson(DbDataReader reader) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            await using (reader)
            {
                httpContext.Response.ContentType = "application/json; charset=utf-8";
                await using var json = reader.GetStream(0);
                await json.CopyToAsync(httpContext.Response.Body, httpContext.RequestAborted);
            }
        }
    }
}
