using PmoLedger.Features.Completions;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Plan;

namespace PmoLedger.Features.Practitioners;

/// <summary>An event that carries the business date it happened on (product.md "Time").</summary>
public interface IBusinessEvent
{
    DateOnly OccurredOn { get; }
}

public sealed record PractitionerRegistered(Guid PractitionerId, string FullName, string Email, DateOnly RegisteredOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => RegisteredOn;
}

public sealed record CareerLevelReached(CareerLevel Level, CareerLevel? Previous, DateOnly EffectiveOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => EffectiveOn;
}

/// <summary>A provider-posted completion as later rules (revocation, CPD) need it.</summary>
public sealed record CompletionRecord(
    Guid CompletionId, Guid ProviderId, string ProviderReference, string CourseCode, TrainingOutcome Outcome,
    DateOnly CompletedOn, decimal CpdPoints, bool Revoked);

/// <summary>
/// The write model: one stream per practitioner holds their whole record. It is rebuilt from
/// events (an inline snapshot); handlers never change it, they return new events.
/// </summary>
public sealed class Practitioner
{
    public Guid Id { get; set; }
    public string FullName { get; set; } = "";
    public string Email { get; set; } = "";
    public List<RolePeriod> Roles { get; set; } = [];
    public CareerLevel? Level { get; set; }
    public DateOnly? LevelSince { get; set; }
    public List<CompletionRecord> Completions { get; set; } = [];
    public List<CertificationRecord> Certifications { get; set; } = [];

    /// <summary>CPD entries: logged activities and provider completions (revoked ones marked).</summary>
    public List<CpdEntry> Cpd { get; set; } = [];
    public List<GoalRecord> Goals { get; set; } = [];

    public static Practitioner Create(PractitionerRegistered e) =>
        new() { Id = e.PractitionerId, FullName = e.FullName, Email = e.Email };

    public void Apply(PractitionerDetailsCorrected e)
    {
        FullName = e.FullName ?? FullName;
        Email = e.Email ?? Email;
    }

    public void Apply(RoleStarted e) => Career.Record(Roles, e);

    public void Apply(RoleEnded e) => Career.Record(Roles, e);

    public void Apply(CareerLevelReached e)
    {
        Level = e.Level;
        LevelSince = e.EffectiveOn;
    }

    public void Apply(TrainingCompleted e)
    {
        Completions.Add(new CompletionRecord(
            e.CompletionId, e.ProviderId, e.ProviderReference, e.CourseCode, e.Outcome, e.CompletedOn, e.CpdPoints, Revoked: false));
        CpdFacts.Record(Cpd, e);
    }

    public void Apply(CompletionRevoked e)
    {
        var index = Completions.FindIndex(c => c.CompletionId == e.CompletionId);
        if (index >= 0) Completions[index] = Completions[index] with { Revoked = true };
        CpdFacts.Record(Cpd, e);
    }

    public void Apply(CertificationAwarded e) => CertificationFacts.Record(Certifications, e);
    public void Apply(CertificationRenewed e) => CertificationFacts.Record(Certifications, e);
    public void Apply(CertificationExpired e) => CertificationFacts.Record(Certifications, e);
    public void Apply(CpdActivityLogged e) => CpdFacts.Record(Cpd, e);
    public void Apply(GoalSet e) => PlanFacts.Record(Goals, e);
    public void Apply(GoalAchieved e) => PlanFacts.Record(Goals, e);

    public IEnumerable<RolePeriod> OpenRoles => Roles.Where(r => r.EndedOn is null);

    /// <summary>
    /// The career-level steps that the role history implies but the ledger has not recorded yet,
    /// up to <paramref name="today"/>. Steps already recorded are never rewritten.
    /// </summary>
    public static IEnumerable<CareerLevelReached> ReconcileCareerLevel(IReadOnlyCollection<RolePeriod> roles,
        CareerLevel? recorded, DateOnly? recordedSince, DateOnly today)
    {
        var steps = Career.LevelSteps(roles, today);
        var running = recorded;
        foreach (var (effectiveOn, level) in steps)
        {
            if (recordedSince is { } since && effectiveOn <= since) continue;
            if (level == running) continue;
            yield return new CareerLevelReached(level, running, effectiveOn);
            running = level;
        }

        // A correction that reaches back before the last recorded step (a back-dated role): steps
        // already recorded stay, and the level the rules now give takes effect from the later of
        // that step's own date and the last recorded step.
        if (steps.Count > 0 && steps[^1].Level != running)
        {
            var effectiveOn = recordedSince is { } last && last > steps[^1].EffectiveOn ? last : steps[^1].EffectiveOn;
            yield return new CareerLevelReached(steps[^1].Level, running, effectiveOn);
        }
    }

    /// <summary>Decides the career-level events after role events, and when to look again.</summary>
    public (IReadOnlyList<CareerLevelReached> Steps, DateOnly? ReassessOn) CareerAfter(IEnumerable<object> roleEvents, DateOnly today)
    {
        var roles = Roles.ToList();
        foreach (var e in roleEvents) Career.Record(roles, e);

        var steps = ReconcileCareerLevel(roles, Level, LevelSince, today).ToList();
        DateOnly? reassess = Career.WorkingThresholdDate(roles) is { } threshold && threshold > today
                             && Career.LevelOn(roles, threshold) == CareerLevel.Working
            ? threshold
            : null;
        return (steps, reassess);
    }
}
