using System.Collections.Immutable;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Cpd;

/// <summary>
/// The CPD facts of a record: every entry (revoked and rejected ones marked), every certification cycle, and the
/// attestations derived from the entries. Derived from the practitioner's write model when read, not stored: the
/// write model already keeps the same entries and cycles with the same folds, and a second copy rewritten whole on
/// every completion made each write cost more as the record grew (docs/benchmarks.md, "xAPI … Round three").
/// </summary>
public sealed class CpdLedger
{
    public Guid Id { get; set; }
    public ImmutableList<CpdEntry> Entries { get; set; } = [];
    public ImmutableList<CertificationRecord> Certifications { get; set; } = [];
    public IReadOnlyList<AttestationMatch> Attestations { get; set; } = [];

    public static CpdLedger Of(Practitioner practitioner) => new()
    {
        Id = practitioner.Id, Entries = practitioner.Cpd, Certifications = practitioner.Certifications,
        Attestations = CrossAttestation.Of(practitioner.Cpd)
    };
}

public enum CycleStatus { Open, Renewed, Expired }

public sealed record CycleView(
    Guid CertificationId, string CertificationCode, DateOnly Start, DateOnly RenewBy, string RuleVersion, CycleStatus Status,
    bool Met, IReadOnlyList<PeriodResult> Periods);

public sealed record UncountedEntry(Guid Id, CpdSource Source, CpdCategory Category, string Title, DateOnly OccurredOn, decimal Points, bool Revoked,
    string? NotCountedBecause = null);

/// <summary>
/// The CPD ledger: every cycle of every certification, evaluated under the rule version that cycle
/// started with (or, for a what-if replay, under one version given for all). The arithmetic runs when the
/// ledger is read, from facts only (the write model's entries and cycles).
/// </summary>
public sealed record CpdLedgerView(Guid PractitionerId, string RuleVersion, IReadOnlyList<CycleView> Cycles, IReadOnlyList<UncountedEntry> OutsideAnyCycle)
{
    public static CpdLedgerView From(CpdLedger ledger) => From(ledger, null);

    public static CpdLedgerView From(CpdLedger ledger, CpdRuleSet? replayUnder)
    {
        var attestations = ledger.Attestations.ToDictionary(a => a.ActivityId);
        var cycles = new List<CycleView>();
        // A revoked award has no CPD cycle: it stops counting.
        foreach (var certification in ledger.Certifications.Where(c => c.Counts).OrderBy(c => c.AwardedOn))
        {
            for (var i = 0; i < certification.Cycles.Count; i++)
            {
                var cycle = certification.Cycles[i];
                var rules = replayUnder ?? CpdRuleSet.Named(cycle.RuleVersion);
                var result = CpdScheme.Evaluate(rules, ledger.Entries, cycle.Start, cycle.RenewBy, attestations);
                // A cycle followed by one from a later day lapsed before an exam pass reinstated the certification.
                var next = i < certification.Cycles.Count - 1 ? certification.Cycles[i + 1] : null;
                var status = next is not null ? (next.Start == cycle.RenewBy ? CycleStatus.Renewed : CycleStatus.Expired)
                    : certification.ExpiredOn is not null ? CycleStatus.Expired : CycleStatus.Open;
                cycles.Add(new CycleView(certification.CertificationId, certification.Code, cycle.Start, cycle.RenewBy, rules.Version,
                    status, result.Met, result.Periods));
            }
        }

        var outside = CpdScheme.OutsideCycles(ledger.Entries, cycles.Select(c => (c.Start, c.RenewBy)))
            .Select(e => new UncountedEntry(e.Id, e.Source, e.Category, e.Title, e.OccurredOn, e.Points, e.Revoked,
                e.Rejected is { } r ? $"Rejected in CPD audit {r.AuditId} on {r.RejectedOn:yyyy-MM-dd}: {r.Reason}" : null)).ToList();
        return new CpdLedgerView(ledger.Id, (replayUnder ?? CpdRuleSet.Current).Version, cycles, outside);
    }

    /// <summary>Reads ?ruleVersion=: absent is the recorded versions; an unknown name is a field error naming the known ones.</summary>
    public static CpdRuleSet? ReplayVersion(string? ruleVersion, Problems problems)
    {
        if (ruleVersion is null) return null;
        if (CpdRuleSet.TryNamed(ruleVersion.Trim(), out var rules)) return rules;
        problems.Add("ruleVersion", $"'{ruleVersion}' is not a CPD rule version; use one of: {string.Join(", ", CpdRuleSet.Versions.Select(v => v.Version))}.");
        return null;
    }
}

public static class GetCpdLedgerEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin, Roles.Auditor);

    public static ProblemDetails Validate(string? ruleVersion)
    {
        var problems = new Problems();
        CpdLedgerView.ReplayVersion(ruleVersion, problems);
        return problems.ToProblem();
    }

    [EndpointSummary("Read a practitioner's CPD ledger")]
    [EndpointDescription("The practitioner, admins and auditors. `ruleVersion` replays every cycle under that CPD rule version instead of the one it started under; nothing is recorded.")]
    [ProducesResponseType<CpdLedgerView>(200)]
    [WolverineGet("/api/practitioners/{id}/cpd", OperationId = "getCpdLedger")]
    public static Task<IResult> Get(Guid id, string? ruleVersion, IQuerySession session, CancellationToken ct)
    {
        var replay = CpdLedgerView.ReplayVersion(ruleVersion, new Problems());
        return ReadModels.Answer<Practitioner>(session, id, practitioner => CpdLedgerView.From(CpdLedger.Of(practitioner), replay), ct);
    }
}
