using System.Collections.Immutable;
using System.Text.Json.Serialization;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Certifications;

public enum CertificationStatus { Active, RenewalDue, Expired, Revoked }

/// <summary>Sent for a certification's renewBy date; the handler settles every certification as of that day.</summary>
public sealed record SettleCertifications(Guid PractitionerId, Guid CertificationId);

/// <summary>A cycle [Start, RenewBy); ByCpd when a renewal by CPD started it (only such a renewal can be withdrawn).</summary>
public sealed record CertificationCycle(DateOnly Start, DateOnly RenewBy, string RuleVersion, bool ByCpd = false);

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
    public static bool IsCertification(object e) =>
        e is CertificationAwarded or CertificationRenewed or CertificationRenewalWithdrawn or CertificationExpired or CertificationRevoked;

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
                    Cycles = certifications[i].Cycles.Add(new CertificationCycle(r.CycleStart, r.RenewBy, r.RuleVersion, r.Basis == RenewalBasis.Cpd)),
                    ExpiredOn = null
                });
            case CertificationRenewalWithdrawn w when IndexOf(certifications, w.CertificationId) is var i and >= 0
                                                     && certifications[i].Cycles is { Count: > 1 } cycles && cycles[^1].Start == w.WithdrawnCycleStart:
                return certifications.SetItem(i, certifications[i] with { Cycles = cycles.RemoveAt(cycles.Count - 1) });
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

    /// <summary>A cycle's length is that of the CPD rule version in force on its first day (three years under axelos-2024).</summary>
    public static DateOnly RenewByFrom(DateOnly cycleStart) => cycleStart.AddMonths(CpdRuleSet.InForceOn(cycleStart).CycleMonths);

    public static string RuleVersionFor(DateOnly cycleStart) => CpdRuleSet.InForceOn(cycleStart).Version;

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
            start, RenewByFrom(start), RuleVersionFor(start), completion.CompletionId, AfterExpiry: lapsed);
    }

    /// <summary>
    /// For each certification not recorded as expired: first withdraw a renewal by CPD whose closed cycle was met
    /// only with activities a CPD audit has since rejected (the previous cycle is current again); then, while the
    /// current cycle's CPD is met, renew it (dated the day the last period was met); once a cycle is unmet and
    /// renewBy has come, expire it. An expired certification is not revived by CPD logged afterwards; only a new
    /// exam pass does that.
    /// </summary>
    public static IEnumerable<object> Settle(IEnumerable<CertificationRecord> certifications, IReadOnlyList<CpdEntry> entries, DateOnly today)
    {
        var unrejected = entries.Select(e => e with { Rejected = null }).ToList();
        bool Met(CertificationCycle c, IReadOnlyList<CpdEntry> with) =>
            CpdScheme.Evaluate(CpdRuleSet.Named(c.RuleVersion), with, c.Start, c.RenewBy).Met;

        foreach (var certification in certifications.Where(c => c.ExpiredOn is null && c.Counts).ToList())
        {
            var cycles = certification.Cycles;
            while (cycles.Count > 1 && cycles[^1].ByCpd && !Met(cycles[^2], entries) && Met(cycles[^2], unrejected))
            {
                yield return new CertificationRenewalWithdrawn(certification.CertificationId, certification.Code, cycles[^1].Start,
                    cycles[^2].RenewBy, today);
                cycles = cycles.RemoveAt(cycles.Count - 1);
            }
            var cycle = cycles[^1];
            while (true)
            {
                var result = CpdScheme.Evaluate(CpdRuleSet.Named(cycle.RuleVersion), entries, cycle.Start, cycle.RenewBy);
                if (result.Met)
                {
                    cycle = new CertificationCycle(cycle.RenewBy, RenewByFrom(cycle.RenewBy), RuleVersionFor(cycle.RenewBy));
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
    /// A durable message at the start of every renewBy still ahead, measured on the ledger's clock, and the renewal
    /// notices that renewBy brings (<see cref="RenewalNotices.Schedule"/>). Messages for a renewBy that was since moved
    /// find nothing to do when they fire.
    /// </summary>
    public static IReadOnlyList<Scheduled> Expiries(Guid practitionerId, IEnumerable<object> events, DateTimeOffset now)
    {
        var recorded = events.ToList();
        return [.. Settlements(practitionerId, recorded, now), .. RenewalNotices.Schedule(practitionerId, recorded, now)];
    }

    private static IEnumerable<Scheduled> Settlements(Guid practitionerId, IEnumerable<object> events, DateTimeOffset now) =>
        events.Select(e => e switch
            {
                CertificationAwarded a => (a.CertificationId, a.RenewBy),
                CertificationRenewed r => (r.CertificationId, r.RenewBy),
                CertificationRenewalWithdrawn w => (w.CertificationId, w.ReinstatedRenewBy),
                _ => ((Guid, DateOnly)?)null
            })
            .OfType<(Guid CertificationId, DateOnly RenewBy)>()
            .Where(d => d.RenewBy > Clock.DayOf(now))
            .Select(d => Scheduled.At(new SettleCertifications(practitionerId, d.CertificationId), d.RenewBy, now));
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
