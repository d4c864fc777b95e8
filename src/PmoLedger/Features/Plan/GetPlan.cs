using System.Collections.Immutable;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Plan;

public enum GoalStatus { Open, Achieved, Overdue }

/// <summary>A goal as its events left it; whether it is overdue depends on the day it is read.</summary>
public sealed record GoalRecord(
    Guid GoalId, DevelopmentDimension Dimension, string Description, RoleFamily? TargetRoleFamily, CareerLevel? TargetLevel,
    DateOnly TargetDate, DateOnly SetOn, DateOnly? AchievedOn = null, EvidenceKind? EvidenceKind = null, Guid? EvidenceId = null)
{
    public GoalStatus StatusOn(DateOnly day) =>
        AchievedOn is not null ? GoalStatus.Achieved : day > TargetDate ? GoalStatus.Overdue : GoalStatus.Open;
}

public static class PlanFacts
{
    public static bool IsPlan(object e) => e is GoalSet or GoalAchieved;

    /// <summary>Folds a goal event; any other event leaves the goals as they are.</summary>
    public static ImmutableList<GoalRecord> Fold(ImmutableList<GoalRecord> goals, object e) => e switch
    {
        GoalSet s => goals.Add(new GoalRecord(s.GoalId, s.Dimension, s.Description, s.TargetRoleFamily, s.TargetLevel, s.TargetDate, s.SetOn)),
        GoalAchieved a when goals.FindIndex(g => g.GoalId == a.GoalId) is var i and >= 0 =>
            goals.SetItem(i, goals[i] with { AchievedOn = a.AchievedOn, EvidenceKind = a.EvidenceKind, EvidenceId = a.EvidenceId }),
        _ => goals
    };
}

/// <summary>Something on the record that shows development: a completion, CPD activity, role or certification.</summary>
public sealed record EvidenceItem(EvidenceKind Kind, Guid Id, string Title, DateOnly OccurredOn, CpdCategory? Category, bool Revoked = false)
{
    /// <summary>
    /// Which plan dimensions a piece of evidence speaks to. Completions are formal training that
    /// builds knowledge; roles are experience; certifications are formal training and attest
    /// competency; CPD by category: professional-education → knowledge, professional-experience →
    /// experience and skills, community (mentoring, volunteering, speaking) → skills and competency.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<DevelopmentDimension> Dimensions => (Kind, Category) switch
    {
        (EvidenceKind.Completion, _) => [DevelopmentDimension.FormalTraining, DevelopmentDimension.Knowledge],
        (EvidenceKind.Role, _) => [DevelopmentDimension.Experience],
        (EvidenceKind.Certification, _) => [DevelopmentDimension.FormalTraining, DevelopmentDimension.Competency],
        (_, CpdCategory.ProfessionalEducation) => [DevelopmentDimension.Knowledge],
        (_, CpdCategory.ProfessionalExperience) => [DevelopmentDimension.Experience, DevelopmentDimension.Skills],
        _ => [DevelopmentDimension.Skills, DevelopmentDimension.Competency]
    };
}

/// <summary>
/// Goals and the evidence on record, as facts; statuses and the dimension mapping are applied when read. Derived
/// from the practitioner's write model when read, not stored: the write model holds the goals, roles, certifications
/// and CPD entries the evidence comes from, and a stored copy rewritten whole on every completion made each write
/// cost more as the record grew (docs/benchmarks.md, "xAPI … Round three").
/// </summary>
public sealed class DevelopmentPlan
{
    public Guid Id { get; set; }
    public ImmutableList<GoalRecord> Goals { get; set; } = [];
    public List<EvidenceItem> Evidence { get; set; } = [];

    /// <summary>
    /// Evidence in the order of the dates it happened; on one date roles first, then certifications, then CPD entries
    /// in recording order (the write model keeps each kind in its own list, not the events' interleaving).
    /// </summary>
    public static DevelopmentPlan Of(Practitioner practitioner) => new()
    {
        Id = practitioner.Id,
        Goals = practitioner.Goals,
        Evidence = practitioner.Roles.Select(r => new EvidenceItem(EvidenceKind.Role, r.RoleId, $"{r.Title} at {r.Organisation}", r.StartedOn, null))
            .Concat(practitioner.Certifications.Select(c => new EvidenceItem(EvidenceKind.Certification, c.CertificationId, $"{c.Name} ({c.Code})", c.AwardedOn, null)))
            .Concat(practitioner.Cpd.Where(e => !e.Hypothetical).Select(e => e.Source == CpdSource.Completion
                ? new EvidenceItem(EvidenceKind.Completion, e.Id, e.Title, e.OccurredOn, CpdCategory.ProfessionalEducation, e.Revoked)
                : new EvidenceItem(EvidenceKind.CpdActivity, e.Id, e.Title, e.OccurredOn, e.Category)))
            .OrderBy(e => e.OccurredOn)
            .ToList()
    };
}

public sealed record EvidenceView(EvidenceKind Kind, Guid Id, string Title, DateOnly OccurredOn);

public sealed record GoalView(
    Guid GoalId, DevelopmentDimension Dimension, string Description, RoleFamily? TargetRoleFamily, CareerLevel? TargetLevel,
    DateOnly TargetDate, DateOnly SetOn, GoalStatus Status, DateOnly? AchievedOn, EvidenceView? Evidence);

public sealed record DimensionView(int Open, int Achieved, int Overdue, IReadOnlyList<EvidenceView> Evidence);

public sealed record PlanView(Guid PractitionerId, IReadOnlyList<GoalView> Goals, IReadOnlyDictionary<DevelopmentDimension, DimensionView> Dimensions)
{
    public static PlanView From(DevelopmentPlan plan, DateOnly day)
    {
        var current = plan.Evidence.Where(e => !e.Revoked).ToList();
        var goals = plan.Goals.Select(g => new GoalView(g.GoalId, g.Dimension, g.Description, g.TargetRoleFamily, g.TargetLevel,
            g.TargetDate, g.SetOn, g.StatusOn(day), g.AchievedOn,
            g.EvidenceId is { } id ? View(plan.Evidence.FirstOrDefault(e => e.Id == id && e.Kind == g.EvidenceKind)) : null)).ToList();

        var dimensions = Enum.GetValues<DevelopmentDimension>().ToDictionary(d => d, d => new DimensionView(
            goals.Count(g => g.Dimension == d && g.Status == GoalStatus.Open),
            goals.Count(g => g.Dimension == d && g.Status == GoalStatus.Achieved),
            goals.Count(g => g.Dimension == d && g.Status == GoalStatus.Overdue),
            current.Where(e => e.Dimensions.Contains(d)).OrderBy(e => e.OccurredOn).Select(e => View(e)!).ToList()));
        return new PlanView(plan.Id, goals, dimensions);
    }

    private static EvidenceView? View(EvidenceItem? e) => e is null ? null : new EvidenceView(e.Kind, e.Id, e.Title, e.OccurredOn);
}

public static class GetPlanEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin, Roles.Auditor);

    [EndpointSummary("Read a practitioner's development plan")]
    [EndpointDescription("The practitioner, admins and auditors.")]
    [ProducesResponseType<PlanView>(200)]
    [WolverineGet("/api/practitioners/{id}/plan", OperationId = "getPlan")]
    public static Task<IResult> Get(Guid id, IQuerySession session, TimeProvider clock, CancellationToken ct)
        => ReadModels.Answer<Practitioner>(session, id, p => PlanView.From(DevelopmentPlan.Of(p), clock.Today()), ct);
}
