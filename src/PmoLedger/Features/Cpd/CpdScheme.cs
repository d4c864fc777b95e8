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
    string Title, bool Revoked = false);

/// <summary>The facts CPD entries are built from, shared by the aggregate and the read models.</summary>
public static class CpdFacts
{
    public static bool IsCpd(object e) => e is CpdActivityLogged or TrainingCompleted or CompletionRevoked;

    /// <summary>Folds a CPD-relevant event into the entries; any other event leaves them as they are.</summary>
    public static ImmutableList<CpdEntry> Fold(ImmutableList<CpdEntry> entries, object e) => e switch
    {
        CpdActivityLogged a => entries.Add(new CpdEntry(a.ActivityId, CpdSource.Activity, a.Category, a.Points, a.OccurredOn, a.Title)),
        TrainingCompleted c => entries.Add(new CpdEntry(c.CompletionId, CpdSource.Completion, CpdCategory.ProfessionalEducation,
            c.CpdPoints, c.CompletedOn, c.CourseTitle)),
        CompletionRevoked r when entries.FindIndex(x => x.Id == r.CompletionId && x.Source == CpdSource.Completion) is var i and >= 0 =>
            entries.SetItem(i, entries[i] with { Revoked = true }),
        _ => entries
    };
}

/// <summary>
/// A named, immutable CPD rule set. Rules never change in place: a change is a new version, and
/// every certification cycle keeps the version it started under, so history reads the same forever.
/// </summary>
public sealed record CpdRuleSet(
    string Version, int PeriodsPerCycle, int PeriodMonths, decimal PeriodMinimum,
    IReadOnlyDictionary<CpdCategory, decimal> CategoryMinimums, IReadOnlyDictionary<CpdCategory, decimal> CategoryCaps)
{
    public int CycleMonths => PeriodsPerCycle * PeriodMonths;

    /// <summary>The AXELOS/PeopleCert scheme of product.md.</summary>
    public static readonly CpdRuleSet Axelos2024 = new("axelos-2024", PeriodsPerCycle: 3, PeriodMonths: 12, PeriodMinimum: 20m,
        new Dictionary<CpdCategory, decimal> { [CpdCategory.ProfessionalExperience] = 5m },
        new Dictionary<CpdCategory, decimal> { [CpdCategory.ProfessionalEducation] = 15m, [CpdCategory.Community] = 15m });

    /// <summary>The rule set new cycles start under.</summary>
    public static CpdRuleSet Current => Axelos2024;

    private static readonly Dictionary<string, CpdRuleSet> Known = new[] { Axelos2024 }.ToDictionary(r => r.Version);

    public static CpdRuleSet Named(string version) =>
        Known.TryGetValue(version, out var rules) ? rules : throw new InvalidOperationException($"Unknown CPD rule version '{version}'.");
}

public sealed record CpdEntryResult(Guid Id, CpdSource Source, CpdCategory Category, string Title, DateOnly OccurredOn,
    decimal Points, decimal Counted, decimal Capped, bool Revoked);

public sealed record CategoryResult(decimal Logged, decimal Counted);

public sealed record PeriodResult(
    DateOnly Start, DateOnly End, decimal CountedPoints, bool Met, DateOnly? MetOn,
    IReadOnlyDictionary<CpdCategory, CategoryResult> ByCategory, IReadOnlyList<CpdEntryResult> Entries);

public sealed record CycleResult(DateOnly Start, DateOnly RenewBy, string RuleVersion, IReadOnlyList<PeriodResult> Periods)
{
    public bool Met => Periods.All(p => p.Met);

    /// <summary>The day the last period was met: the business date of a renewal by CPD.</summary>
    public DateOnly? MetOn => Met ? Periods.Max(p => p.MetOn) : null;
}

/// <summary>The CPD arithmetic: a pure function of (rule set, entries, cycle).</summary>
public static class CpdScheme
{
    /// <summary>
    /// Splits the cycle [start, renewBy) into periods whose boundaries are start + n × PeriodMonths
    /// (always from the cycle start, so a cycle from 29 Feb does not drift), the last ending the
    /// day before renewBy. In each period, entries are taken in date order (then recording order);
    /// a capped category counts until its cap, the entry that crosses it counts in part, later ones
    /// not at all. Revoked entries are listed but count nowhere.
    /// </summary>
    public static CycleResult Evaluate(CpdRuleSet rules, IEnumerable<CpdEntry> entries, DateOnly start, DateOnly renewBy)
    {
        var all = entries.Select((e, order) => (e, order)).OrderBy(x => x.e.OccurredOn).ThenBy(x => x.order).Select(x => x.e).ToList();
        var periods = new List<PeriodResult>();
        for (var n = 0; n < rules.PeriodsPerCycle; n++)
        {
            var from = start.AddMonths(n * rules.PeriodMonths);
            var until = n == rules.PeriodsPerCycle - 1 ? renewBy : start.AddMonths((n + 1) * rules.PeriodMonths);
            periods.Add(EvaluatePeriod(rules, all.Where(e => e.OccurredOn >= from && e.OccurredOn < until), from, until.AddDays(-1)));
        }
        return new CycleResult(start, renewBy, rules.Version, periods);
    }

    private static PeriodResult EvaluatePeriod(CpdRuleSet rules, IEnumerable<CpdEntry> inDateOrder, DateOnly start, DateOnly end)
    {
        var logged = Enum.GetValues<CpdCategory>().ToDictionary(c => c, _ => 0m);
        var counted = Enum.GetValues<CpdCategory>().ToDictionary(c => c, _ => 0m);
        var results = new List<CpdEntryResult>();
        DateOnly? metOn = null;

        foreach (var e in inDateOrder)
        {
            if (e.Revoked)
            {
                results.Add(new CpdEntryResult(e.Id, e.Source, e.Category, e.Title, e.OccurredOn, e.Points, 0, 0, Revoked: true));
                continue;
            }
            var room = rules.CategoryCaps.TryGetValue(e.Category, out var cap) ? Math.Max(0, cap - counted[e.Category]) : e.Points;
            var counts = Math.Min(e.Points, room);
            logged[e.Category] += e.Points;
            counted[e.Category] += counts;
            results.Add(new CpdEntryResult(e.Id, e.Source, e.Category, e.Title, e.OccurredOn, e.Points, counts, e.Points - counts, Revoked: false));
            if (metOn is null && IsMet(rules, counted)) metOn = e.OccurredOn;
        }

        var byCategory = logged.Keys.ToDictionary(c => c, c => new CategoryResult(logged[c], counted[c]));
        return new PeriodResult(start, end, counted.Values.Sum(), metOn is not null, metOn, byCategory, results);
    }

    private static bool IsMet(CpdRuleSet rules, Dictionary<CpdCategory, decimal> counted) =>
        counted.Values.Sum() >= rules.PeriodMinimum && rules.CategoryMinimums.All(m => counted[m.Key] >= m.Value);

    /// <summary>Entries whose date falls in none of the given cycles: recorded, counted nowhere.</summary>
    public static IEnumerable<CpdEntry> OutsideCycles(IEnumerable<CpdEntry> entries, IEnumerable<(DateOnly Start, DateOnly RenewBy)> cycles)
    {
        var list = cycles.ToList();
        return entries.Where(e => !list.Any(c => e.OccurredOn >= c.Start && e.OccurredOn < c.RenewBy));
    }
}
