using System.Collections.Immutable;
using System.Text.Json.Serialization;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Certifications;

public enum CertificationStatus { Active, RenewalDue, Expired, Revoked }

/// <summary>Sent for a certification's renewBy date; the handler settles every certification as of that day.</summary>
public sealed record SettleCertifications(Guid PractitionerId, Guid CertificationId);

public sealed record CertificationCycle(DateOnly Start, DateOnly RenewBy, string RuleVersion);

/// <summary>A certification as its events left it: facts only, no "today".</summary>
public sealed record CertificationRecord(
    Guid CertificationId, string Code, string Name, DateOnly AwardedOn, string CertificateNumber,
    ImmutableList<CertificationCycle> Cycles, DateOnly? ExpiredOn = null, DateOnly? RevokedOn = null, Guid? AwardedBy = null)
{
    /// <summary>A revoked award stays on record but counts for nothing.</summary>
    [JsonIgnore] public bool Counts => RevokedOn is null;

    [JsonIgnore] public CertificationCycle Current => Cycles[^1];
    [JsonIgnore] public DateOnly RenewBy => Current.RenewBy;

    /// <summary>Status on a day. Expired from renewBy on, even before the scheduled expiry has been recorded.</summary>
    public CertificationStatus StatusOn(DateOnly day) =>
        RevokedOn is not null ? CertificationStatus.Revoked
        : ExpiredOn is not null || day >= RenewBy ? CertificationStatus.Expired
        : day >= RenewBy.AddDays(-CertificationRules.RenewalDueDays) ? CertificationStatus.RenewalDue
        : CertificationStatus.Active;
}

/// <summary>The facts certifications are built from, shared by the aggregate and the read models.</summary>
public static class CertificationFacts
{
    public static bool IsCertification(object e) => e is CertificationAwarded or CertificationRenewed or CertificationExpired or CertificationRevoked;

    /// <summary>Folds a certification event; any other event leaves the list as it is.</summary>
    public static ImmutableList<CertificationRecord> Fold(ImmutableList<CertificationRecord> certifications, object e)
    {
        switch (e)
        {
            case CertificationAwarded a:
                return certifications.Add(new CertificationRecord(a.CertificationId, a.Code, a.Name, a.AwardedOn, a.CertificateNumber,
                    [new CertificationCycle(a.AwardedOn, a.RenewBy, a.RuleVersion)], AwardedBy: a.ProviderId));
            case CertificationRenewed r when IndexOf(certifications, r.CertificationId) is var i and >= 0:
                return certifications.SetItem(i, certifications[i] with
                {
                    Cycles = certifications[i].Cycles.Add(new CertificationCycle(r.CycleStart, r.RenewBy, r.RuleVersion)), ExpiredOn = null
                });
            case CertificationExpired x when IndexOf(certifications, x.CertificationId) is var i and >= 0:
                return certifications.SetItem(i, certifications[i] with { ExpiredOn = x.ExpiredOn });
            case CertificationRevoked r when IndexOf(certifications, r.CertificationId) is var i and >= 0:
                return certifications.SetItem(i, certifications[i] with { RevokedOn = r.RevokedOn });
            default:
                return certifications;
        }
    }

    private static int IndexOf(ImmutableList<CertificationRecord> certifications, Guid id) =>
        certifications.FindIndex(c => c.CertificationId == id);
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
        var certifications = facts.Aggregate(state.Certifications, CertificationFacts.Fold);
        var entries = facts.Aggregate(state.Cpd, CpdFacts.Fold);

        var events = new List<object>();
        void Take(IEnumerable<object> decided)
        {
            foreach (var e in decided.ToList())
            {
                events.Add(e);
                certifications = CertificationFacts.Fold(certifications, e);
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
    /// the TrainingCompleted event and schedules <see cref="Expiries"/>.
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
            .Where(c => c.Counts && string.Equals(c.Code, completion.CourseCode, StringComparison.OrdinalIgnoreCase))
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
        foreach (var certification in certifications.Where(c => c.ExpiredOn is null && c.Counts).ToList())
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
    public static IReadOnlyList<Scheduled> Expiries(Guid practitionerId, IEnumerable<object> events, DateTimeOffset now) =>
        events.Select(e => e switch
            {
                CertificationAwarded a => (a.CertificationId, a.RenewBy),
                CertificationRenewed r => (r.CertificationId, r.RenewBy),
                _ => ((Guid, DateOnly)?)null
            })
            .OfType<(Guid CertificationId, DateOnly RenewBy)>()
            .Where(d => d.RenewBy > Clock.DayOf(now))
            .Select(d => Scheduled.At(new SettleCertifications(practitionerId, d.CertificationId), d.RenewBy, now))
            .ToList();
}

public static class SettleCertificationsHandler
{
    /// <summary>What a renewBy day brings: renewals CPD has met, else the expiry; nothing when the message is stale.</summary>
    public static IReadOnlyList<object> Decide(Practitioner practitioner, DateOnly today) => CertificationRules.After(practitioner, [], today);

    /// <summary>Fires on a renewBy day. It re-decides from the record, so a stale or repeated message records nothing.</summary>
    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(SettleCertifications message, Practitioner practitioner, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var events = Decide(practitioner, Clock.DayOf(now));
        return ([.. events], CertificationRules.Expiries(practitioner.Id, events, now).ToOutgoing());
    }
}
