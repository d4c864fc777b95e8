using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using PmoLedger.Features.Providers;

namespace PmoLedger.Features.Xapi;

/// <summary>An LRS key/secret pair was issued to a provider (the secret itself is never recorded).</summary>
public sealed record LrsCredentialIssued(Guid ProviderId, string Key);

public sealed record LrsCredentialRevoked(Guid ProviderId, string Key);

/// <summary>The stored half of an LRS credential: the key finds the row, only a SHA-256 of the secret is kept.</summary>
public sealed class LrsCredential
{
    public string Id { get; set; } = "";
    public Guid ProviderId { get; set; }
    public string ProviderName { get; set; } = "";
    public byte[] SecretHash { get; set; } = [];
    public bool Revoked { get; set; }

    public static (string Secret, LrsCredential Stored) Issue(Guid providerId, string providerName)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        var secret = ProviderApiKey.Base64Url(RandomNumberGenerator.GetBytes(32));
        return (secret, new LrsCredential { Id = key, ProviderId = providerId, ProviderName = providerName, SecretHash = ProviderApiKey.Hash(secret) });
    }

    public bool Matches(string secret) => CryptographicOperations.FixedTimeEquals(ProviderApiKey.Hash(secret), SecretHash);
}

/// <summary>The only answer that ever shows the secret.</summary>
public sealed record LrsCredentialCreated(string Key, string Secret, string Endpoint);

public static class LrsCredentialsEndpoint
{
    /// <summary>An admin, or the provider itself with its API key.</summary>
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) =>
        user.IsInRole(Roles.Admin) || (user.IsInRole(Roles.Provider) && user.ProviderId() == id)
            ? WolverineContinue.NoProblems
            : Problems.Forbidden("Only an administrator or the provider itself may manage its LRS credentials.");

    [EndpointSummary("Issue LRS credentials for a provider's learning platform")]
    [EndpointDescription("An admin, or the provider itself with its API key. The secret is shown only in this answer; the LRS at /xapi takes the pair as HTTP Basic (docs/xapi.md).")]
    [ProducesResponseType<LrsCredentialCreated>(201)]
    [WolverinePost("/api/providers/{id}/lrs-credentials", OperationId = "issueLrsCredential")]
    [Authorize(Roles = $"{Roles.Admin},{Roles.Provider}")]
    public static async Task<IResult> Post(Guid id, HttpRequest request, IDocumentSession session, CancellationToken ct)
    {
        if (await session.LoadAsync<Provider>(id, ct) is not { } provider) return Results.Problem(Problems.NotFound($"No provider {id}."));
        var (secret, stored) = LrsCredential.Issue(provider.Id, provider.Name);
        session.Store(stored);
        session.Events.Append(provider.Id, new LrsCredentialIssued(provider.Id, stored.Id));
        await session.SaveChangesAsync(ct);
        return Results.Json(new LrsCredentialCreated(stored.Id, secret, Lrs.BaseUrl(request) + "/xapi"), statusCode: StatusCodes.Status201Created);
    }

    [EndpointSummary("Revoke LRS credentials")]
    [EndpointDescription("An admin, or the provider itself with its API key. The pair stops working at once; revoking again changes nothing.")]
    [ProducesResponseType(204)]
    [WolverineDelete("/api/providers/{id}/lrs-credentials/{key}", OperationId = "revokeLrsCredential")]
    [Authorize(Roles = $"{Roles.Admin},{Roles.Provider}")]
    public static async Task<IResult> Delete(Guid id, string key, IDocumentSession session, CancellationToken ct)
    {
        var stored = await session.LoadAsync<LrsCredential>(key, ct);
        if (stored is null || stored.ProviderId != id) return Results.Problem(Problems.NotFound($"Provider {id} has no LRS credential '{key}'."));
        if (stored.Revoked) return Results.NoContent();
        stored.Revoked = true;
        session.Store(stored);
        session.Events.Append(id, new LrsCredentialRevoked(id, key));
        await session.SaveChangesAsync(ct);
        return Results.NoContent();
    }
}

/// <summary>HTTP Basic with an LRS key and secret: the caller becomes the provider that holds them.</summary>
public sealed class LrsBasicAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IDocumentStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "LrsBasic";
    public const string KeyClaim = "lrs_key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();

        string pair;
        try
        {
            pair = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter ?? ""));
        }
        catch (FormatException)
        {
            return AuthenticateResult.Fail("Malformed Basic credentials.");
        }
        var colon = pair.IndexOf(':');
        if (colon <= 0) return AuthenticateResult.Fail("Malformed Basic credentials.");
        var (key, secret) = (pair[..colon], pair[(colon + 1)..]);

        await using var session = store.QuerySession();
        var stored = await session.LoadAsync<LrsCredential>(key, Context.RequestAborted);
        if (stored is null || stored.Revoked || !stored.Matches(secret)) return AuthenticateResult.Fail("Unknown or revoked LRS credentials.");

        var identity = new ClaimsIdentity(
        [
            new Claim(JwtRegisteredClaimNames.Sub, $"provider:{stored.ProviderId}"),
            new Claim(Roles.RoleClaim, Roles.Provider),
            new Claim(Roles.ProviderClaim, stored.ProviderId.ToString()),
            new Claim("provider_name", stored.ProviderName),
            new Claim(KeyClaim, stored.Id)
        ], SchemeName, JwtRegisteredClaimNames.Sub, Roles.RoleClaim);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Basic realm=\"PmoLedger xAPI\"";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }
}
