using System.Collections.Immutable;
using JasperFx.Events;
using Marten.Events.Projections;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Cpd;

// A CPD audit lives in the audited practitioner's stream (so it is on their timeline and in the hash chain
// with the activities it is about); the campaign that started it has a stream of its own
// (OpenCpdAuditCampaign.cs). Auditors write these audit records only: the activities stay as logged.

public enum AuditDecision { Accepted, Rejected }

public enum AuditOutcome { Passed, Failed, NoResponse }

/// <summary>Every event of a CPD audit carries its id: the audit read model is keyed by it.</summary>
public interface ICpdAuditEvent
{
    Guid AuditId { get; }
}

/// <summary>A campaign selected the practitioner: these self-logged activities are to be evidenced by DueBy.</summary>
public sealed record CpdAuditStarted(Guid AuditId, Guid CampaignId, string CampaignName, ImmutableList<Guid> Activities,
    DateTimeOffset DueBy, DateOnly StartedOn) : ICpdAuditEvent, IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => StartedOn;
}

/// <summary>
/// An uploaded file, described in the event so the hash chain covers it; the bytes are kept sealed beside the log.
/// The name it was uploaded under is not kept: it may say who the person is, and the content type names it well enough.
/// </summary>
public sealed record EvidenceFile(string Sha256, long Size, string ContentType);

public sealed record CpdEvidenceSubmitted(Guid AuditId, Guid EvidenceId, Guid ActivityId, PersonalText Note, PersonalText? EvidenceUrl,
    EvidenceFile? File, DateOnly SubmittedOn) : ICpdAuditEvent, IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => SubmittedOn;
}

/// <summary>An auditor's decision on one activity; a rejected activity stops counting (CpdFacts.Fold).</summary>
public sealed record CpdActivityDecided(Guid AuditId, Guid ActivityId, AuditDecision Decision, PersonalText Reason, DateOnly DecidedOn)
    : ICpdAuditEvent, IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => DecidedOn;
}

public sealed record CpdAuditConcluded(Guid AuditId, AuditOutcome Outcome, DateOnly ConcludedOn) : ICpdAuditEvent, IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => ConcludedOn;
}

/// <summary>Recorded at DueBy by a durable scheduled message when no evidence had come.</summary>
public sealed record CpdAuditOverdue(Guid AuditId, DateTimeOffset DueBy, DateOnly RecordedOn) : ICpdAuditEvent, IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => RecordedOn;
}

public enum AuditState { AwaitingEvidence, EvidenceSubmitted, Overdue, Concluded }

public sealed record EvidenceItem(Guid EvidenceId, Guid ActivityId, DateOnly SubmittedOn, EvidenceFile? File, string? Note, string? EvidenceUrl);

public sealed record ActivityDecision(Guid ActivityId, AuditDecision Decision, DateOnly DecidedOn, string? Reason);

/// <summary>
/// One CPD audit as its events left it. Stored (keyed by audit id, for the auditor's routes) without the personal
/// text, which an erasure must be able to reach; the views that show notes and reasons fold the practitioner's
/// own stream again (<see cref="CpdAuditFacts.FromStream"/>), so the text is read under the practitioner's key.
/// </summary>
public sealed record CpdAudit
{
    public Guid Id { get; init; }
    public Guid PractitionerId { get; init; }
    public Guid CampaignId { get; init; }
    public string CampaignName { get; init; } = "";
    public ImmutableList<Guid> Activities { get; init; } = [];
    public DateTimeOffset DueBy { get; init; }
    public DateOnly StartedOn { get; init; }
    public ImmutableList<EvidenceItem> Evidence { get; init; } = [];
    public ImmutableList<ActivityDecision> Decisions { get; init; } = [];
    public AuditOutcome? Outcome { get; init; }
    public DateOnly? ConcludedOn { get; init; }
    public bool Overdue { get; init; }

    public AuditState State => Outcome is not null ? AuditState.Concluded
        : Evidence.Count > 0 ? AuditState.EvidenceSubmitted
        : Overdue ? AuditState.Overdue
        : AuditState.AwaitingEvidence;

    /// <summary>The outcome conclude records: failed on any rejection, passed when all were accepted, no-response without evidence.</summary>
    public AuditOutcome? OutcomeNow() =>
        Decisions.Any(d => d.Decision == AuditDecision.Rejected) ? AuditOutcome.Failed
        : Activities.All(a => Decisions.Any(d => d.ActivityId == a)) ? AuditOutcome.Passed
        : Evidence.Count == 0 ? AuditOutcome.NoResponse
        : null;
}

public static class CpdAuditFacts
{
    /// <summary>The one fold of an audit's events; <paramref name="withText"/> keeps notes, URLs and reasons.</summary>
    public static CpdAudit? Fold(CpdAudit? audit, Guid practitionerId, object e, bool withText) => e switch
    {
        CpdAuditStarted s => new CpdAudit
        {
            Id = s.AuditId, PractitionerId = practitionerId, CampaignId = s.CampaignId, CampaignName = s.CampaignName,
            Activities = s.Activities, DueBy = s.DueBy, StartedOn = s.StartedOn
        },
        CpdEvidenceSubmitted x when audit is not null => audit with
        {
            Evidence = audit.Evidence.Add(new EvidenceItem(x.EvidenceId, x.ActivityId, x.SubmittedOn, x.File,
                withText ? x.Note : null, withText ? x.EvidenceUrl : null))
        },
        CpdActivityDecided d when audit is not null => audit with
        {
            Decisions = audit.Decisions.Add(new ActivityDecision(d.ActivityId, d.Decision, d.DecidedOn, withText ? d.Reason : null))
        },
        CpdAuditConcluded c when audit is not null => audit with { Outcome = c.Outcome, ConcludedOn = c.ConcludedOn },
        CpdAuditOverdue when audit is not null => audit with { Overdue = true },
        _ => audit
    };

    /// <summary>Every audit of a practitioner with its personal text, from their stream (oldest first).</summary>
    public static IReadOnlyList<CpdAudit> FromStream(Guid practitionerId, IEnumerable<IEvent> events)
    {
        var audits = new Dictionary<Guid, CpdAudit>();
        foreach (var e in events)
        {
            if (e.Data is not ICpdAuditEvent a) continue;
            if (CpdAuditFacts.Fold(audits.GetValueOrDefault(a.AuditId), practitionerId, e.Data, withText: true) is { } audit)
                audits[a.AuditId] = audit;
        }
        return audits.Values.OrderBy(x => x.StartedOn).ToList();
    }

    public static async Task<CpdAudit?> WithTextAsync(IQuerySession session, CpdAudit audit, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(audit.PractitionerId, token: ct);
        return FromStream(audit.PractitionerId, events).FirstOrDefault(a => a.Id == audit.Id);
    }
}

/// <summary>Audits by id, across practitioners' streams, for the auditor's routes (no personal text: see <see cref="CpdAudit"/>).</summary>
public partial class CpdAuditProjection : MultiStreamProjection<CpdAudit, Guid>
{
    public CpdAuditProjection() => Identity<ICpdAuditEvent>(e => e.AuditId);

    public override CpdAudit? Evolve(CpdAudit? snapshot, Guid id, IEvent e) => CpdAuditFacts.Fold(snapshot, e.StreamId, e.Data, withText: false);
}

public static class ListPractitionerCpdAuditsEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin, Roles.Auditor);

    [EndpointSummary("List a practitioner's CPD audits")]
    [EndpointDescription("The practitioner, admins and auditors: each audit with the activities under audit, what was sent, the decisions and the state.")]
    [ProducesResponseType<IReadOnlyList<CpdAudit>>(200)]
    [WolverineGet("/api/practitioners/{id}/cpd-audits", OperationId = "listPractitionerCpdAudits")]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct)
    {
        var events = await PmoLedger.Features.Audit.PastState.PractitionerEventsAsync(session, id, null, ct);
        return events is null
            ? Results.Problem(Problems.NotFound($"No practitioner {id}."))
            : Results.Ok(CpdAuditFacts.FromStream(id, events));
    }
}
