
namespace PmoLedger.Features.Practitioners;

public sealed record PractitionerMatch(Guid Id, string FullName);

public static class FindPractitionerByEmailEndpoint
{
    public static ProblemDetails Validate(string? email) =>
        new Problems().Required("email", email).ToProblem();

    /// <summary>Exact match only (case-insensitive): providers may find a learner they know, not browse the register.</summary>
    [WolverineGet("/api/practitioners", OperationId = "findPractitionerByEmail")]
    [Authorize(Roles = $"{Roles.Admin},{Roles.Provider}")]
    public static async Task<IResult> Get(string? email, IQuerySession session, KeyRing keys, CancellationToken ct)
    {
        var claim = await session.LoadAsync<PractitionerEmail>(keys.EmailLookupKey(email!), ct);
        var profile = claim is null ? null : await session.LoadAsync<PractitionerProfile>(claim.PractitionerId, ct);
        return profile is null
            ? Results.Problem(Problems.NotFound("No practitioner is registered with that email."))
            : Results.Ok(new PractitionerMatch(profile.Id, profile.FullName));
    }
}
