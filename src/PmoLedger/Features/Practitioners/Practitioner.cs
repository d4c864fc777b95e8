using System.Collections.Immutable;
using System.Text.Json.Serialization;
using JasperFx.Events;
using Marten.Events.Aggregation;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Plan;

namespace PmoLedger.Features.Practitioners;

/// <summary>
/// The write model: one stream per practitioner holds their whole record (events in
/// PractitionerEvents.cs). Immutable; <see cref="Fold"/> (the projection's Evolve) is the only way it changes, and
/// decisions read it and return new events.
/// </summary>
public sealed record Practitioner
{
    public Guid Id { get; init; }
    public string FullName { get; init; } = "";
    public string Email { get; init; } = "";
    public ImmutableList<RoleRecord> Roles { get; init; } = [];
    public CareerLevel? Level { get; init; }
    public DateOnly? LevelSince { get; init; }

    /// <summary>CPD entries in recording order: logged activities and provider completions (revoked ones marked).</summary>
    public ImmutableList<CpdEntry> Cpd { get; init; } = [];
    public ImmutableList<CertificationRecord> Certifications { get; init; } = [];
    public ImmutableList<GoalRecord> Goals { get; init; } = [];

    /// <summary>Every career level ever reached, first time each: each earns a credential that never ends.</summary>
    public ImmutableList<LevelReached> LevelsReached { get; init; } = [];

    /// <summary>The digital credentials issued (revoked ones marked): what a credential settlement compares with.</summary>
    public ImmutableList<HeldCredential> Credentials { get; init; } = [];

    /// <summary>The person's data key is destroyed: facts may still be recorded, personal text may not.</summary>
    public bool Erased { get; init; }

    /// <summary>The reasons (kind and subject) of every notification sent: none is sent twice.</summary>
    public ImmutableList<string> Notified { get; init; } = [];

    /// <summary>The optional kinds of notice the person stopped.</summary>
    public ImmutableList<string> StoppedNotices { get; init; } = [];

    /// <summary>Provider-posted completions: kept once, as the CPD entries they are.</summary>
    [JsonIgnore] public IEnumerable<CpdEntry> Completions => Cpd.Where(e => e.Source == CpdSource.Completion);

    /// <summary>The one fold of a practitioner's stream; the Marten projection and every replay use it.</summary>
    public static Practitioner? Fold(Practitioner? state, object e)
    {
        if (e is PractitionerRegistered r) return new Practitioner { Id = r.PractitionerId, FullName = r.FullName, Email = r.Email };
        if (state is null) return null;   // a stream that never registered anyone
        return e switch
        {
            PractitionerDetailsCorrected c => state with { FullName = c.FullName?.Text ?? state.FullName, Email = c.Email?.Text ?? state.Email },
            RoleStarted or RoleEnded => state with { Roles = Career.Fold(state.Roles, e) },
            CareerLevelReached c => state with
            {
                Level = c.Level, LevelSince = c.EffectiveOn,
                LevelsReached = state.LevelsReached.Any(l => l.Level == c.Level) ? state.LevelsReached : state.LevelsReached.Add(new LevelReached(c.Level, c.EffectiveOn))
            },
            TrainingCompleted or CompletionRevoked or CpdActivityLogged or CpdActivityDecided => state with { Cpd = CpdFacts.Fold(state.Cpd, e) },
            CertificationAwarded or CertificationRenewed or CertificationRenewalWithdrawn or CertificationExpired or CertificationRevoked =>
                state with { Certifications = CertificationFacts.Fold(state.Certifications, e) },
            GoalSet or GoalAchieved => state with { Goals = PlanFacts.Fold(state.Goals, e) },
            CredentialIssued or CredentialRevoked => state with { Credentials = HeldCredential.Fold(state.Credentials, e) },
            PersonalDataErased => state with { Erased = true },
            NotificationSent n => state with { Notified = state.Notified.Add(n.Reason) },
            NoticesStopped stopped => state with { StoppedNotices = state.StoppedNotices.Remove(stopped.Kind).Add(stopped.Kind) },
            NoticesResumed resumed => state with { StoppedNotices = state.StoppedNotices.Remove(resumed.Kind) },
            _ => state
        };
    }

    /// <summary>The state after events this decision is about to record, so later decisions see them.</summary>
    public Practitioner Then(IEnumerable<object> events) => events.Aggregate(this, (state, e) => Fold(state, e)!);

    [JsonIgnore] public IEnumerable<RoleRecord> OpenRoles => Roles.Where(r => r.EndedOn is null);

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
        var roles = roleEvents.Aggregate(Roles, Career.Fold).Periods();

        var steps = ReconcileCareerLevel(roles, Level, LevelSince, today).ToList();
        DateOnly? reassess = Career.WorkingThresholdDate(roles) is { } threshold && threshold > today
                             && Career.LevelOn(roles, threshold) == CareerLevel.Working
            ? threshold
            : null;
        return (steps, reassess);
    }
}

public sealed record LevelReached(CareerLevel Level, DateOnly On);

/// <summary>A credential as the write model keeps it: enough to know what is held and what it stands for.</summary>
public sealed record HeldCredential(Guid CredentialId, string Basis, DateOnly? ValidUntil, bool Revoked)
{
    public static ImmutableList<HeldCredential> Fold(ImmutableList<HeldCredential> held, object e) => e switch
    {
        CredentialIssued i => held.Add(new HeldCredential(i.CredentialId, i.Basis, i.ValidUntil, false)),
        CredentialRevoked r when held.FindIndex(c => c.CredentialId == r.CredentialId) is var i and >= 0 => held.SetItem(i, held[i] with { Revoked = true }),
        _ => held
    };
}

/// <summary>Keeps the write model in the same transaction as its events.</summary>
public partial class PractitionerProjection : SingleStreamProjection<Practitioner, Guid>
{
    // Provider streams share the store.
    public PractitionerProjection() => FilterIncomingEventsOnStreamType(typeof(Practitioner));

    public override Practitioner? Evolve(Practitioner? snapshot, Guid id, IEvent e) => Practitioner.Fold(snapshot, e.Data);
}
