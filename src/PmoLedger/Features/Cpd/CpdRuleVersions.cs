using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Cpd;

/// <summary>A CPD rule version as configuration spells it ("Cpd:RuleVersions"), categories by their wire names.</summary>
public sealed class CpdRuleVersionSettings
{
    public string Version { get; set; } = "";
    public DateOnly EffectiveFrom { get; set; }
    public int PeriodsPerCycle { get; set; }
    public int PeriodMonths { get; set; }
    public decimal PeriodMinimum { get; set; }
    public Dictionary<string, decimal> CategoryMinimums { get; set; } = [];
    public Dictionary<string, decimal> CategoryCaps { get; set; } = [];
    public decimal ActivityMinPoints { get; set; }
    public decimal ActivityMaxPoints { get; set; }
    public decimal ActivityPointStep { get; set; } = 0.5m;

    public CpdRuleSet ToRuleSet()
    {
        if (string.IsNullOrWhiteSpace(Version) || PeriodsPerCycle < 1 || PeriodMonths < 1 || PeriodMinimum < 0
            || ActivityMinPoints <= 0 || ActivityMaxPoints < ActivityMinPoints || ActivityPointStep <= 0)
            throw new InvalidOperationException($"CPD rule version '{Version}' in Cpd:RuleVersions is incomplete: it needs a version name, " +
                                                "periodsPerCycle and periodMonths of at least 1, a periodMinimum, and activity points bounds and step.");
        return new CpdRuleSet(Version, EffectiveFrom, PeriodsPerCycle, PeriodMonths, PeriodMinimum, Categories(CategoryMinimums),
            Categories(CategoryCaps), ActivityMinPoints, ActivityMaxPoints, ActivityPointStep);
    }

    private Dictionary<CpdCategory, decimal> Categories(Dictionary<string, decimal> byName) => byName.ToDictionary(
        x => WireNames.TryParse<CpdCategory>(x.Key, out var c) ? c
            : throw new InvalidOperationException($"CPD rule version '{Version}': '{x.Key}' is not a CPD category ({WireNames.Allowed<CpdCategory>()})."),
        x => x.Value);
}

public static class CpdRuleVersionsSetup
{
    /// <summary>Publishes the versions configured after the built-in ones; a bad version stops the start with the reason.</summary>
    public static IServiceCollection AddCpdRuleVersions(this IServiceCollection services, IConfiguration configuration)
    {
        var configured = configuration.GetSection("Cpd:RuleVersions").Get<List<CpdRuleVersionSettings>>() ?? [];
        CpdRuleSet.Publish(configured.Select(v => v.ToRuleSet()).OrderBy(v => v.EffectiveFrom));
        return services;
    }
}

public sealed record RuleVersionsView(string Default, IReadOnlyList<CpdRuleSet> Versions);

public static class ListCpdRuleVersionsEndpoint
{
    [EndpointSummary("List the CPD rule versions")]
    [EndpointDescription("Any signed-in user. Oldest first; a cycle is assessed under the version in force on the day it started.")]
    [ProducesResponseType<RuleVersionsView>(200)]
    [WolverineGet("/api/cpd/rule-versions", OperationId = "listCpdRuleVersions")]
    public static RuleVersionsView Get() => new(CpdRuleSet.Current.Version, CpdRuleSet.Versions);
}

public sealed record HypotheticalActivity(string? Category, decimal? Points, string? Title, DateOnly? OccurredOn, string? CourseCode);

public sealed record SimulateCpd(IReadOnlyList<HypotheticalActivity>? Activities);

public static class SimulateCpdEndpoint
{
    public const int MaxActivities = 200;

    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin, Roles.Auditor);

    public static ProblemDetails Validate(SimulateCpd? command)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems().Required("activities", command.Activities);
        if (command.Activities is { Count: > MaxActivities }) problems.Add("activities", $"At most {MaxActivities} hypothetical activities at once.");
        for (var i = 0; i < (command.Activities?.Count ?? 0); i++)
        {
            var a = command.Activities![i];
            var prefix = $"activities[{i}].";
            if (a is null)
            {
                problems.Add($"activities[{i}]", "Each hypothetical activity is an object.");
                continue;
            }
            LogCpdActivityEndpoint.Check(problems, prefix, a.Category, a.Points, a.OccurredOn);
            problems.Required($"{prefix}occurredOn", a.OccurredOn).MaxLength($"{prefix}title", a.Title, 200)
                .MaxLength($"{prefix}courseCode", a.CourseCode, 50);
        }
        return problems.ToProblem();
    }

    [EndpointSummary("What if: the CPD ledger with hypothetical activities")]
    [EndpointDescription("The practitioner, admins and auditors. Answers the CPD ledger as it would be with these activities added (marked `hypothetical`); nothing is recorded.")]
    [ProducesResponseType<CpdLedgerView>(200)]
    [WolverinePost("/api/practitioners/{id}/cpd/simulate", OperationId = "simulateCpd")]
    public static Task<IResult> Post(Guid id, SimulateCpd command, IQuerySession session, CancellationToken ct) =>
        ReadModels.Answer<Practitioner>(session, id, practitioner => CpdLedgerView.From(With(CpdLedger.Of(practitioner), command.Activities!)), ct);

    /// <summary>Pure: the ledger's facts with the hypothetical activities added after the recorded ones.</summary>
    public static CpdLedger With(CpdLedger ledger, IEnumerable<HypotheticalActivity> activities)
    {
        var entries = ledger.Entries.AddRange(activities.Select(a =>
        {
            WireNames.TryParse<CpdCategory>(a.Category, out var category);
            return new CpdEntry(Guid.NewGuid(), CpdSource.Activity, category, a.Points!.Value, a.OccurredOn!.Value,
                string.IsNullOrWhiteSpace(a.Title) ? "Hypothetical activity" : a.Title.Trim(),
                CourseCode: string.IsNullOrWhiteSpace(a.CourseCode) ? null : a.CourseCode.Trim(), Hypothetical: true);
        }));
        return new CpdLedger { Id = ledger.Id, Entries = entries, Certifications = ledger.Certifications, Attestations = CrossAttestation.Of(entries) };
    }
}
