using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Credentials;

public enum AchievementKind { Certification, CareerLevel, CpdCycle }

/// <summary>An achievement a credential can stand for, with the ledger rule that awards it (credentials.md).</summary>
public sealed record AchievementDefinition(string Id, AchievementKind Kind, string Name, string Description, string Criteria)
{
    public static AchievementDefinition Certification(string code, string name) => new(
        $"certification-{Slug(code)}", AchievementKind.Certification, $"{name} ({code})",
        $"Holds the {name} ({code}) certification as recorded in PmoLedger.",
        $"Issued when PmoLedger records the award of {code} (CertificationAwarded) and again on each renewal, by a new exam pass or " +
        "by CPD; valid until the certification's renew-by date. Revoked if the award is revoked.");

    public static AchievementDefinition Level(CareerLevel level) => new(
        $"career-level-{level.Wire()}", AchievementKind.CareerLevel, $"PMO career level: {level.Wire()}",
        $"Reached the {level.Wire()} career level of the PMO profession ({level.Label()}).",
        $"Issued when PmoLedger records that the practitioner reached the {level.Wire()} career level (CareerLevelReached), which " +
        "the ledger derives from the role history: the role family held and, below managing, two years of PMO experience for working. No end date.");

    public static AchievementDefinition CpdCycle(string code) => new(
        $"cpd-cycle-{Slug(code)}", AchievementKind.CpdCycle, $"CPD cycle met for {code}",
        $"Met every period of a three-year CPD cycle of the {code} certification.",
        $"Issued when the third period of a CPD cycle of {code} is met under the cycle's CPD rule set (axelos-2024: at least 20 counted " +
        "points a year, 5 of them professional experience, education and community capped at 15 each). Valid for 3 years from the " +
        "cycle's end. Revoked if the cycle is no longer met (a CPD audit rejects its evidence, a completion is withdrawn).");

    /// <summary>Lower case, letters, digits and single hyphens: a code like "P3O-F" becomes "p3o-f".</summary>
    public static string Slug(string text) => Regex.Replace(text.Trim().ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');
}

/// <summary>A credential the ledger's facts call for: what it stands for (Basis) and its dates.</summary>
public sealed record OwedCredential(string Basis, AchievementDefinition Achievement, DateOnly ValidFrom, DateOnly? ValidUntil);

/// <summary>What is new for one credential about to be issued: ids, its place in a status list and the salt of its email hash.</summary>
public sealed record Issuance(Guid CredentialId, Guid SubjectId, StatusSlot Slot, string Salt, string KeyId);

public sealed record StatusSlot(int List, int Index);

/// <summary>
/// One rule for issuing and revoking: compare what the ledger's facts call for with what was issued. Anything that
/// changes those facts (an award, a renewal, a level, CPD met or no longer met, a revoked award, an erasure) settles
/// credentials again through the same rule, so issuing and revoking can never disagree.
/// </summary>
public static class CredentialRules
{
    public const int CpdCredentialYears = 3;

    public static class Reasons
    {
        public const string Erased = "personal-data-erased";
        public const string CertificationRevoked = "certification-revoked";
        public const string NoLongerMet = "cpd-cycle-no-longer-met";
        public const string FactCorrected = "fact-corrected";
    }

    /// <summary>Everything the record backs, expired or not; nothing once the person's data is erased.</summary>
    public static IReadOnlyList<OwedCredential> Owed(Practitioner practitioner)
    {
        if (practitioner.Erased) return [];
        var owed = new List<OwedCredential>();
        foreach (var certification in practitioner.Certifications.Where(c => c.Counts))
        {
            var achievement = AchievementDefinition.Certification(certification.Code, certification.Name);
            foreach (var cycle in certification.Cycles)
            {
                owed.Add(new OwedCredential(CertificationBasis(certification.CertificationId, cycle.Start), achievement, cycle.Start, cycle.RenewBy));
                var cpd = CpdScheme.Evaluate(CpdRuleSet.Named(cycle.RuleVersion), practitioner.Cpd, cycle.Start, cycle.RenewBy);
                if (cpd.Met)
                    owed.Add(new OwedCredential(CpdBasis(certification.CertificationId, cycle.Start), AchievementDefinition.CpdCycle(certification.Code),
                        cpd.MetOn!.Value, cycle.RenewBy.AddYears(CpdCredentialYears)));
            }
        }
        foreach (var level in practitioner.LevelsReached)
            owed.Add(new OwedCredential($"career-level:{level.Level.Wire()}", AchievementDefinition.Level(level.Level), level.On, null));
        return owed.DistinctBy(o => o.Basis).ToList();
    }

    public static string CertificationBasis(Guid certificationId, DateOnly cycleStart) => $"certification:{certificationId}:{cycleStart:yyyy-MM-dd}";

    public static string CpdBasis(Guid certificationId, DateOnly cycleStart) => $"cpd-cycle:{certificationId}:{cycleStart:yyyy-MM-dd}";

    /// <summary>
    /// Owed but never issued, and still current on <paramref name="today"/> (a credential born expired helps nobody;
    /// one ending later is issued even for a cycle that starts later).
    /// </summary>
    public static IReadOnlyList<OwedCredential> ToIssue(Practitioner practitioner, DateOnly today)
    {
        var issued = practitioner.Credentials.Select(c => c.Basis).ToHashSet();
        return Owed(practitioner).Where(o => !issued.Contains(o.Basis) && (o.ValidUntil is null || o.ValidUntil > today)).ToList();
    }

    /// <summary>
    /// Nothing to issue or revoke on any day: what lets a busy path skip a settlement without reading the clock. An owed
    /// credential that has since expired still counts as owed here, so the answer errs towards settling (which then
    /// issues nothing), never towards skipping.
    /// </summary>
    public static bool Settled(Practitioner practitioner) =>
        ToIssue(practitioner, DateOnly.MinValue).Count == 0 && Revocations(practitioner, DateOnly.MinValue).Count == 0;

    /// <summary>Issued, not yet revoked, and no longer backed by the record.</summary>
    public static IReadOnlyList<CredentialRevoked> Revocations(Practitioner practitioner, DateOnly today)
    {
        var owed = Owed(practitioner).Select(o => o.Basis).ToHashSet();
        return practitioner.Credentials.Where(c => !c.Revoked && !owed.Contains(c.Basis))
            .Select(c => new CredentialRevoked(c.CredentialId, ReasonFor(practitioner, c.Basis), today)).ToList();
    }

    private static string ReasonFor(Practitioner practitioner, string basis)
    {
        if (practitioner.Erased) return Reasons.Erased;
        if (basis.StartsWith("cpd-cycle:", StringComparison.Ordinal)
            && practitioner.Certifications.Any(c => c.Counts && basis.Contains(c.CertificationId.ToString(), StringComparison.Ordinal)))
            return Reasons.NoLongerMet;
        return practitioner.Certifications.Any(c => !c.Counts && basis.Contains(c.CertificationId.ToString(), StringComparison.Ordinal))
            ? Reasons.CertificationRevoked
            : Reasons.FactCorrected;
    }

    /// <summary>
    /// The settlement: revocations, then one CredentialIssued per owed credential, in order, for as many issuances as
    /// the caller prepared (ids, status slots and salts are I/O and randomness, so they come in).
    /// </summary>
    public static IReadOnlyList<object> Settle(Practitioner practitioner, DateOnly today, IReadOnlyList<Issuance> issuances)
    {
        var events = new List<object>(Revocations(practitioner, today));
        var owed = ToIssue(practitioner, today);
        for (var i = 0; i < Math.Min(owed.Count, issuances.Count); i++)
        {
            var (o, n) = (owed[i], issuances[i]);
            // A cycle renewed ahead of its start is held from the renewal on: the credential is valid from the day it is issued.
            var validFrom = o.ValidFrom > today ? today : o.ValidFrom;
            events.Add(new CredentialIssued(n.CredentialId, o.Achievement.Id, o.Achievement.Name, o.Basis, validFrom, o.ValidUntil,
                n.Slot.List, n.Slot.Index, n.SubjectId, IdentityHash(practitioner.Email, n.Salt), PersonalText.Of(practitioner.Id, n.Salt),
                n.KeyId, today));
        }
        return events;
    }

    /// <summary>
    /// Open Badges' IdentityHash: "sha256$" and the hex SHA-256 of the identity followed by the salt. The address is
    /// trimmed and lower-cased first, as the ledger compares addresses, so a verifier hashing what they were given matches.
    /// </summary>
    public static string IdentityHash(string email, string salt) =>
        "sha256$" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant() + salt)));
}
