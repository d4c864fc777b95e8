using System.Collections.Immutable;
using JasperFx.Events;
using Marten.Events.Aggregation;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Certifications;

namespace PmoLedger.Features.Practitioners;

/// <summary>
/// The stored profile: only facts from events. Anything that depends on today (experience,
/// certification status) is derived when it is read, so rebuilding never reads the clock.
/// </summary>
public sealed class PractitionerProfile
{
    public Guid Id { get; set; }
    public string FullName { get; set; } = "";
    /// <summary>Null once the practitioner's personal data is erased (docs/privacy.md).</summary>
    public string? Email { get; set; } = "";
    public ImmutableList<RoleRecord> Roles { get; set; } = [];

    /// <summary>Provider-posted completions that still count (revoked ones do not).</summary>
    public int Completions { get; set; }

    public ImmutableList<CertificationRecord> Certifications { get; set; } = [];
    public int Version { get; set; }
}

public partial class PractitionerProfileProjection : SingleStreamProjection<PractitionerProfile, Guid>
{
    // Provider streams share the store; only practitioner streams make profiles.
    public PractitionerProfileProjection() => FilterIncomingEventsOnStreamType(typeof(Practitioner));

    public override PractitionerProfile? Evolve(PractitionerProfile? snapshot, Guid id, IEvent e)
    {
        // The stream-type filter does not keep provider streams out of inline updates; a stream
        // that never registered a practitioner makes no document (ProviderIsNotAPractitionerTests).
        if (snapshot is null && e.Data is not PractitionerRegistered) return null;
        var profile = snapshot ?? new PractitionerProfile { Id = id };
        profile.Version++;
        switch (e.Data)
        {
            case PractitionerRegistered r:
                profile.FullName = r.FullName;
                profile.Email = r.Email;
                break;
            case PractitionerDetailsCorrected c:
                profile.FullName = c.FullName?.Text ?? profile.FullName;
                profile.Email = c.Email?.Text ?? profile.Email;
                break;
            case RoleStarted or RoleEnded:
                profile.Roles = Career.Fold(profile.Roles, e.Data);
                break;
            case PersonalDataErased:
                profile.Email = null;
                break;
            case TrainingCompleted:
                profile.Completions++;
                break;
            case CompletionRevoked:
                // The aggregate records a revocation at most once per completion.
                profile.Completions--;
                break;
            default:
                profile.Certifications = CertificationFacts.Fold(profile.Certifications, e.Data);
                break;
        }
        return profile;
    }
}

public sealed record CurrentRoleView(
    Guid RoleId, string Title, RoleFamily RoleFamily, Specialism? Specialism, EmploymentType EmploymentType,
    string Organisation, string Industry, OfficeType OfficeType, DateOnly StartedOn, bool Concurrent);

/// <summary>A certification on the profile; its status is worked out for the day the profile is read.</summary>
public sealed record CertificationView(
    Guid CertificationId, string Code, string Name, string CertificateNumber, DateOnly AwardedOn, DateOnly RenewBy, CertificationStatus Status);

public sealed record ProfileView(
    Guid Id, string FullName, string? Email, CareerLevel CareerLevel, decimal PmoExperienceYears,
    CurrentRoleView? CurrentRole, IReadOnlyList<CertificationView> Certifications, int Completions, int Version)
{
    /// <summary>The profile as it reads on <paramref name="day"/>: the same projection, with time-dependent figures for that day.</summary>
    public static ProfileView From(PractitionerProfile p, DateOnly day)
    {
        var periods = p.Roles.Periods();
        var primary = Career.PrimaryRoleOn(periods, day);
        var current = primary is null ? null : p.Roles.First(r => r.RoleId == primary.RoleId);
        return new ProfileView(
            // The level is derived from the role history for that day by the same rules that record the
            // timeline's steps, so a back-dated role or a crossing not yet reached by its message reads right.
            p.Id, p.FullName, p.Email, Career.LevelOn(periods, day),
            Career.ExperienceYears(periods, day),
            current is null ? null : new CurrentRoleView(current.RoleId, current.Title, current.RoleFamily, current.Specialism,
                current.EmploymentType, current.Organisation, current.Industry, current.OfficeType, current.StartedOn, current.Concurrent),
            p.Certifications.OrderBy(c => c.AwardedOn).Select(c => new CertificationView(c.CertificationId, c.Code, c.Name,
                c.CertificateNumber, c.AwardedOn, c.RenewBy, c.StatusOn(day))).ToList(),
            p.Completions, p.Version);
    }
}

public static class GetProfileEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin, Roles.Auditor);

    [EndpointSummary("Read a practitioner's profile")]
    [EndpointDescription("The practitioner, admins and auditors. Experience and career level are worked out for today.")]
    [ProducesResponseType<ProfileView>(200)]
    [WolverineGet("/api/practitioners/{id}", OperationId = "getProfile")]
    public static Task<IResult> Get(Guid id, IQuerySession session, TimeProvider clock, CancellationToken ct)
        => ReadModels.Answer<PractitionerProfile>(session, id, p => ProfileView.From(p, clock.Today()), ct);
}
