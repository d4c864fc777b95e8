
namespace PmoLedger.Infrastructure;

/// <summary>Who may do what. The claim names are the JWT's (`role`, `practitioner_id`) and the API key handler's.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Auditor = "auditor";
    public const string Practitioner = "practitioner";
    public const string Provider = "provider";

    public const string RoleClaim = "role";
    public const string PractitionerClaim = "practitioner_id";
    public const string ProviderClaim = "provider_id";

    public static Guid? PractitionerId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(PractitionerClaim), out var id) ? id : null;

    public static Guid? ProviderId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ProviderClaim), out var id) ? id : null;

    /// <summary>The practitioner themselves, or one of the listed staff roles.</summary>
    public static ProblemDetails SelfOr(this ClaimsPrincipal user, Guid practitionerId, params string[] staff)
    {
        if (user.IsInRole(Practitioner) && user.PractitionerId() == practitionerId) return WolverineContinue.NoProblems;
        if (staff.Any(user.IsInRole)) return WolverineContinue.NoProblems;
        return Problems.Forbidden("This record belongs to someone else, or your role may not do this.");
    }

    /// <summary>Only the practitioner themselves.</summary>
    public static ProblemDetails OnlySelf(this ClaimsPrincipal user, Guid practitionerId) => user.SelfOr(practitionerId);
}
