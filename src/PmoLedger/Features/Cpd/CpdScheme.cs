using System.Collections.Immutable;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Cpd;

public enum CpdSource { Activity, Completion }

/// <summary>
/// One thing that may earn CPD points: an activity the practitioner logged or a completion a
/// provider posted (always professional-education). Revoked entries stay on record and count nowhere.
/// </summary>
public sealed record CpdEntry(Guid Id, CpdSource Source, CpdCategory Category, decimal Points, DateOnly OccurredOn,
    string Title, bool Revoked = false, string? CourseCode = null, Guid? ProviderId = null, AuditRejection? Rejected = null,
    bool Hypothetical = false)
{
    /// <summary>Counts towards nothing: revoked by its provider or rejected in a CPD audit (both stay on record).</summary>
    public bool Void => Revoked || Rejected is not null;
}

/// <summary>An auditor rejected this activity in a CPD audit: it stays recorded and stops counting.</summary>
public sealed record AuditRejection(Guid AuditId, string Reason, DateOnly RejectedOn);

/// <summary>The facts CPD entries are built from, shared by the aggregate and the read models.</summary>
public static class CpdFacts
{
    public static bool IsCpd(object e) => e is CpdActivityLogged or TrainingCompleted or CompletionRevoked or CpdActivityDecided;

    /// <summary>Folds a CPD-relevant event into the entries; any other event leaves them as they are.</summary>
    public static ImmutableList<CpdEntry> Fold(ImmutableList<CpdEntry> entries, object e) => e switch
    {
        CpdActivityLogged a => entries.Add(new CpdEntry(a.ActivityId, CpdSource.Activity, a.Category, a.Points, a.OccurredOn, a.Title,
            CourseCode: a.CourseCode)),
        TrainingCompleted c => entries.Add(new CpdEntry(c.CompletionId, CpdSource.Completion, CpdCategory.ProfessionalEducation,
            c.CpdPoints, c.CompletedOn, c.CourseTitle, CourseCode: c.CourseCode, ProviderId: c.ProviderId)),
        CpdActivityDecided { Decision: AuditDecision.Rejected } d
            when entries.FindIndex(x => x.Id == d.ActivityId && x.Source == CpdSource.Activity) is var i and >= 0 =>
            entries.SetItem(i, entries[i] with { Rejected = new AuditRejection(d.AuditId, d.Reason, d.DecidedOn) }),
        CompletionRevoked r when entries.FindIndex(x => x.Id == r.CompletionId && x.Source == CpdSource.Completion) is var i and >= 0 =>
            entries.SetItem(i, entries[i] with { Revoked = true }),
        _ => entries
    };
}

/// <summary>
/// A named, immutable CPD rule set: data, not code. Rules never change in place: a change is a new
/// version with a later EffectiveFrom, and every certification cycle keeps the version in force on the
/// day it started, so history reads the same forever.
/// </summary>
public sealed record CpdRuleSet(
    string Version, DateOnly EffectiveFrom, int PeriodsPerCycle, int PeriodMonths, decimal PeriodMinimum,
    IReadOnlyDictionary<CpdCategory, decimal> CategoryMinimums, IReadOnlyDictionary<CpdCategory, decimal> CategoryCaps,
    decimal ActivityMinPoints, decimal ActivityMaxPoints, decimal ActivityPointStep)
{
    public int CycleMonths => PeriodsPerCycle * PeriodMonths;

    /// <summary>
    /// The AXELOS/PeopleCert scheme of product.md. It is the first version, so it also governs cycles
    /// that started before its EffectiveFrom (certifications recorded from before the ledger existed).
    /// </summary>
    public static readonly CpdRuleSet Axelos2024 = new("axelos-2024", new DateOnly(2024, 1, 1), PeriodsPerCycle: 3, PeriodMonths: 12,
        PeriodMinimum: 20m,
        new Dictionary<CpdCategory, decimal> { [CpdCategory.ProfessionalExperience] = 5m },
        new Dictionary<CpdCategory, decimal> { [CpdCategory.ProfessionalEducation] = 15m, [CpdCategory.Community] = 15m },
        ActivityMinPoints: 0.5m, ActivityMaxPoints: 15m, ActivityPointStep: 0.5m);

    /// <summary>The default version: what the ledger names when no other is asked for.</summary>
    public static CpdRuleSet Current => Axelos2024;

    private static ImmutableList<CpdRuleSet> _versions = [Axelos2024];

    /// <summary>Every version, oldest first.</summary>
    public static IReadOnlyList<CpdRuleSet> Versions => _versions;

    /// <summary>
    /// Adds versions published after the built-in ones (configuration "Cpd:RuleVersions"), once at start.
    /// A version must start after every earlier one, so adding one never moves a cycle already started.
    /// </summary>
    public static void Publish(IEnumerable<CpdRuleSet> versions)
    {
        var all = _versions;
        foreach (var v in versions)
        {
            if (all.Any(x => x.Version == v.Version)) continue;
            if (v.EffectiveFrom <= all[^1].EffectiveFrom)
                throw new InvalidOperationException($"CPD rule version '{v.Version}' must take effect after '{all[^1].Version}' ({all[^1].EffectiveFrom:yyyy-MM-dd}).");
            all = all.Add(v);
        }
        _versions = all;
    }

    public static bool TryNamed(string? version, out CpdRuleSet rules)
    {
        rules = _versions.FirstOrDefault(r => r.Version == version)!;
        return rules is not null;
    }

    public static CpdRuleSet Named(string version) =>
        TryNamed(version, out var rules) ? rules : throw new InvalidOperationException($"Unknown CPD rule version '{version}'.");

    /// <summary>The version a cycle starting on <paramref name="day"/> is assessed under.</summary>
    public static CpdRuleSet InForceOn(DateOnly day) => InForceOn(_versions, day);

    public static CpdRuleSet InForceOn(IReadOnlyList<CpdRuleSet> versions, DateOnly day) =>
        versions.LastOrDefault(v => v.EffectiveFrom <= day) ?? versions[0];
}

/// <summary>An entry's support by a provider's completion (docs/cpd-audits.md, "Cross-attestation").</summary>
public sealed record Attestation(Guid CompletionId, Guid ProviderId);

/// <summary>What is still missing to meet a period: counted points overall and of professional experience.</summary>
public sealed record StillNeeded(decimal Total, decimal ProfessionalExperience);

/// <summary>
/// One entry as a period counts it. NotCountedBecause says why an entry counts nothing (revoked, rejected in an
/// audit); AttestedPoints is the part of a self-logged activity a provider's completion supports.
/// </summary>
public sealed record CpdEntryResult(Guid Id, CpdSource Source, CpdCategory Category, string Title, DateOnly OccurredOn,
    decimal Points, decimal Counted, decimal Capped, bool Revoked, Attestation? Attestation = null, decimal AttestedPoints = 0,
    string? NotCountedBecause = null, bool Hypothetical = false);

public sealed record CategoryResult(decimal Logged, decimal Counted);

/// <summary>
/// A period's figures. AttestedPoints and SelfClaimedPoints split the points of the practitioner's own
/// activities (revoked and rejected ones left out) into those a provider's completion supports and the rest.
/// </summary>
public sealed record PeriodResult(
    DateOnly Start, DateOnly End, decimal CountedPoints, bool Met, DateOnly? MetOn,
    IReadOnlyDictionary<CpdCategory, CategoryResult> ByCategory, IReadOnlyList<CpdEntryResult> Entries,
    decimal AttestedPoints, decimal SelfClaimedPoints, StillNeeded StillNeeded);

public sealed record CycleResult(DateOnly Start, DateOnly RenewBy, string RuleVersion, IReadOnlyList<PeriodResult> Periods)
{
    public bool Met => Periods.All(p => p.Met);

    /// <summary>The day the last period was met: the business date of a renewal by CPD.</summary>
    public DateOnly? MetOn => Met ? Periods.Max(p => p.MetOn) : null;
}

/// <summary>The CPD arithmetic: a pure function of (rule set, entries, cycle, attestations).</summary>
public static class CpdScheme
{
    /// <summary>
    /// Splits the cycle [start, renewBy) into periods whose boundaries are start + n × PeriodMonths
    /// (always from the cycle start, so a cycle from 29 Feb does not drift), the last ending the
    /// day before renewBy. In each period, entries are taken in date order (then recording order);
    /// a capped category counts until its cap, the entry that crosses it counts in part, later ones
    /// not at all. Revoked and rejected entries are listed but count nowhere.
    /// </summary>
    public static CycleResult Evaluate(CpdRuleSet rules, IEnumerable<CpdEntry> entries, DateOnly start, DateOnly renewBy,
        IReadOnlyDictionary<Guid, AttestationMatch>? attestations = null)
    {
        attestations ??= new Dictionary<Guid, AttestationMatch>();
        var all = entries.Select((e, order) => (e, order)).OrderBy(x => x.e.OccurredOn).ThenBy(x => x.order).Select(x => x.e).ToList();
        var periods = new List<PeriodResult>();
        for (var n = 0; n < rules.PeriodsPerCycle; n++)
        {
            var from = start.AddMonths(n * rules.PeriodMonths);
            var until = n == rules.PeriodsPerCycle - 1 ? renewBy : start.AddMonths((n + 1) * rules.PeriodMonths);
            periods.Add(EvaluatePeriod(rules, all.Where(e => e.OccurredOn >= from && e.OccurredOn < until), from, until.AddDays(-1), attestations));
        }
        return new CycleResult(start, renewBy, rules.Version, periods);
    }

    private static PeriodResult EvaluatePeriod(CpdRuleSet rules, IEnumerable<CpdEntry> inDateOrder, DateOnly start, DateOnly end,
        IReadOnlyDictionary<Guid, AttestationMatch> attestations)
    {
        var logged = Enum.GetValues<CpdCategory>().ToDictionary(c => c, _ => 0m);
        var counted = Enum.GetValues<CpdCategory>().ToDictionary(c => c, _ => 0m);
        var results = new List<CpdEntryResult>();
        decimal attested = 0, selfClaimed = 0;
        DateOnly? metOn = null;

        foreach (var e in inDateOrder)
        {
            var match = e.Source == CpdSource.Activity ? attestations.GetValueOrDefault(e.Id) : null;
            var attestation = match is null ? null : new Attestation(match.CompletionId, match.ProviderId);
            var attestedPoints = match?.Points ?? 0;
            if (e.Void)
            {
                results.Add(new CpdEntryResult(e.Id, e.Source, e.Category, e.Title, e.OccurredOn, e.Points, 0, 0, e.Revoked,
                    attestation, attestedPoints, NotCountedBecause(e), e.Hypothetical));
                continue;
            }
            if (e.Source == CpdSource.Activity)
            {
                attested += attestedPoints;
                selfClaimed += e.Points - attestedPoints;
            }
            var room = rules.CategoryCaps.TryGetValue(e.Category, out var cap) ? Math.Max(0, cap - counted[e.Category]) : e.Points;
            var counts = Math.Min(e.Points, room);
            logged[e.Category] += e.Points;
            counted[e.Category] += counts;
            results.Add(new CpdEntryResult(e.Id, e.Source, e.Category, e.Title, e.OccurredOn, e.Points, counts, e.Points - counts,
                Revoked: false, attestation, attestedPoints, Hypothetical: e.Hypothetical));
            if (metOn is null && IsMet(rules, counted)) metOn = e.OccurredOn;
        }

        var byCategory = logged.Keys.ToDictionary(c => c, c => new CategoryResult(logged[c], counted[c]));
        var total = counted.Values.Sum();
        var stillNeeded = new StillNeeded(Math.Max(0, rules.PeriodMinimum - total),
            Math.Max(0, rules.CategoryMinimums.GetValueOrDefault(CpdCategory.ProfessionalExperience) - counted[CpdCategory.ProfessionalExperience]));
        return new PeriodResult(start, end, total, metOn is not null, metOn, byCategory, results, attested, selfClaimed, stillNeeded);
    }

    private static string? NotCountedBecause(CpdEntry e) =>
        e.Rejected is { } r ? $"Rejected in CPD audit {r.AuditId} on {r.RejectedOn:yyyy-MM-dd}: {r.Reason}"
        : e.Revoked ? "Revoked by the provider that posted it."
        : null;

    private static bool IsMet(CpdRuleSet rules, Dictionary<CpdCategory, decimal> counted) =>
        counted.Values.Sum() >= rules.PeriodMinimum && rules.CategoryMinimums.All(m => counted[m.Key] >= m.Value);

    /// <summary>Entries whose date falls in none of the given cycles: recorded, counted nowhere.</summary>
    public static IEnumerable<CpdEntry> OutsideCycles(IEnumerable<CpdEntry> entries, IEnumerable<(DateOnly Start, DateOnly RenewBy)> cycles)
    {
        var list = cycles.ToList();
        return entries.Where(e => !list.Any(c => e.OccurredOn >= c.Start && e.OccurredOn < c.RenewBy));
    }
}
