
namespace PmoLedger.Features.Providers;

public sealed record ProviderKeyRotated(string ApiKey);

public static class RotateProviderKeyEndpoint
{
    /// <summary>Issues a new key and revokes every earlier one in the same transaction.</summary>
    [EndpointSummary("Issue a new API key for a provider")]
    [EndpointDescription("Admin only. Every earlier key of the provider stops working at once.")]
    [ProducesResponseType<ProviderKeyRotated>(201)]
    [WolverinePost("/api/providers/{id}/keys", OperationId = "rotateProviderKey")]
    [Authorize(Roles = Roles.Admin)]
    public static async Task<(IResult, ProviderKeyIssued)> Post([WriteAggregate] Provider provider, IDocumentSession session,
        ProviderKeyCache cache, CancellationToken ct)
    {
        cache.Forget(provider.ActiveKeyIds);
        var (apiKey, stored) = ProviderApiKey.Issue(provider.Id, provider.Name);
        var earlier = await session.LoadManyAsync<ProviderApiKey>(ct, provider.ActiveKeyIds);
        foreach (var key in earlier) key.Revoked = true;
        session.Store([.. earlier, stored]);
        return (Results.Json(new ProviderKeyRotated(apiKey), statusCode: StatusCodes.Status201Created),
            new ProviderKeyIssued(provider.Id, stored.Id, provider.ActiveKeyIds.ToList()));
    }
}
