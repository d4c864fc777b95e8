using System.Text.Json.Serialization;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Certifications;

public enum CertificationStatus { Active, RenewalDue, Expired }

public enum RenewalBasis { ExamPass, Cpd }

/// <summary>A provider (or an admin) recorded a certification. RuleVersion is the CPD scheme its first cycle runs under.</summary>
public sealed record CertificationAwarded(
    Guid CertificationId, string Code, string Name, DateOnly AwardedOn, string CertificateNumber,
    DateOnly RenewBy, string RuleVersion, Guid? ProviderId) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => AwardedOn;
}

/// <summary>
/// A new cycle [CycleStart, RenewBy) began. Normally CycleStart is the previous renewBy; after a
/// lapse (AfterExpiry) a new exam pass starts the cycle on the day of the pass.
/// </summary>
public sealed record CertificationRenewed(
    Guid CertificationId, string Code, RenewalBasis Basis, DateOnly RenewedOn, DateOnly CycleStart, DateOnly RenewBy,
    string RuleVersion, Guid? CompletionId, bool AfterExpiry) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => RenewedOn;
}

/// <summary>The certification reached its renewBy date without being renewed.</summary>
public sealed record CertificationExpired(Guid CertificationId, string Code, DateOnly ExpiredOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => ExpiredOn;
}

/// <summary>Sent for a certification's renewBy date; the handler settles every certification as of that day.</summary>
public sealed record SettleCertifications(Guid PractitionerId, Guid CertificationId);

public sealed record CertificationCycle(DateOnly Start, DateOnly RenewBy, string RuleVersion);

/// <summary>A certification as its events left it: facts only, no "today".</summary>
public sealed class CertificationRecord
{
    public Guid CertificationId { get; set; }
    public string Code { get; set; } = "";
    public string Name { get; set; } = "";
    public DateOnly AwardedOn { get; set; }
    public string CertificateNumber { get; set; } = "";
    public List<CertificationCycle> Cycles { get; set; } = [];
    public DateOnly? ExpiredOn { get; set; }

    [JsonIgnore] public CertificationCycle Current => Cycles[^1];
    [JsonIgnore] public DateOnly RenewBy => Current.RenewBy;

    public CertificationRecord Copy() => new()
    {
        CertificationId = CertificationId, Code = Code, Name = Name, AwardedOn = AwardedOn,
        CertificateNumber = CertificateNumber, Cycles = [.. Cycles], ExpiredOn = ExpiredOn
    };

    /// <summary>Status on a day. Expired from renewBy on, even before the scheduled expiry has been recorded.</summary>
    public CertificationStatus StatusOn(DateOnly day) =>
        ExpiredOn is not null || day >= RenewBy ? CertificationStatus.Expired
        : day >= RenewBy.AddDays(-CertificationRules.RenewalDueDays) ? CertificationStatus.RenewalDue
        : CertificationStatus.Active;
}

/// <summary>The facts certifications are built from, shared by the aggregate and the read models.</summary>
public static class CertificationFacts
{
    public static bool Record(List<CertificationRecord> certifications, object e)
    {
        switch (e)
        {
            case CertificationAwarded a:
                certifications.Add(new CertificationRecord
                {
                    CertificationId = a.CertificationId, Code = a.Code, Name = a.Name, AwardedOn = a.AwardedOn,
                    CertificateNumber = a.CertificateNumber, Cycles = [new CertificationCycle(a.AwardedOn, a.RenewBy, a.RuleVersion)]
                });
                return true;
            case CertificationRenewed r when certifications.Find(c => c.CertificationId == r.CertificationId) is { } renewed:
                renewed.Cycles.Add(new CertificationCycle(r.CycleStart, r.RenewBy, r.RuleVersion));
                renewed.ExpiredOn = null;
                return true;
            case CertificationExpired x when certifications.Find(c => c.CertificationId == x.CertificationId) is { } expired:
                expired.ExpiredOn = x.ExpiredOn;
                return true;
            default:
                return false;
        }
    }
}

/// <summary>
/// The certification rules of product.md as pure decisions over the practitioner's record.
/// Every write that can change a certification's fate (an award, a CPD activity, a completion,
/// the renewBy day arriving) asks <see cref="After"/> what else that implies.
/// </summary>
public static class CertificationRules
{
    public const int CycleYears = 3;
    public const int RenewalDueDays = 90;

    public static DateOnly RenewByFrom(DateOnly cycleStart) => cycleStart.AddYears(CycleYears);

    /// <summary>
    /// The certification events implied by new facts (not yet applied to <paramref name="state"/>), as of
    /// <paramref name="today"/>: renewals by CPD, renewals by a new exam pass, and expiries now due.
    /// With no facts it simply settles the record, which is what the renewBy message does.
    /// </summary>
    public static IReadOnlyList<object> After(Practitioner state, IReadOnlyList<object> facts, DateOnly today)
    {
        var certifications = state.Certifications.Select(c => c.Copy()).ToList();
        var entries = state.Cpd.ToList();
        foreach (var fact in facts)
        {
            CertificationFacts.Record(certifications, fact);
            CpdFacts.Record(entries, fact);
        }

        var events = new List<object>();
        void Take(IEnumerable<object> decided)
        {
            foreach (var e in decided.ToList())
            {
                events.Add(e);
                CertificationFacts.Record(certifications, e);
            }
        }

        Take(Settle(certifications, entries, today));
        foreach (var completion in facts.OfType<TrainingCompleted>())
        {
            Take(ExamRenewals(certifications, completion));
            Take(Settle(certifications, entries, today));
        }
        return events;
    }

    /// <summary>
    /// What a provider-posted completion implies for the practitioner's certifications: the exam
    /// renewal it may be, plus anything its CPD points settle. CompleteTraining appends these after
    /// the TrainingCompleted event and schedules with <see cref="ScheduleExpiries"/>.
    /// </summary>
    public static IReadOnlyList<object> RenewalsFor(Practitioner state, TrainingCompleted completion, DateOnly today) =>
        After(state, [completion], today);

    /// <summary>
    /// The exam rule alone. A completion renews the latest certification whose code equals the course
    /// code (case-insensitive) when its outcome is passed, and:
    /// - it falls in the final year before renewBy: the next cycle runs from the old renewBy for three
    ///   years, even if a late posting finds the certification already expired;
    /// - it falls on or after renewBy (the certification had lapsed): the pass reinstates it with a
    ///   cycle from the day of the pass (AfterExpiry), as a re-sit after expiry would;
    /// - it falls earlier (the exam that earned it, a re-sit soon after, a duplicate posting): nothing
    ///   beyond its CPD points, so one cycle is never extended twice.
    /// </summary>
    public static IEnumerable<CertificationRenewed> ExamRenewals(IEnumerable<CertificationRecord> certifications, TrainingCompleted completion)
    {
        if (completion.Outcome != TrainingOutcome.Passed) yield break;
        var certification = certifications
            .Where(c => string.Equals(c.Code, completion.CourseCode, StringComparison.OrdinalIgnoreCase))
            .MaxBy(c => c.AwardedOn);
        if (certification is null) yield break;

        var cycle = certification.Current;
        var passedOn = completion.CompletedOn;
        if (passedOn < cycle.RenewBy.AddYears(-1)) yield break;

        var lapsed = passedOn >= cycle.RenewBy;
        var start = lapsed ? passedOn : cycle.RenewBy;
        yield return new CertificationRenewed(certification.CertificationId, certification.Code, RenewalBasis.ExamPass, passedOn,
            start, RenewByFrom(start), CpdRuleSet.Current.Version, completion.CompletionId, AfterExpiry: lapsed);
    }

    /// <summary>
    /// For each certification not recorded as expired: while its current cycle's CPD is met, renew it
    /// (dated the day the last period was met); once a cycle is unmet and renewBy has come, expire it.
    /// An expired certification is not revived by CPD logged afterwards; only a new exam pass does that.
    /// </summary>
    public static IEnumerable<object> Settle(IEnumerable<CertificationRecord> certifications, IReadOnlyList<CpdEntry> entries, DateOnly today)
    {
        foreach (var certification in certifications.Where(c => c.ExpiredOn is null).ToList())
        {
            var cycle = certification.Current;
            while (true)
            {
                var result = CpdScheme.Evaluate(CpdRuleSet.Named(cycle.RuleVersion), entries, cycle.Start, cycle.RenewBy);
                if (result.Met)
                {
                    cycle = new CertificationCycle(cycle.RenewBy, RenewByFrom(cycle.RenewBy), CpdRuleSet.Current.Version);
                    yield return new CertificationRenewed(certification.CertificationId, certification.Code, RenewalBasis.Cpd,
                        result.MetOn!.Value, cycle.Start, cycle.RenewBy, cycle.RuleVersion, null, AfterExpiry: false);
                    continue;
                }
                if (today >= cycle.RenewBy)
                    yield return new CertificationExpired(certification.CertificationId, certification.Code, cycle.RenewBy);
                break;
            }
        }
    }

    /// <summary>
    /// A durable message at the start of every renewBy still ahead, measured on the ledger's clock.
    /// Messages for a renewBy that was since moved find nothing to do when they fire.
    /// </summary>
    public static async Task ScheduleExpiries(IMessageBus bus, Guid practitionerId, IEnumerable<object> events, TimeProvider clock)
    {
        var due = events.Select(e => e switch
        {
            CertificationAwarded a => (a.CertificationId, a.RenewBy),
            CertificationRenewed r => (r.CertificationId, r.RenewBy),
            _ => ((Guid, DateOnly)?)null
        }).OfType<(Guid CertificationId, DateOnly RenewBy)>();

        foreach (var (certificationId, renewBy) in due.Where(d => d.RenewBy > clock.Today()))
            await bus.ScheduleAsync(new SettleCertifications(practitionerId, certificationId), Clock.StartOf(renewBy) - clock.GetUtcNow());
    }
}

public static class SettleCertificationsHandler
{
    /// <summary>Fires on a renewBy day. It re-decides from the record, so a stale or repeated message records nothing.</summary>
    [AggregateHandler]
    public static async Task<Events> Handle(SettleCertifications message, Practitioner practitioner, TimeProvider clock, IMessageBus bus)
    {
        var events = CertificationRules.After(practitioner, [], clock.Today());
        await CertificationRules.ScheduleExpiries(bus, practitioner.Id, events, clock);
        return [.. events];
    }
}
