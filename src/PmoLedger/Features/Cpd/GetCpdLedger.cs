using System.Collections.Immutable;
using JasperFx.Events;
using Marten.Events.Aggregation;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Cpd;

/// <summary>The stored CPD facts: every entry (revoked ones marked) and every certification cycle.</summary>
public sealed class CpdLedger
{
    public Guid Id { get; set; }
    public ImmutableList<CpdEntry> Entries { get; set; } = [];
    public ImmutableList<CertificationRecord> Certifications { get; set; } = [];
}

public partial class CpdLedgerProjection : SingleStreamProjection<CpdLedger, Guid>
{
    public CpdLedgerProjection() => FilterIncomingEventsOnStreamType(typeof(Practitioner));

    public override CpdLedger? Evolve(CpdLedger? snapshot, Guid id, IEvent e)
    {
        // The stream-type filter does not keep provider streams out of inline updates; a stream
        // that never registered a practitioner makes no document (ProviderIsNotAPractitionerTests).
        if (snapshot is null && e.Data is not PractitionerRegistered) return null;
        var ledger = snapshot ?? new CpdLedger { Id = id };
        ledger.Entries = CpdFacts.Fold(ledger.Entries, e.Data);
        ledger.Certifications = CertificationFacts.Fold(ledger.Certifications, e.Data);
        return ledger;
    }
}

public enum CycleStatus { Open, Renewed, Expired }

public sealed record CycleView(
    Guid CertificationId, string CertificationCode, DateOnly Start, DateOnly RenewBy, string RuleVersion, CycleStatus Status,
    bool Met, IReadOnlyList<PeriodResult> Periods);

public sealed record UncountedEntry(Guid Id, CpdSource Source, CpdCategory Category, string Title, DateOnly OccurredOn, decimal Points, bool Revoked);

/// <summary>
/// The CPD ledger: every cycle of every certification, evaluated under the rule version that cycle
/// started with. The arithmetic runs when the ledger is read; the stored document holds facts only.
/// </summary>
public sealed record CpdLedgerView(Guid PractitionerId, string RuleVersion, IReadOnlyList<CycleView> Cycles, IReadOnlyList<UncountedEntry> OutsideAnyCycle)
{
    public static CpdLedgerView From(CpdLedger ledger)
    {
        var cycles = new List<CycleView>();
        // A revoked award has no CPD cycle: it stops counting.
        foreach (var certification in ledger.Certifications.Where(c => c.Counts).OrderBy(c => c.AwardedOn))
        {
            for (var i = 0; i < certification.Cycles.Count; i++)
            {
                var cycle = certification.Cycles[i];
                var result = CpdScheme.Evaluate(CpdRuleSet.Named(cycle.RuleVersion), ledger.Entries, cycle.Start, cycle.RenewBy);
                // A cycle followed by one from a later day lapsed before an exam pass reinstated the certification.
                var next = i < certification.Cycles.Count - 1 ? certification.Cycles[i + 1] : null;
                var status = next is not null ? (next.Start == cycle.RenewBy ? CycleStatus.Renewed : CycleStatus.Expired)
                    : certification.ExpiredOn is not null ? CycleStatus.Expired : CycleStatus.Open;
                cycles.Add(new CycleView(certification.CertificationId, certification.Code, cycle.Start, cycle.RenewBy, cycle.RuleVersion,
                    status, result.Met, result.Periods));
            }
        }

        var outside = CpdScheme.OutsideCycles(ledger.Entries, cycles.Select(c => (c.Start, c.RenewBy)))
            .Select(e => new UncountedEntry(e.Id, e.Source, e.Category, e.Title, e.OccurredOn, e.Points, e.Revoked)).ToList();
        return new CpdLedgerView(ledger.Id, CpdRuleSet.Current.Version, cycles, outside);
    }
}

public static class GetCpdLedgerEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin, Roles.Auditor);

    [EndpointSummary("Read a practitioner's CPD ledger")]
    [EndpointDescription("The practitioner, admins and auditors.")]
    [ProducesResponseType<CpdLedgerView>(200)]
    [WolverineGet("/api/practitioners/{id}/cpd", OperationId = "getCpdLedger")]
    public static Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct)
        => ReadModels.Answer<CpdLedger>(session, id, CpdLedgerView.From, ct);
}
