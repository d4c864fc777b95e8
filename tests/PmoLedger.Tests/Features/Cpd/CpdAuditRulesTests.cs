using PmoLedger.Features.Audit;
using PmoLedger.Features.Cpd;

namespace PmoLedger.Tests.Features.Cpd;

/// <summary>The auditor's decisions, the conclusion and the dueBy message as pure functions of the audit's state.</summary>
public class CpdAuditRulesTests
{
    private static readonly Guid First = Guid.NewGuid(), Second = Guid.NewGuid();
    private static readonly DateOnly Today = new(2026, 6, 1);
    private static readonly DateTimeOffset DueBy = new(2026, 7, 1, 9, 0, 0, TimeSpan.Zero);

    private static CpdAudit Audit() => new()
    {
        Id = Guid.NewGuid(), PractitionerId = Guid.NewGuid(), CampaignId = Guid.NewGuid(), Activities = [First, Second], DueBy = DueBy,
        StartedOn = Today
    };

    private static EvidenceItem Evidence(Guid activity) => new(Guid.NewGuid(), activity, Today, null, null, null);

    [Fact]
    public void an_activity_is_decided_once_only_while_the_audit_is_open_and_only_if_it_is_under_audit()
    {
        var audit = Audit();
        CpdAuditRules.Decide(audit, First, AuditDecision.Rejected, "No evidence", Today).Decided!.Decision.ShouldBe(AuditDecision.Rejected);
        CpdAuditRules.Decide(audit, Guid.NewGuid(), AuditDecision.Accepted, "", Today).Problem!.Status.ShouldBe(404);
        var decided = audit with { Decisions = [new ActivityDecision(First, AuditDecision.Accepted, Today, null)] };
        CpdAuditRules.Decide(decided, First, AuditDecision.Rejected, "x", Today).Problem!.Status.ShouldBe(409);
        CpdAuditRules.Decide(audit with { Outcome = AuditOutcome.Passed }, First, AuditDecision.Rejected, "x", Today).Problem!.Status.ShouldBe(409);
    }

    [Fact]
    public void the_outcome_follows_from_the_record()
    {
        var audit = Audit();
        CpdAuditRules.Conclude(audit, DueBy.AddSeconds(-1)).Problem!.Status.ShouldBe(409);
        CpdAuditRules.Conclude(audit, DueBy).Concluded!.Outcome.ShouldBe(AuditOutcome.NoResponse);
        var withEvidence = audit with { Evidence = [Evidence(First)] };
        CpdAuditRules.Conclude(withEvidence, DueBy).Problem!.Status.ShouldBe(409);
        var oneRejected = withEvidence with { Decisions = [new ActivityDecision(First, AuditDecision.Rejected, Today, null)] };
        CpdAuditRules.Conclude(oneRejected, DueBy).Concluded!.Outcome.ShouldBe(AuditOutcome.Failed);
        var allAccepted = withEvidence with
        {
            Decisions = [new ActivityDecision(First, AuditDecision.Accepted, Today, null), new ActivityDecision(Second, AuditDecision.Accepted, Today, null)]
        };
        CpdAuditRules.Conclude(allAccepted, DueBy.AddDays(-5)).Concluded!.Outcome.ShouldBe(AuditOutcome.Passed);
        CpdAuditRules.Conclude(allAccepted with { Outcome = AuditOutcome.Passed }, DueBy).Problem!.Status.ShouldBe(409);
    }

    [Fact]
    public void the_due_message_records_overdue_only_at_due_by_and_only_without_evidence()
    {
        var audit = Audit();
        var message = new CpdAuditDue(audit.PractitionerId, audit.Id);
        CpdAuditRules.OnDue(audit, message, DueBy).Overdue.ShouldNotBeNull();
        var (overdue, again) = CpdAuditRules.OnDue(audit, message, DueBy.AddHours(-2));
        overdue.ShouldBeNull();
        again!.Delay.ShouldBe(TimeSpan.FromHours(2));
        CpdAuditRules.OnDue(audit with { Evidence = [Evidence(Second)] }, message, DueBy.AddDays(1)).ShouldBe((null, null));
        CpdAuditRules.OnDue(audit with { Overdue = true }, message, DueBy.AddDays(1)).ShouldBe((null, null));
        CpdAuditRules.OnDue(audit with { Outcome = AuditOutcome.NoResponse }, message, DueBy.AddDays(1)).ShouldBe((null, null));
    }
}
