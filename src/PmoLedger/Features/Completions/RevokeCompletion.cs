using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Completions;

public sealed record RevokeCompletion(string? Reason);

public static class RevokeCompletionEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user) => Poster.Required(user);

    public static ProblemDetails Validate(RevokeCompletion? command)
    {
        if (command is null) return Problems.MissingBody;
        return new Problems().Required("reason", command.Reason).MaxLength("reason", command.Reason, 1000).ToProblem();
    }

    /// <summary>Revoking twice changes nothing: the second request finds it revoked and records no event.</summary>
    public static CompletionRevoked? Decide(Practitioner practitioner, Guid completionId, Guid providerId, string reason, DateOnly today) =>
        practitioner.Completions.FirstOrDefault(c => c.Id == completionId) is { Revoked: false }
            ? new CompletionRevoked(completionId, providerId, reason.Trim(), today)
            : null;

    /// <summary>
    /// Retries of one revocation race each other on the practitioner's stream version; the loser
    /// reads again, finds the completion revoked and answers 204 like the winner.
    /// </summary>
    [EndpointSummary("Revoke a completion")]
    [EndpointDescription("Only the provider that posted it. The entry stays in history marked revoked and stops counting.")]
    [ProducesResponseType(204)]
    [WolverinePost("/api/completions/{completionId}/revoke", OperationId = "revokeCompletion")]
    [Authorize(Roles = Roles.Provider)]
    public static Task<IResult> Post(Guid completionId, RevokeCompletion command, ClaimsPrincipal user,
        IDocumentStore store, TimeProvider clock, ILogger<RevokeCompletion> logger, CancellationToken ct)
    {
        var poster = Poster.From(user);
        return WriteConflicts.Retry(async () =>
        {
            await using var session = WriteConflicts.OpenSession(store, poster.UserName);
            // The provider view doubles as the index from a completion to its practitioner.
            var posted = await session.LoadAsync<ProviderCompletion>(completionId, ct);
            if (posted is null) return Results.Problem(Problems.NotFound($"No completion {completionId}."));
            if (posted.ProviderId != poster.ProviderId)
                return Results.Problem(Problems.Forbidden("Only the provider that posted a completion may revoke it."));

            var stream = await session.Events.FetchForWriting<Practitioner>(posted.PractitionerId, ct);
            if (Decide(stream.Aggregate!, completionId, posted.ProviderId, command.Reason!, clock.Today()) is { } revoked)
            {
                stream.AppendOne(revoked);
                await session.SaveChangesAsync(ct);
            }
            return Results.NoContent();
        }, () => Results.Problem(Problems.Conflict("The practitioner's record was busy; nothing was recorded. Retry the request.")), logger, ct);
    }
}
