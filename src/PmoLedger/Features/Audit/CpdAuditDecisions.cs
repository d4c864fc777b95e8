using PmoLedger.Features.Cpd;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Audit;

public sealed record DecideCpdActivity(string? Decision, string? Reason);

/// <summary>The auditor's side of a CPD audit: reading it, deciding each activity, concluding; and the dueBy message.</summary>
public static class CpdAuditRules
{
    /// <summary>Pure: a decision on one activity of an audit, or why it cannot be made.</summary>
    public static (CpdActivityDecided? Decided, ProblemDetails? Problem) Decide(CpdAudit audit, Guid activityId, AuditDecision decision,
        string reason, DateOnly today)
    {
        if (audit.Outcome is not null)
            return (null, Problems.Conflict($"CPD audit {audit.Id} was concluded ({audit.Outcome.Value.Wire()}); its decisions are final."));
        if (!audit.Activities.Contains(activityId))
            return (null, Problems.NotFound($"Activity {activityId} is not under CPD audit {audit.Id}."));
        if (audit.Decisions.FirstOrDefault(d => d.ActivityId == activityId) is { } made)
            return (null, Problems.Conflict($"Activity {activityId} was already {made.Decision.Wire()} on {made.DecidedOn:yyyy-MM-dd} in this audit."));
        return (new CpdActivityDecided(audit.Id, activityId, decision, PersonalText.Of(audit.PractitionerId, reason), today), null);
    }

    /// <summary>Pure: the conclusion, or why it cannot be drawn yet.</summary>
    public static (CpdAuditConcluded? Concluded, ProblemDetails? Problem) Conclude(CpdAudit audit, DateTimeOffset now)
    {
        if (audit.Outcome is not null) return (null, Problems.Conflict($"CPD audit {audit.Id} was already concluded ({audit.Outcome.Value.Wire()})."));
        var outcome = audit.OutcomeNow();
        // No response is a finding only once the practitioner's time is up.
        if (outcome == AuditOutcome.NoResponse && now < audit.DueBy)
            return (null, Problems.Conflict($"No evidence has come yet, and the practitioner has until {audit.DueBy.UtcDateTime:yyyy-MM-dd HH:mm} UTC to send it."));
        return outcome is { } found
            ? (new CpdAuditConcluded(audit.Id, found, Clock.DayOf(now)), null)
            : (null, Problems.Conflict("Evidence came for this audit: decide every activity under audit before concluding " +
                                       $"({audit.Activities.Count(a => audit.Decisions.All(d => d.ActivityId != a))} still undecided)."));
    }

    /// <summary>
    /// Pure: what the dueBy message finds. Overdue when no evidence came and the audit is still open; nothing when
    /// evidence came, the audit was concluded or overdue is already recorded; and if it arrives early by the ledger's
    /// clock (a clock moved back), it is sent again for the time left rather than recording early.
    /// </summary>
    public static (CpdAuditOverdue? Overdue, Scheduled? Again) OnDue(CpdAudit audit, CpdAuditDue message, DateTimeOffset now)
    {
        if (audit.Outcome is not null || audit.Evidence.Count > 0 || audit.Overdue) return (null, null);
        if (now < audit.DueBy) return (null, new Scheduled(message, audit.DueBy - now));
        return (new CpdAuditOverdue(audit.Id, audit.DueBy, Clock.DayOf(now)), null);
    }
}

public static class GetCpdAuditEndpoint
{
    [EndpointSummary("Read a CPD audit")]
    [EndpointDescription("Auditors. The activities under audit, the evidence sent (notes, links, files), the decisions and the state.")]
    [ProducesResponseType<CpdAudit>(200)]
    [WolverineGet("/api/audit/cpd-audits/{auditId}", OperationId = "getCpdAudit")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Get(Guid auditId, IQuerySession session, CancellationToken ct)
    {
        var audit = await session.LoadAsync<CpdAudit>(auditId, ct);
        var full = audit is null ? null : await CpdAuditFacts.WithTextAsync(session, audit, ct);
        return full is null ? Results.Problem(Problems.NotFound($"No CPD audit {auditId}.")) : Results.Ok(full);
    }
}

public static class DecideCpdActivityEndpoint
{
    public static ProblemDetails Validate(DecideCpdActivity? command)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems();
        var decision = problems.Enum<AuditDecision>("decision", command.Decision);
        if (decision == AuditDecision.Rejected && command.Decision is not null) problems.Required("reason", command.Reason);
        problems.MaxLength("reason", command.Reason, 2000);
        return problems.ToProblem();
    }

    [EndpointSummary("Decide an activity under CPD audit")]
    [EndpointDescription("Auditors. `{decision: accepted | rejected, reason}` (a reason is required to reject). A rejected activity stays recorded and stops counting at once; certifications are settled again.")]
    [ProducesResponseType(204)]
    [WolverinePost("/api/audit/cpd-audits/{auditId}/activities/{activityId}/decision", OperationId = "decideCpdActivity")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<(IResult, OutgoingMessages)> Post(Guid auditId, Guid activityId, DecideCpdActivity command, IDocumentSession session,
        TimeProvider clock, CancellationToken ct)
    {
        var audit = await session.LoadAsync<CpdAudit>(auditId, ct);
        if (audit is null) return (Results.Problem(Problems.NotFound($"No CPD audit {auditId}.")), []);
        WireNames.TryParse<AuditDecision>(command.Decision, out var decision);
        var (decided, problem) = CpdAuditRules.Decide(audit, activityId, decision, command.Reason?.Trim() ?? "", clock.Today());
        if (problem is not null) return (Results.Problem(problem), []);

        var stream = await session.Events.FetchForWriting<Practitioner>(audit.PractitionerId, ct);
        stream.AppendOne(decided!);
        return (Results.NoContent(), [new CpdFactsChanged(audit.PractitionerId)]);
    }
}

public static class ConcludeCpdAuditEndpoint
{
    [EndpointSummary("Conclude a CPD audit")]
    [EndpointDescription("Auditors. The outcome follows from the record: `failed` if any activity was rejected, `passed` if all were accepted, `no-response` if no evidence came by dueBy.")]
    [ProducesResponseType(204)]
    [WolverinePost("/api/audit/cpd-audits/{auditId}/conclude", OperationId = "concludeCpdAudit")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<(IResult, OutgoingMessages)> Post(Guid auditId, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        var audit = await session.LoadAsync<CpdAudit>(auditId, ct);
        if (audit is null) return (Results.Problem(Problems.NotFound($"No CPD audit {auditId}.")), []);
        var (concluded, problem) = CpdAuditRules.Conclude(audit, clock.GetUtcNow());
        if (problem is not null) return (Results.Problem(problem), []);
        var stream = await session.Events.FetchForWriting<Practitioner>(audit.PractitionerId, ct);
        stream.AppendOne(concluded!);
        return (Results.NoContent(), new[] { CpdAuditNotices.Outcome(audit.PractitionerId, audit.Id) }.ToOutgoing());
    }
}

public static class CpdAuditDueHandler
{
    public static async Task<OutgoingMessages> Handle(CpdAuditDue message, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        var audit = await session.LoadAsync<CpdAudit>(message.AuditId, ct);
        if (audit is null) return [];
        var (overdue, again) = CpdAuditRules.OnDue(audit, message, clock.GetUtcNow());
        if (overdue is not null)
        {
            var stream = await session.Events.FetchForWriting<Practitioner>(message.PractitionerId, ct);
            stream.AppendOne(overdue);
        }
        return again is null ? [] : new[] { again }.ToOutgoing();
    }
}
